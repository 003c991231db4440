//! `lars-dns`: serves routes to agents and pushes changes.
//!
//! `lars-dns [-c conf/lars_dns.conf]`

use lars_dns::{DnsConfig, DnsService};
use std::process::ExitCode;

fn main() -> ExitCode {
    lars_daemon::run("lars-dns", "conf/lars_dns.conf", |config| {
        DnsService::start(DnsConfig::from_config(config)?)
    })
}
