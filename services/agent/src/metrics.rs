//! The agent's counters and gauges: one [`TableMetrics`] per table thread
//! (each written only by its thread, so the request path pays a few
//! uncontended relaxed atomic adds), one set per link thread, summed and
//! written out by [`AgentCollector`] when `/metrics` is scraped.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

use lars_metrics::{AtomicHistogram, Collector, DescriptorEncoder, Scrape, REQUEST_BUCKETS};

use crate::lb::{ChangeReason, RouteTable};
use crate::shm::ShmCounts;

/// The request types, as the `type` label says them.
pub const REQUEST_TYPES: [&str; 3] = ["get_host", "report", "get_route"];
/// The return codes, as the `code` label says them; a report's code that
/// is none of the four is `other`.
pub const CODES: [&str; 5] = [
    "RET_SUCC",
    "RET_OVERLOAD",
    "RET_SYSTEM_ERROR",
    "RET_NOEXIST",
    "other",
];

/// One table thread's numbers. Aligned so two tables never share a cache
/// line.
#[derive(Debug)]
#[repr(align(128))]
pub struct TableMetrics {
    requests: [[AtomicU64; 5]; 3],
    handling: AtomicHistogram,
    probes: AtomicU64,
    panic_picks: AtomicU64,
    transitions: [AtomicU64; 6],
    refused_full: AtomicU64,
    refused_rate: AtomicU64,
    modules: AtomicU64,
    routed_modules: AtomicU64,
    idle_hosts: AtomicU64,
    overloaded_hosts: AtomicU64,
    shm_reports: AtomicU64,
    shm_rejected: AtomicU64,
    shm_clients: AtomicU64,
    shm_picks: AtomicU64,
}

impl Default for TableMetrics {
    fn default() -> Self {
        TableMetrics {
            requests: Default::default(),
            handling: AtomicHistogram::new(REQUEST_BUCKETS),
            probes: AtomicU64::new(0),
            panic_picks: AtomicU64::new(0),
            transitions: Default::default(),
            refused_full: AtomicU64::new(0),
            refused_rate: AtomicU64::new(0),
            modules: AtomicU64::new(0),
            routed_modules: AtomicU64::new(0),
            idle_hosts: AtomicU64::new(0),
            overloaded_hosts: AtomicU64::new(0),
            shm_reports: AtomicU64::new(0),
            shm_rejected: AtomicU64::new(0),
            shm_clients: AtomicU64::new(0),
            shm_picks: AtomicU64::new(0),
        }
    }
}

impl TableMetrics {
    /// Counts one request of type `kind` (an index of [`REQUEST_TYPES`])
    /// answered with wire code `code`, handled in `elapsed`.
    pub fn request(&self, kind: usize, code: i32, elapsed: Duration) {
        let code = usize::try_from(code).ok().filter(|&c| c < 4).unwrap_or(4);
        self.requests[kind][code].fetch_add(1, Relaxed);
        self.handling.observe(elapsed);
    }

    /// Copies the table's running totals (probes, panic picks, state
    /// changes, refused modules, module counts): a few stores, after each
    /// request and each batch of routes.
    pub fn publish_counts(&self, table: &RouteTable) {
        self.probes.store(table.probes(), Relaxed);
        self.panic_picks.store(table.panic_picks(), Relaxed);
        for (slot, n) in self.transitions.iter().zip(table.transitions()) {
            slot.store(n, Relaxed);
        }
        let refused = table.refused_total();
        self.refused_full.store(refused.full, Relaxed);
        self.refused_rate.store(refused.rate, Relaxed);
        self.modules.store(table.len() as u64, Relaxed);
        self.routed_modules.store(table.routed() as u64, Relaxed);
    }

    /// Copies the table's hosts by state (a walk of the table, once per
    /// report interval).
    pub fn publish_sizes(&self, table: &RouteTable) {
        self.publish_counts(table);
        let (mut idle, mut overloaded) = (0, 0);
        for module in table.modules() {
            idle += module.idle_hosts().count() as u64;
            overloaded += module.overloaded_hosts().count() as u64;
        }
        self.idle_hosts.store(idle, Relaxed);
        self.overloaded_hosts.store(overloaded, Relaxed);
    }

    /// Copies the same-host fast path's counts (docs/SHM.md) and the
    /// clients attached now.
    pub fn publish_shm(&self, counts: ShmCounts, clients: usize) {
        self.shm_reports.store(counts.reports, Relaxed);
        self.shm_rejected.store(counts.rejected, Relaxed);
        self.shm_clients.store(clients as u64, Relaxed);
        self.shm_picks.store(counts.picks, Relaxed);
    }

    /// Modules held with at least one host, as last published.
    pub fn routed_modules(&self) -> u64 {
        self.routed_modules.load(Relaxed)
    }
}

/// The DNS link's numbers.
#[derive(Debug, Default)]
pub struct DnsLinkMetrics {
    /// Whether the link is connected.
    pub connected: AtomicBool,
    /// Connections made (the first included).
    pub connects: AtomicU64,
    /// Route requests sent.
    pub pulls_sent: AtomicU64,
    /// Routes received (answers and pushes).
    pub routes_received: AtomicU64,
}

/// The reporter link's numbers.
#[derive(Debug, Default)]
pub struct ReporterLinkMetrics {
    /// Whether the link is connected.
    pub connected: AtomicBool,
    /// Statistics messages sent.
    pub sent: AtomicU64,
    /// Statistics replaced by newer ones of the same module while the
    /// reporter was away.
    pub dropped: AtomicU64,
    /// Modules whose statistics are held, waiting for the reporter.
    pub held: AtomicU64,
}

/// Every number of one agent.
#[derive(Debug, Default)]
pub struct AgentMetrics {
    /// Per table thread, in table order.
    pub tables: [TableMetrics; 3],
    /// The DNS link.
    pub dns: DnsLinkMetrics,
    /// The reporter link.
    pub reporter: ReporterLinkMetrics,
}

impl AgentMetrics {
    /// One counter of every table, summed.
    fn sum(&self, counter: fn(&TableMetrics) -> &AtomicU64) -> u64 {
        self.tables.iter().map(|t| counter(t).load(Relaxed)).sum()
    }

    /// Modules with at least one host, in all tables, as last published.
    pub fn routed_modules(&self) -> u64 {
        self.tables.iter().map(TableMetrics::routed_modules).sum()
    }
}

/// Writes an agent's metrics on each scrape.
#[derive(Debug)]
pub struct AgentCollector(pub Arc<AgentMetrics>);

impl Collector for AgentCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let m = &self.0;
        let mut out = Scrape::new(&mut encoder);
        let mut requests = Vec::new();
        for (kind, name) in REQUEST_TYPES.iter().enumerate() {
            for (code, code_name) in CODES.iter().enumerate() {
                let n: u64 = m
                    .tables
                    .iter()
                    .map(|t| t.requests[kind][code].load(Relaxed))
                    .sum();
                if n > 0 || code == 0 {
                    requests.push(([("type", *name), ("code", *code_name)], n));
                }
            }
        }
        let samples: Vec<_> = requests.iter().map(|(l, n)| (&l[..], *n)).collect();
        out.counters(
            "lars_agent_requests",
            "UDP requests answered, by type and return code.",
            &samples,
        )?;
        let sum = |f| m.sum(f);
        out.counter(
            "lars_agent_probes",
            "Picks that probed an overloaded host.",
            sum(|t| &t.probes),
        )?;
        out.counter(
            "lars_agent_panic_picks",
            "Picks made in panic mode.",
            sum(|t| &t.panic_picks),
        )?;
        out.counters(
            "lars_agent_refused_modules",
            "Requests for new modules refused: a table was full ([agent] max_modules), \
             or had created [agent] new_modules_per_sec modules that second.",
            &[
                (&[("reason", "full")], sum(|t| &t.refused_full)),
                (&[("reason", "rate")], sum(|t| &t.refused_rate)),
            ],
        )?;
        let transitions: Vec<(ChangeReason, u64)> = ChangeReason::ALL
            .iter()
            .map(|r| {
                (
                    *r,
                    m.tables
                        .iter()
                        .map(|t| t.transitions[r.index()].load(Relaxed))
                        .sum(),
                )
            })
            .collect();
        let labels: Vec<[(&str, &str); 2]> = transitions
            .iter()
            .map(|(r, _)| [("to", r.to_state()), ("reason", r.name())])
            .collect();
        let samples: Vec<_> = labels
            .iter()
            .zip(&transitions)
            .map(|(l, (_, n))| (&l[..], *n))
            .collect();
        out.counters(
            "lars_agent_host_transitions",
            "Hosts moved between idle and overload, by reason.",
            &samples,
        )?;
        sizes(&mut out, m)?;
        links(&mut out, m)?;
        fast_path(&mut out, m)?;
        let mut handling = m.tables[0].handling.snapshot();
        for t in &m.tables[1..] {
            handling.merge(&t.handling.snapshot());
        }
        out.histograms(
            "lars_agent_request_duration_seconds",
            "Time a table thread spent handling one UDP request.",
            &[(&[], &handling)],
        )
    }
}

/// Modules and hosts by state, per table.
fn sizes(out: &mut Scrape, m: &AgentMetrics) -> fmt::Result {
    let names = ["0", "1", "2"];
    let modules: Vec<_> = names
        .iter()
        .zip(&m.tables)
        .map(|(n, t)| ([("table", *n)], t.modules.load(Relaxed) as f64))
        .collect();
    let samples: Vec<_> = modules.iter().map(|(l, v)| (&l[..], *v)).collect();
    out.gauges("lars_agent_modules", "Modules held, per table.", &samples)?;
    let mut hosts = Vec::new();
    for (n, t) in names.iter().zip(&m.tables) {
        hosts.push((
            [("table", *n), ("state", "idle")],
            t.idle_hosts.load(Relaxed) as f64,
        ));
        hosts.push((
            [("table", *n), ("state", "overload")],
            t.overloaded_hosts.load(Relaxed) as f64,
        ));
    }
    let samples: Vec<_> = hosts.iter().map(|(l, v)| (&l[..], *v)).collect();
    out.gauges(
        "lars_agent_hosts",
        "Hosts held, per table and state.",
        &samples,
    )
}

/// The DNS and reporter links.
fn links(out: &mut Scrape, m: &AgentMetrics) -> fmt::Result {
    let flag = |b: &AtomicBool| if b.load(Relaxed) { 1.0 } else { 0.0 };
    out.gauge(
        "lars_agent_dns_connected",
        "1 while the DNS link is connected.",
        flag(&m.dns.connected),
    )?;
    out.counter(
        "lars_agent_dns_connects",
        "Connections made to a DNS service.",
        m.dns.connects.load(Relaxed),
    )?;
    out.counter(
        "lars_agent_dns_pulls",
        "Route requests sent to DNS.",
        m.dns.pulls_sent.load(Relaxed),
    )?;
    out.counter(
        "lars_agent_dns_routes_received",
        "Routes received from DNS (answers and pushes).",
        m.dns.routes_received.load(Relaxed),
    )?;
    out.gauge(
        "lars_agent_reporter_connected",
        "1 while the reporter link is connected.",
        flag(&m.reporter.connected),
    )?;
    out.counter(
        "lars_agent_reports_sent",
        "Statistics messages sent to the reporter.",
        m.reporter.sent.load(Relaxed),
    )?;
    out.counter(
        "lars_agent_reports_dropped",
        "Statistics replaced by newer ones of the same module while the reporter was away.",
        m.reporter.dropped.load(Relaxed),
    )?;
    out.gauge(
        "lars_agent_reports_held",
        "Modules whose statistics wait for the reporter.",
        m.reporter.held.load(Relaxed) as f64,
    )
}

/// The same-host fast path (docs/SHM.md), summed over the tables.
fn fast_path(out: &mut Scrape, m: &AgentMetrics) -> fmt::Result {
    let sum = |f| m.sum(f);
    out.counter(
        "lars_agent_shm_picks",
        "get_host answered from shared memory by the clients (counted once a second).",
        sum(|t| &t.shm_picks),
    )?;
    out.counter(
        "lars_agent_shm_reports",
        "Reports read from shared-memory rings and applied.",
        sum(|t| &t.shm_reports),
    )?;
    out.counter(
        "lars_agent_shm_rejected",
        "Reports in shared-memory rings refused: unknown module or host, or a broken ring.",
        sum(|t| &t.shm_rejected),
    )?;
    out.gauge(
        "lars_agent_shm_clients",
        "Clients attached to the shared-memory segments.",
        sum(|t| &t.shm_clients) as f64,
    )
}
