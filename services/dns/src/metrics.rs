//! The DNS service's numbers: counters the handlers and the refresher
//! bump, and [`DnsCollector`], which adds the gauges read at scrape time
//! (the snapshot's size and version, subscriptions, connections).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

use lars_metrics::{
    AtomicHistogram, Collector, DescriptorEncoder, Health, Scrape, OPERATION_BUCKETS,
};
use lars_reactor::OpenConnections;

use crate::state::DnsState;

/// Counters of one DNS service.
#[derive(Debug)]
pub struct DnsMetrics {
    /// `GetRouteRequest`s answered.
    pub get_route_requests: AtomicU64,
    /// Routes pushed to subscribers.
    pub pushes_sent: AtomicU64,
    /// Snapshots loaded from the store (version changes and periodic).
    pub reloads: AtomicU64,
    /// Polls or reloads that failed because of the store.
    pub reload_failures: AtomicU64,
    /// How long each reload took (load, diff, swap, push).
    pub reload_duration: AtomicHistogram,
    /// Whether the last store call succeeded.
    pub store_up: AtomicBool,
}

impl Default for DnsMetrics {
    fn default() -> Self {
        DnsMetrics {
            get_route_requests: AtomicU64::new(0),
            pushes_sent: AtomicU64::new(0),
            reloads: AtomicU64::new(0),
            reload_failures: AtomicU64::new(0),
            reload_duration: AtomicHistogram::new(OPERATION_BUCKETS),
            store_up: AtomicBool::new(true),
        }
    }
}

/// Writes a DNS service's metrics on each scrape.
#[derive(Debug)]
pub struct DnsCollector {
    /// The service's shared state (snapshot, subscriptions, counters).
    pub state: Arc<DnsState>,
    /// The server's open connections.
    pub connections: OpenConnections,
}

impl Collector for DnsCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let m = &self.state.metrics;
        let snapshot = self.state.snapshot.load();
        let hosts: usize = snapshot.routes.values().map(|r| r.hosts.len()).sum();
        let subscriptions = self.state.subscriptions.lock().len();
        let mut out = Scrape::new(&mut encoder);
        out.gauge(
            "lars_dns_modules",
            "Modules with a route being served.",
            snapshot.routes.len() as f64,
        )?;
        out.gauge(
            "lars_dns_routes",
            "Route entries (module, host) being served.",
            hosts as f64,
        )?;
        out.gauge(
            "lars_dns_route_version",
            "The route version being served.",
            snapshot.version as f64,
        )?;
        out.gauge(
            "lars_dns_subscriptions",
            "(module, connection) subscriptions.",
            subscriptions as f64,
        )?;
        out.gauge(
            "lars_dns_connections",
            "Open client connections.",
            self.connections.get() as f64,
        )?;
        lars_daemon::connection_metrics(&mut out, "lars_dns", &self.connections)?;
        out.counter(
            "lars_dns_get_route_requests",
            "GetRouteRequests answered.",
            m.get_route_requests.load(Relaxed),
        )?;
        out.counter(
            "lars_dns_pushes",
            "Routes pushed to subscribed connections.",
            m.pushes_sent.load(Relaxed),
        )?;
        out.counter(
            "lars_dns_reloads",
            "Snapshots loaded from the store.",
            m.reloads.load(Relaxed),
        )?;
        out.counter(
            "lars_dns_reload_failures",
            "Polls or reloads that failed because of the store.",
            m.reload_failures.load(Relaxed),
        )?;
        let up = if m.store_up.load(Relaxed) { 1.0 } else { 0.0 };
        out.gauge("lars_dns_store_up", "1 while the route store answers.", up)?;
        out.histograms(
            "lars_dns_reload_duration_seconds",
            "Time to load a snapshot, diff it, swap it in and push the changes.",
            &[(&[], &m.reload_duration.snapshot())],
        )
    }
}

/// Unhealthy only when the store is unreachable and no routes are loaded:
/// with either, the service answers agents.
pub fn health(state: &DnsState) -> Health {
    if state.metrics.store_up.load(Relaxed) || !state.snapshot.load().routes.is_empty() {
        Health::Ok
    } else {
        Health::Unhealthy("no store reachable and no routes loaded".to_string())
    }
}
