//! The per-module statistics the agent hands to the reporter
//! (docs/LOAD_BALANCING.md §7).
//!
//! These are plain values taken out of a [`ModuleLb`](super::ModuleLb) by
//! [`take_report`](super::ModuleLb::take_report); the I/O shell turns them
//! into a `ReportStatusRequest`, adding the caller's own IPv4 number.

use lars_proto::{HostAddr, ModuleId};

/// One host's line of a [`ModuleReport`]: a `HostCallResult` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostReport {
    /// The host.
    pub host: HostAddr,
    /// Successes in the host's current window (`rsucc`).
    pub succ: u32,
    /// Errors in the host's current window (`rerr`).
    pub err: u32,
    /// Whether the host is overloaded.
    pub overload: bool,
}

/// The statistics of every host of one module at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleReport {
    /// The module.
    pub module: ModuleId,
    /// When the report was taken (Unix seconds, as the shell gave it): the
    /// request's `ts`.
    pub ts: u32,
    /// One entry per host: idle hosts first, then overloaded ones, each in
    /// list order.
    pub hosts: Vec<HostReport>,
}
