//! The per-module statistics the agent hands to the reporter (SPEC §7.6).
//!
//! These are plain values taken out of a [`ModuleLb`](super::ModuleLb) by
//! [`take_report`](super::ModuleLb::take_report); the I/O shell turns them
//! into a `ReportStatusRequest`, adding the caller's own IPv4 number.

/// One host's line of a [`ModuleReport`]: a `HostCallResult` on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostReport {
    /// IPv4 address as the host-order number (SPEC §3.5).
    pub ip: u32,
    /// Port.
    pub port: u16,
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
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// When the report was taken (seconds): the request's `ts`.
    pub ts: u64,
    /// One entry per host: idle hosts first, then overloaded ones, each in
    /// list order.
    pub hosts: Vec<HostReport>,
}
