//! What the agent's threads tell each other through their queues.

use crate::lb::ModuleReport;
use lars_reactor::ThreadQueue;

/// To a table (UDP) thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToTable {
    /// A route from DNS (an answer or a push) for a module of this table.
    Route {
        /// Module modid.
        modid: i32,
        /// Module cmdid.
        cmdid: i32,
        /// Hosts as (ip number, port).
        hosts: Vec<(u32, u16)>,
    },
    /// The DNS connection was (re)established: every module is pulled
    /// again at once ([`RouteTable::on_dns_reconnect`](crate::lb::RouteTable::on_dns_reconnect)).
    DnsReconnected,
}

/// To the DNS link thread.
pub enum ToDns {
    /// Send a GetRouteRequest for (modid, cmdid).
    Pull(i32, i32),
    /// The table threads' queues, indexed by table number.
    AttachTables(Vec<ThreadQueue<ToTable>>),
}

/// To the reporter link thread.
pub type ToReporter = ModuleReport;
