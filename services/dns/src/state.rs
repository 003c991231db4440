//! State shared by the worker threads and the refresher.

use lars_reactor::ConnHandle;
use parking_lot::Mutex;

use crate::metrics::DnsMetrics;
use crate::snapshot::SharedSnapshot;
use crate::subscriptions::Subscriptions;

/// The routes being served and who subscribed to what.
#[derive(Debug, Default)]
pub struct DnsState {
    /// The current route snapshot.
    pub snapshot: SharedSnapshot,
    /// Module → subscribed connections.
    pub subscriptions: Mutex<Subscriptions<ConnHandle>>,
    /// Modules one connection may subscribe to.
    pub max_subscriptions_per_conn: usize,
    /// The service's counters.
    pub metrics: DnsMetrics,
}
