//! Start-up pieces shared by the `lars-dns`, `lars-reporter` and
//! `lars-agent` binaries: logging, loading the config file with a clear
//! message, and waiting for SIGINT/SIGTERM.
#![warn(missing_docs)]

use std::path::Path;

use lars_reactor::Config;

/// Initialises `env_logger` at `info` unless `RUST_LOG` says otherwise,
/// with timestamps to the millisecond.
pub fn init_logging() {
    let env = env_logger::Env::default().default_filter_or("info");
    let _ = env_logger::Builder::from_env(env)
        .format_timestamp_millis()
        .try_init();
}

/// Loads the daemon's INI file; on failure prints why and returns `None`.
pub fn load_config(daemon: &str, path: &Path) -> Option<Config> {
    match Config::load(path) {
        Ok(c) => Some(c),
        Err(e) => {
            log::error!("{daemon}: {e}");
            None
        }
    }
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
