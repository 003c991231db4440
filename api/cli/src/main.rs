//! `lars`: the Lars command-line tools (SPEC §9) — query the local LB agent
//! (`gethost`, `getroute`, `report`, `example`), load-test it (`simulator`,
//! `qps`), and edit the route store (`route`). All the work is in
//! [`lars_api::cli`]; `lars --help` lists the tools.

use clap::Parser;
use lars_api::cli::{self, Cli};
use std::process::ExitCode;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    cli::run(Cli::parse())
}
