//! Starting and stopping the agent: the tables' queues first (detached),
//! then the reporter and DNS links, then the three table threads, which
//! serve as soon as they have bound their ports.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use lars_daemon::{Daemon, StartError};
use lars_metrics::MetricsServer;
use lars_proto::AGENT_PORTS;
use lars_reactor::{ClientConfig, ThreadQueue};

use crate::caller::local_ipv4;
use crate::clock::{Clock, SystemClock};
use crate::config::AgentConfig;
use crate::dns_link::{self, DnsLink};
use crate::http::{self, ModulesSource};
use crate::metrics::AgentMetrics;
use crate::reporter_link::{self, ReporterLink};
use crate::snapshot_io::SnapshotWriter;
use crate::table_thread::{Links, SnapshotSink, TableThread};

/// A running agent. Dropping it stops every thread.
pub struct Agent {
    // Field order: the HTTP endpoint, then the UDP servers stop before the
    // links.
    http: Option<MetricsServer>,
    tables: Vec<TableThread>,
    /// Writes the tables' route snapshots; after the tables, so the last
    /// ones are written.
    _snapshots: Option<SnapshotWriter>,
    _dns: DnsLink,
    _reporter: ReporterLink,
}

impl Agent {
    /// Starts the agent on the system clocks; fails (naming the address)
    /// if a UDP port cannot be bound.
    pub fn start(config: AgentConfig) -> Result<Agent, StartError> {
        Agent::start_with_clock(config, Arc::new(SystemClock::default()))
    }

    /// Starts the agent reading time from `clock` (tests pass a
    /// [`ManualClock`](crate::ManualClock)).
    pub fn start_with_clock(
        config: AgentConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Agent, StartError> {
        let started = Instant::now();
        let caller = config.caller_ip.unwrap_or_else(local_ipv4);
        let metrics = Arc::new(AgentMetrics::default());
        let (table_queues, receivers): (Vec<_>, Vec<_>) =
            (0..AGENT_PORTS).map(|_| ThreadQueue::detached()).unzip();
        let mut to_reporter = ClientConfig::new("reporter link", vec![config.reporter]);
        to_reporter.keepalive = config
            .keepalive
            .map(|every| reporter_link::keepalive(every, caller));
        let reporter = ReporterLink::start(to_reporter, caller, metrics.clone())
            .map_err(|e| StartError::io("start the reporter link", e))?;
        let mut to_dns = ClientConfig::new("dns link", config.dns_servers.clone());
        to_dns.keepalive = config.keepalive.map(dns_link::keepalive);
        let dns = DnsLink::start(to_dns, table_queues.clone(), metrics.clone())
            .map_err(|e| StartError::io("start the DNS link", e))?;
        let snapshots = match &config.snapshot_dir {
            None => None,
            Some(_) => Some(
                SnapshotWriter::start()
                    .map_err(|e| StartError::io("start the route snapshot writer", e))?,
            ),
        };
        let links = Links {
            dns: dns.queue(),
            reporter: reporter.queue(),
            metrics: metrics.clone(),
            snapshots: config
                .snapshot_dir
                .clone()
                .zip(snapshots.as_ref().and_then(SnapshotWriter::sender))
                .map(|(dir, writer)| SnapshotSink { dir, writer }),
            tables: table_queues.clone(),
        };
        let tables = receivers
            .into_iter()
            .enumerate()
            .map(|(i, routes)| {
                TableThread::start(i, &config, clock.clone(), links.clone(), routes)
                    .map_err(|e| StartError::io(format!("start agent table {i}"), e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        log::info!(
            "agent serving UDP on {} (caller {caller}, DNS {:?}, reporter {})",
            tables
                .iter()
                .map(|t| t.addr().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            config.dns_servers,
            config.reporter
        );
        let http = match config.metrics_listen {
            None => None,
            Some(listen) => {
                let source = ModulesSource {
                    tables: table_queues,
                    base_port: config.base_port,
                    started,
                };
                let server = http::start(listen, metrics, source)
                    .map_err(|e| StartError::io(format!("[metrics] listen {listen}"), e))?;
                Some(server)
            }
        };
        Ok(Agent {
            http,
            tables,
            _snapshots: snapshots,
            _dns: dns,
            _reporter: reporter,
        })
    }

    /// Where the HTTP endpoint listens, if `[metrics] listen` is set.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().map(MetricsServer::local_addr)
    }

    /// The UDP addresses of the tables, in table order.
    pub fn udp_addrs(&self) -> Vec<SocketAddr> {
        self.tables.iter().map(TableThread::addr).collect()
    }

    /// Hands the statistics gathered so far to the reporter link now,
    /// without waiting for the report interval (each module at most once,
    /// as at an interval's end).
    pub fn send_reports(&self) -> std::io::Result<()> {
        self.tables.iter().try_for_each(TableThread::send_reports)
    }

    /// Stops every thread.
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for Agent {
    /// Saves the routes that changed since the last save, before the
    /// threads stop.
    fn drop(&mut self) {
        for table in &self.tables {
            if let Err(e) = table.close_shm() {
                log::warn!("shared-memory segment not closed at stop: {e}");
            }
            if let Err(e) = table.save_snapshot() {
                log::warn!("route snapshot not saved at stop: {e}");
            }
        }
    }
}

impl Daemon for Agent {
    fn stop(self) {
        Agent::stop(self);
    }
}
