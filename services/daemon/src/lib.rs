//! # lars-daemon
//!
//! What `lars-dns`, `lars-reporter` and `lars-agent` share at their edge,
//! so that each `main` is one call to [`run`]:
//!
//! ```no_run
//! use lars_daemon::{Daemon, StartError};
//! use lars_reactor::Config;
//!
//! struct Service;
//! impl Daemon for Service {
//!     fn stop(self) {}
//! }
//! fn start(_config: &Config) -> Result<Service, StartError> {
//!     Ok(Service)
//! }
//! fn main() -> std::process::ExitCode {
//!     lars_daemon::run("lars-example", "conf/lars_example.conf", start)
//! }
//! ```
//!
//! The daemons' libraries take typed settings; reading them from the INI
//! file happens here and in each daemon's `config.rs`, at the edge
//! ([`store_settings`] for the `[store]` / `[mysql]` sections).
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `run.rs` | [`run`]: flags, logging, config, start, wait for a signal, stop |
//! | `error.rs` | [`StartError`]: why a daemon could not start |
//! | `connection_metrics.rs` | [`connection_metrics`]: refused and timed-out connections |
//! | `metrics_listen.rs` | [`metrics_listen`]: the `[metrics] listen` key |
//! | `store_settings.rs` | [`store_settings`]: `[store]` / `[mysql]` → [`lars_store::StoreSettings`] |
#![warn(missing_docs)]

mod connection_metrics;
mod error;
mod metrics_listen;
mod run;
mod store_settings;

pub use connection_metrics::connection_metrics;
pub use error::StartError;
pub use metrics_listen::{metrics_listen, METRICS_SECTION};
pub use run::{init_logging, run, wait_for_stop_signal, Daemon};
pub use store_settings::{store_settings, store_settings_with_env, MYSQL_SECTION, STORE_SECTION};
