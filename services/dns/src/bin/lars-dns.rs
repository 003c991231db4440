//! `lars-dns`: serves routes to agents and pushes changes.
//!
//! `lars-dns [-c conf/lars_dns.conf]`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use lars_dns::{DnsConfig, DnsService};

/// The Lars DNS service.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Configuration file.
    #[arg(short, long, default_value = "conf/lars_dns.conf")]
    config: PathBuf,
}

fn main() -> ExitCode {
    lars_daemon::init_logging();
    let args = Args::parse();
    let Some(cfg) = lars_daemon::load_config("lars-dns", &args.config) else {
        return ExitCode::FAILURE;
    };
    let service = match DnsConfig::from_config(&cfg).and_then(DnsService::start) {
        Ok(s) => s,
        Err(e) => {
            log::error!("lars-dns: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    log::info!("lars-dns serving on {}", service.local_addr());
    match lars_daemon::wait_for_stop_signal() {
        Ok(signal) => log::info!("lars-dns: {signal}, stopping"),
        Err(e) => log::error!("lars-dns: cannot wait for signals: {e}"),
    }
    service.stop();
    ExitCode::SUCCESS
}
