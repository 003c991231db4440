//! Starting and stopping the report service: one queue, drainer, coalescer
//! and writer per `db_thread_cnt`, then the TCP server whose handlers feed
//! the queues.
//!
//! The store is tried once at start, so the schema exists before the
//! writers open their own handles. If it cannot be reached (refused, timed
//! out) the service starts anyway and the writers keep trying; if it can
//! never work as configured (an unwritable SQLite path, access denied, an
//! unknown database) the service does not start. Stopping closes the
//! server first (no new reports), lets the drainers empty the queues, and
//! lets the writers flush what is pending until `shutdown_timeout` after
//! the stop began. A writer still blocked in a store call then (a server
//! that stopped answering) is left behind: its keys are counted as not
//! stored and the stop returns.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use lars_daemon::{Daemon, StartError};
use lars_metrics::MetricsServer;
use lars_reactor::TcpServer;
use lars_store::open_status_store;

use crate::config::ReporterConfig;
use crate::handlers::make_handlers;
use crate::ingest::{Batch, Ingest};
use crate::metrics::{health, ReporterCollector};
use crate::room::Room;
use crate::shard::{spawn_drainer, Shard};
use crate::stats::{ReporterStats, Stats};
use crate::writer::{StoreOpener, Writer, WriterSettings};

/// A running report service. Dropping it stops it like [`stop`](Self::stop).
pub struct ReporterService {
    http: Option<MetricsServer>,
    server: Option<TcpServer>,
    local_addr: SocketAddr,
    shards: Vec<Arc<Shard>>,
    /// Receiving ends kept only to read queue lengths.
    queues: Vec<Receiver<Batch>>,
    /// The drainer threads.
    threads: Vec<JoinHandle<()>>,
    /// The writer threads, one per shard, in shard order.
    writers: Vec<JoinHandle<()>>,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
    /// How long a stop may take.
    shutdown_timeout: Duration,
    /// The store, for log lines.
    store_name: String,
}

impl ReporterService {
    /// Starts the service on `config.store`. Fails if the store's error is
    /// permanent ([`StoreError::is_permanent`](lars_store::StoreError::is_permanent)),
    /// the port cannot be bound or a thread cannot be started; a store that
    /// is down is logged and retried. Safe from any thread.
    pub fn start(config: ReporterConfig) -> Result<ReporterService, StartError> {
        let store = config.store.clone();
        ReporterService::start_with(config, Arc::new(move || open_status_store(&store)))
    }

    /// Like [`start`](Self::start) with the store handles made by `open`
    /// (one per writer, called again after a failed open) instead of from
    /// `config.store`, which then only names the store in logs.
    pub fn start_with(
        config: ReporterConfig,
        open: StoreOpener,
    ) -> Result<ReporterService, StartError> {
        let mut first = match open() {
            Ok(store) => {
                log::info!("storing call statuses in {}", store.describe());
                Some(store)
            }
            Err(e) if e.is_permanent() => return Err(e.into()),
            Err(e) => {
                log::warn!(
                    "status store {}: {e}; accepting reports anyway and retrying",
                    config.store
                );
                None
            }
        };
        let settings = WriterSettings {
            flush_interval: config.flush_interval,
            batch_size: config.batch_size,
            retry_min: config.retry_min,
            retry_max: config.retry_max,
            shutdown_timeout: config.shutdown_timeout,
        };
        let stats = Arc::new(Stats::default());
        let mut service = ReporterService {
            http: None,
            server: None,
            local_addr: config.server.addr,
            shards: Vec::new(),
            queues: Vec::new(),
            threads: Vec::new(),
            writers: Vec::new(),
            stop: Arc::new(AtomicBool::new(false)),
            stats: stats.clone(),
            shutdown_timeout: config.shutdown_timeout,
            store_name: config.store.to_string(),
        };
        let mut senders = Vec::with_capacity(config.db_thread_cnt);
        let mut rooms = Vec::with_capacity(config.db_thread_cnt);
        for i in 0..config.db_thread_cnt {
            let (tx, rx) = crossbeam_channel::bounded(config.queue_capacity);
            let shard = Shard::new(config.max_pending_keys);
            let room = Arc::new(Room::new(config.queue_capacity));
            let drainer = spawn_drainer(
                i,
                rx.clone(),
                shard.clone(),
                room.clone(),
                stats.clone(),
                service.stop.clone(),
            )
            .map_err(|e| StartError::io(format!("start drainer thread {i}"), e))?;
            service.threads.push(drainer);
            let writer = Writer::spawn(
                i,
                shard.clone(),
                stats.clone(),
                open.clone(),
                first.take(),
                config.store.to_string(),
                settings,
            )
            .map_err(|e| StartError::io(format!("start writer thread {i}"), e))?;
            service.writers.push(writer);
            service.shards.push(shard);
            service.queues.push(rx);
            senders.push(tx);
            rooms.push(room);
        }
        let ingest = Arc::new(Ingest::new(senders, rooms, stats));
        let server = TcpServer::start(config.server.clone(), move || make_handlers(ingest.clone()))
            .map_err(|e| StartError::io(format!("listen on {}", config.server.addr), e))?;
        service.local_addr = server.local_addr();
        if let Some(listen) = config.metrics_listen {
            let collector = ReporterCollector {
                stats: service.stats.clone(),
                writers: service
                    .shards
                    .iter()
                    .cloned()
                    .zip(service.queues.iter().cloned())
                    .collect(),
                connections: server.open_connections(),
            };
            let (health_stats, after) = (service.stats.clone(), config.unhealthy_after);
            let http = MetricsServer::start(
                "lars-reporter",
                listen,
                collector,
                move || health(&health_stats, after),
                None,
            )
            .map_err(|e| StartError::io(format!("[metrics] listen {listen}"), e))?;
            service.http = Some(http);
        }
        service.server = Some(server);
        log::info!(
            "lars-reporter serving on {}: {} writers, flush every {:?} or at {} keys, queues of {} items",
            service.local_addr,
            config.db_thread_cnt,
            config.flush_interval,
            config.batch_size,
            config.queue_capacity
        );
        Ok(service)
    }

    /// Where the HTTP endpoint listens, if `[metrics] listen` is set.
    pub fn http_addr(&self) -> Option<SocketAddr> {
        self.http.as_ref().map(MetricsServer::local_addr)
    }

    /// The address the service listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.server.as_ref().map_or(0, TcpServer::connection_count)
    }

    /// The counters, plus the keys and queue items not yet stored. Safe
    /// from any thread.
    pub fn stats(&self) -> ReporterStats {
        let mut s = self.stats.snapshot();
        s.pending_keys = self.shards.iter().map(|sh| sh.unstored() as u64).sum();
        s.queued = self.queues.iter().map(|q| q.len() as u64).sum();
        s
    }

    /// Stops accepting, drains the queues, flushes what is pending and
    /// joins the threads, returning within `shutdown_timeout` (and a few
    /// milliseconds) even when the store does not answer; returns the
    /// final counters (`rows_lost` counts the keys not stored).
    pub fn stop(mut self) -> ReporterStats {
        self.shutdown();
        self.stats()
    }

    fn shutdown(&mut self) {
        let deadline = Instant::now() + self.shutdown_timeout;
        for shard in &self.shards {
            shard.stop_by(deadline);
        }
        if let Some(http) = self.http.take() {
            http.stop();
        }
        if let Some(server) = self.server.take() {
            server.stop();
        }
        self.stop.store(true, Ordering::SeqCst);
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        for (index, writer) in self.writers.drain(..).enumerate() {
            match self.shards[index].finished_by(deadline) {
                None => {
                    let _ = writer.join();
                }
                // Left running: the process may exit under it.
                Some(unstored) => {
                    self.stats.lost(unstored);
                    log::error!(
                        "writer {index}: status store {} did not answer within shutdown_timeout \
                         {:?}: {unstored} keys not stored",
                        self.store_name,
                        self.shutdown_timeout
                    );
                }
            }
        }
    }
}

impl Daemon for ReporterService {
    /// Stops like [`ReporterService::stop`].
    fn stop(self) {
        ReporterService::stop(self);
    }

    /// Stops like [`ReporterService::stop`]; the final counters, the keys
    /// not stored among them, go into the daemon's last log line.
    fn stop_with_summary(self) -> Option<String> {
        let stats = ReporterService::stop(self);
        Some(format!(
            "{} reports, {} rows written in {} batches, {} keys not stored",
            stats.messages, stats.rows_written, stats.batches_written, stats.rows_lost
        ))
    }
}

impl Drop for ReporterService {
    fn drop(&mut self) {
        self.shutdown();
    }
}
