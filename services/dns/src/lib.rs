//! # lars-dns
//!
//! The DNS service: maps a module (modid, cmdid) to its hosts, keeps every
//! route in memory, reloads when the store's route version changes, and
//! pushes changed routes to the connections that asked for them.
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `config.rs` | [`DnsConfig`] from `conf/lars_dns.conf` |
//! | `snapshot.rs` | the immutable route snapshot, its atomic swap, route diffing |
//! | `schedule.rs` | when to reload (pure) |
//! | `oversize.rs` | routes too large for a frame kept out of snapshots |
//! | `subscriptions.rs` | module → subscribed connections |
//! | `state.rs` | what workers and refresher share |
//! | `handlers.rs` | `ID_GetRouteRequest` and the connection hooks |
//! | `refresher.rs` | the polling thread: reload, swap, push |
//! | `metrics.rs` | counters, scrape-time gauges, `/healthz` |
//! | `service.rs` | [`DnsService`]: start and stop |
//! | `bin/lars-dns.rs` | the daemon: one [`lars_daemon::run`] call |
#![warn(missing_docs)]

mod config;
mod handlers;
mod metrics;
mod oversize;
mod refresher;
mod schedule;
mod service;
mod snapshot;
mod state;
mod subscriptions;

pub use config::{DnsConfig, KNOWN_KEYS};
pub use oversize::{keep_deliverable, Oversized};
pub use schedule::{Refresh, RefreshSchedule};
pub use service::DnsService;
pub use snapshot::{diff_routes, route_response, RouteSnapshot, SharedSnapshot};
pub use subscriptions::Subscriptions;
