//! `lars-agent`: the LoadBalance agent on every caller host.
//!
//! `lars-agent [-c conf/lars_lb_agent.conf]`

use lars_agent::{Agent, AgentConfig};
use std::process::ExitCode;

fn main() -> ExitCode {
    lars_daemon::run("lars-agent", "conf/lars_lb_agent.conf", |config| {
        Agent::start(AgentConfig::from_config(config)?)
    })
}
