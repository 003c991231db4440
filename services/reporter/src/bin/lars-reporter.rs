//! `lars-reporter`: stores the agents' call statistics.
//!
//! `lars-reporter [-c conf/lars_reporter.conf]`

use lars_reporter::{ReporterConfig, ReporterService};
use std::process::ExitCode;

fn main() -> ExitCode {
    lars_daemon::run("lars-reporter", "conf/lars_reporter.conf", |config| {
        ReporterService::start(ReporterConfig::from_config(config)?)
    })
}
