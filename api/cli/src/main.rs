//! `lars`: the Lars command-line tools; all the work is in [`lars_cli`].

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    lars_cli::run(lars_cli::Cli::parse())
}
