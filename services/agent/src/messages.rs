//! What the agent's threads tell each other through their queues.

use crossbeam_channel::Sender;
use lars_proto::{ModuleId, Route};

use crate::lb::ModuleReport;
use crate::modules_view::ModuleView;

/// To a table (UDP) thread.
#[derive(Debug, Clone)]
pub enum ToTable {
    /// A route from DNS (an answer or a push) for a module of this table.
    Route {
        /// The module.
        module: ModuleId,
        /// Its hosts with their weights, and its policy.
        route: Route,
        /// The DNS route version it came with, if the DNS service sent one.
        version: Option<u64>,
    },
    /// The DNS connection was (re)established: every module is pulled
    /// again at once ([`RouteTable::on_dns_reconnect`](crate::lb::RouteTable::on_dns_reconnect)).
    DnsReconnected,
    /// Send a view of every module of the table here (`/modules`).
    View(Sender<Vec<ModuleView>>),
    /// A client rang the parked shared-memory segment: drain on the timer
    /// again (docs/SHM.md §4).
    ShmWake,
}

/// To the DNS link thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToDns {
    /// Send a route request for this module.
    Pull(ModuleId),
}

/// To the reporter link thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToReporter {
    /// A module's statistics, to send (or hold while the reporter is away).
    Statistics(ModuleReport),
    /// The reporter connection was (re)established: send what is held.
    Connected,
}
