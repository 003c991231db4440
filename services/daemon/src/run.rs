//! [`run`]: the whole life of a daemon process — its flags (`-c CONFIG`),
//! logging, the config file, starting the service, waiting for SIGINT or
//! SIGTERM, and stopping it — so each daemon's `main` is one call.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use lars_reactor::Config;

use crate::error::StartError;

/// A running daemon's service: what [`run`] stops when a signal arrives.
pub trait Daemon {
    /// Stops the service, waiting for its threads; logs what it must say
    /// at exit (e.g. what could not be stored).
    fn stop(self);

    /// Stops like [`stop`](Self::stop) and returns what the daemon's last
    /// log line adds after `NAME stopped: `, e.g. how much could not be
    /// stored; the default stops and adds nothing.
    fn stop_with_summary(self) -> Option<String>
    where
        Self: Sized,
    {
        self.stop();
        None
    }
}

/// The daemons' command line.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Configuration file.
    #[arg(short, long)]
    config: Option<PathBuf>,
}

/// Runs daemon `name`: parses `-c CONFIG` (default `default_conf`),
/// initialises logging, loads the config, calls `start` with it, waits for
/// SIGINT or SIGTERM and stops the service. Every failure is logged with
/// the daemon's name and makes the exit code 1.
pub fn run<D: Daemon>(
    name: &str,
    default_conf: &str,
    start: impl FnOnce(&Config) -> Result<D, StartError>,
) -> ExitCode {
    let args = Args::parse();
    init_logging();
    let path = args.config.unwrap_or_else(|| PathBuf::from(default_conf));
    match start_from(&path, start) {
        Ok(daemon) => {
            match wait_for_stop_signal() {
                Ok(signal) => log::info!("{name}: {signal}, stopping"),
                Err(e) => log::error!("{name}: cannot wait for signals: {e}"),
            }
            match daemon.stop_with_summary() {
                Some(summary) => log::info!("{name} stopped: {summary}"),
                None => log::info!("{name} stopped"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            log::error!("{name}: cannot start: {}", chain(&e));
            ExitCode::FAILURE
        }
    }
}

fn start_from<D>(
    path: &Path,
    start: impl FnOnce(&Config) -> Result<D, StartError>,
) -> Result<D, StartError> {
    let config = Config::load(path)?;
    start(&config)
}

/// The error and its causes, `: `-separated, without repeating a cause
/// whose text the error already shows.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text = format!("{text}: {cause_text}");
        }
        source = cause.source();
    }
    text
}

/// Initialises `env_logger` at `info` unless `RUST_LOG` says otherwise,
/// with timestamps to the millisecond.
pub fn init_logging() {
    let env = env_logger::Env::default().default_filter_or("info");
    let _ = env_logger::Builder::from_env(env)
        .format_timestamp_millis()
        .try_init();
}

/// Blocks until SIGINT or SIGTERM arrives; returns the signal's name.
pub fn wait_for_stop_signal() -> std::io::Result<&'static str> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    let signal = signals.forever().next().unwrap_or(SIGTERM);
    Ok(if signal == SIGINT {
        "SIGINT"
    } else {
        "SIGTERM"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn a_missing_config_file_is_a_start_error_naming_it() {
        let err =
            start_from(Path::new("/nonexistent/lars.conf"), |_| Ok(())).expect_err("no such file");
        assert!(matches!(err, StartError::Config(_)));
        assert!(err.to_string().contains("/nonexistent/lars.conf"), "{err}");
    }

    #[test]
    fn the_log_line_shows_each_cause_once() {
        let err = StartError::io("bind 127.0.0.1:1", io::Error::other("denied"));
        assert_eq!(chain(&err), "bind 127.0.0.1:1: denied");
        #[derive(Debug, thiserror::Error)]
        #[error("outer")]
        struct Outer(#[source] io::Error);
        assert_eq!(chain(&Outer(io::Error::other("inner"))), "outer: inner");
    }
}
