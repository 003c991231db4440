//! The load-balancing core of the agent (SPEC §7.2–7.7) as pure code.
//!
//! Nothing in this module opens a socket, reads the clock or logs: every
//! method that depends on time takes `now` (seconds) as an argument, and
//! every effect the I/O shell must carry out (send a route request to the
//! DNS service, send statistics to the reporter) is handed back as a value.
//! The shell owns one [`RouteTable`] per UDP loop thread and drives it.
//!
//! # Layout
//!
//! * [`config`] — [`LbConfig`], the `[loadbalance]` tunables and their checks.
//! * [`host`] — [`HostStats`], one host's counters and its idle/overload
//!   resets.
//! * [`module`] — [`ModuleLb`], one module's hosts, idle and overload lists,
//!   the pick (§7.3), the report rules (§7.4) and route updates (§7.5).
//! * [`report`] — [`ModuleReport`] / [`HostReport`], the statistics handed to
//!   the reporter (§7.6).
//! * [`table`] — [`RouteTable`], all modules of one agent thread, keyed by
//!   module, with the return codes of SPEC §3.3 and the pull queue.
//!
//! # Example
//!
//! ```
//! use lars_agent::lb::{LbConfig, RouteTable, RET_NOEXIST, RET_SUCC};
//!
//! let cfg = LbConfig::default();
//! let mut table = RouteTable::new();
//! // First request for a module: unknown, so it is pulled from DNS.
//! assert_eq!(table.get_host(1, 1, 100, &cfg), (RET_NOEXIST, None));
//! assert_eq!(table.take_pull_requests(), vec![(1, 1)]);
//! // The DNS answer arrives; now hosts are picked round-robin.
//! table.apply_route(1, 1, &[(0x7f00_0001, 9000)], 100, &cfg);
//! assert_eq!(table.get_host(1, 1, 101, &cfg), (RET_SUCC, Some((0x7f00_0001, 9000))));
//! table.report(1, 1, 0x7f00_0001, 9000, RET_SUCC, 101, &cfg);
//! ```

pub mod config;
pub mod host;
pub mod module;
pub mod report;
pub mod table;

#[cfg(test)]
mod tests;

pub use config::LbConfig;
pub use host::HostStats;
pub use module::{ModuleLb, Pick, RouteStatus, RouteUpdate};
pub use report::{HostReport, ModuleReport};
pub use table::{
    table_index, RouteApply, RouteTable, RET_NOEXIST, RET_OVERLOAD, RET_SUCC, RET_SYSTEM_ERROR,
    TABLES,
};

/// Host and module keys (SPEC §3.5), shared with the rest of the system.
pub use lars_proto::addr::{host_key, module_key, split_host_key as host_addr};
