//! The load-balancing core of the agent (docs/LOAD_BALANCING.md) as pure
//! code.
//!
//! Nothing in this module opens a socket, reads the clock or logs: every
//! method that depends on time takes `now` (seconds) as an argument, and
//! every effect the I/O shell must carry out (send a route request to the
//! DNS service, send statistics to the reporter) is handed back as a value.
//! The shell owns one [`RouteTable`] per UDP loop thread and drives it,
//! converting wire integers to [`ModuleId`](lars_proto::ModuleId),
//! [`HostAddr`](lars_proto::HostAddr) and [`CallOutcome`] on the way in.
//!
//! # Layout
//!
//! * [`config`] — [`LbConfig`], the `[loadbalance]` tunables and their checks.
//! * [`admission`] — [`Admission`]: how many modules a table may create.
//! * [`change`] — [`ChangeReason`], [`Reported`]: why a host changed state.
//! * [`host`] — [`HostStats`], one host's counters and its idle/overload
//!   resets.
//! * [`module`] — [`ModuleLb`], one module's hosts, idle and overload lists,
//!   the report rules and route updates.
//! * [`select`] — the pick: probes, overload, panic mode, around a policy.
//! * [`pick`] — the policies' choices: smooth weighted round robin, power
//!   of two choices; the seeded random source.
//! * [`ring`] — [`HashRing`], the consistent-hash ring of the `hash` policy.
//! * [`latency`] — [`PeakEwma`], a host's latency estimate (`ewma`).
//! * [`report`] — [`ModuleReport`] / [`HostReport`], the statistics handed to
//!   the reporter.
//! * [`update`] — routes from DNS applied to a module ([`RouteUpdate`]).
//! * [`table`] — [`RouteTable`], all modules of one agent thread with their
//!   tunables, and the pull queue.
//!
//! # Example
//!
//! ```
//! use lars_agent::lb::{CallOutcome, LbConfig, Pick, RouteTable};
//! use lars_proto::{HostAddr, ModuleId, RouteHost, RoutePolicy};
//!
//! let mut table = RouteTable::new(LbConfig::default());
//! let module = ModuleId::new(1, 1);
//! // First request for a module: unknown, so it is pulled from DNS.
//! assert_eq!(table.get_host(module, None, 100), Pick::NoExist);
//! assert_eq!(table.take_pull_requests(), vec![module]);
//! // The DNS answer arrives; now hosts are picked round-robin.
//! let host: HostAddr = "127.0.0.1:9000".parse().unwrap();
//! table.apply_route(module, &[RouteHost::new(host)], RoutePolicy::default(), 100);
//! assert_eq!(table.get_host(module, None, 101), Pick::Host(host));
//! assert!(table.report(module, host, CallOutcome::Success, None, 101).known());
//! ```

pub mod admission;
pub mod change;
pub mod config;
pub mod host;
pub mod latency;
pub mod module;
pub mod pick;
pub mod pick_set;
pub mod report;
pub mod ring;
pub mod select;
pub mod table;
pub mod update;

#[cfg(test)]
mod tests;

pub use admission::{Admission, Refusals};
pub use change::{ChangeReason, Reported, StateChange};
pub use config::{LbConfig, LbConfigError};
pub use host::HostStats;
pub use latency::{Latency, PeakEwma};
pub use module::{ModuleLb, RouteStatus};
pub use pick::XorShift64;
pub use pick_set::{wrr_cycle, PickSet, PickSetLimits, PickSetMode};
pub use report::{HostReport, ModuleReport};
pub use ring::{key_position, mix64, HashRing};
pub use select::Pick;
pub use table::{RouteApply, RouteTable};
pub use update::RouteUpdate;

/// How a reported call went: what the agent's rules distinguish. On the
/// wire a report carries a return code; `RET_SUCC` (0) is a success and
/// every other value a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallOutcome {
    /// The call succeeded.
    Success,
    /// The call failed (overload, error, timeout...).
    Failure,
}

impl CallOutcome {
    /// The outcome a report's wire return code stands for.
    ///
    /// ```
    /// use lars_agent::lb::CallOutcome;
    /// assert_eq!(CallOutcome::of_retcode(0), CallOutcome::Success);
    /// assert_eq!(CallOutcome::of_retcode(1), CallOutcome::Failure);
    /// assert_eq!(CallOutcome::of_retcode(-7), CallOutcome::Failure);
    /// ```
    pub fn of_retcode(retcode: i32) -> CallOutcome {
        if retcode == lars_proto::RetCode::Succ.to_wire() {
            CallOutcome::Success
        } else {
            CallOutcome::Failure
        }
    }
}
