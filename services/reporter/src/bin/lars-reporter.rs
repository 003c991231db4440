//! `lars-reporter`: stores the agents' call statistics.
//!
//! `lars-reporter [-c conf/lars_reporter.conf]`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lars_reporter::{ReporterConfig, ReporterService};

/// The Lars report service.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(short, long, default_value = "conf/lars_reporter.conf")]
    config: PathBuf,
}

fn main() -> ExitCode {
    lars_daemon::init_logging();
    let args = Args::parse();
    let Some(cfg) = lars_daemon::load_config("lars-reporter", &args.config) else {
        return ExitCode::FAILURE;
    };
    let service = match ReporterConfig::from_config(&cfg).and_then(ReporterService::start) {
        Ok(s) => s,
        Err(e) => {
            log::error!("lars-reporter: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    log::info!("lars-reporter serving on {}", service.local_addr());
    match lars_daemon::wait_for_stop_signal() {
        Ok(signal) => log::info!("lars-reporter: {signal}, stopping"),
        Err(e) => log::error!("lars-reporter: cannot wait for signals: {e}"),
    }
    let stats = service.stop();
    log::info!(
        "lars-reporter stopped: {} reports, {} rows written in {} batches, {} rows lost",
        stats.messages,
        stats.rows_written,
        stats.batches_written,
        stats.rows_lost
    );
    ExitCode::SUCCESS
}
