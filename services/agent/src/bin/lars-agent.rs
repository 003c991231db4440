//! `lars-agent`: the LoadBalance agent on every caller host.
//!
//! `lars-agent [-c conf/lars_lb_agent.conf]`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lars_agent::{Agent, AgentConfig};

/// The Lars LoadBalance agent.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(short, long, default_value = "conf/lars_lb_agent.conf")]
    config: PathBuf,
}

fn main() -> ExitCode {
    lars_daemon::init_logging();
    let args = Args::parse();
    let Some(cfg) = lars_daemon::load_config("lars-agent", &args.config) else {
        return ExitCode::FAILURE;
    };
    let config = match AgentConfig::from_config(&cfg) {
        Ok(c) => c,
        Err(e) => {
            log::error!("lars-agent: {e}");
            return ExitCode::FAILURE;
        }
    };
    let agent = match Agent::start(config) {
        Ok(a) => a,
        Err(e) => {
            log::error!("lars-agent: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match lars_daemon::wait_for_stop_signal() {
        Ok(signal) => log::info!("lars-agent: {signal}, stopping"),
        Err(e) => log::error!("lars-agent: cannot wait for signals: {e}"),
    }
    agent.stop();
    ExitCode::SUCCESS
}
