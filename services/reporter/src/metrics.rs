//! The report service's `/metrics` and `/healthz`: the counters of
//! [`Stats`], each writer's pending keys and queue, the store's state and
//! the open connections, read at scrape time.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::Receiver;
use lars_metrics::{Collector, DescriptorEncoder, Health, Scrape};
use lars_reactor::OpenConnections;

use crate::ingest::Batch;
use crate::shard::Shard;
use crate::stats::Stats;

/// Writes a report service's metrics on each scrape.
#[derive(Debug)]
pub struct ReporterCollector {
    /// The service's counters.
    pub stats: Arc<Stats>,
    /// Per writer: its keys and its queue.
    pub writers: Vec<(Arc<Shard>, Receiver<Batch>)>,
    /// The server's open connections.
    pub connections: OpenConnections,
}

impl Collector for ReporterCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let s = self.stats.snapshot();
        let mut out = Scrape::new(&mut encoder);
        out.counter(
            "lars_reporter_messages",
            "Statistics messages accepted.",
            s.messages,
        )?;
        out.counter(
            "lars_reporter_results_accepted",
            "Host results accepted (one row update each).",
            s.results,
        )?;
        out.counter(
            "lars_reporter_results_rejected",
            "Host results ignored because their port is impossible.",
            s.results_rejected,
        )?;
        out.counter(
            "lars_reporter_messages_dropped",
            "Messages dropped because the service was stopping (a full queue pauses the connection instead).",
            s.messages_dropped,
        )?;
        out.counter(
            "lars_reporter_pauses",
            "Times a connection paused reading because its writer's queue was full.",
            s.pauses,
        )?;
        out.counter(
            "lars_reporter_updates_dropped",
            "Row updates dropped because their writer held max_pending_keys keys.",
            s.updates_dropped,
        )?;
        out.counter(
            "lars_reporter_rows_written",
            "Rows the store accepted.",
            s.rows_written,
        )?;
        out.counter(
            "lars_reporter_transactions",
            "Transactions committed (batches of rows).",
            s.batches_written,
        )?;
        out.counter(
            "lars_reporter_write_failures",
            "Failed store calls.",
            s.write_failures,
        )?;
        out.counter(
            "lars_reporter_rows_lost",
            "Rows given up at shutdown.",
            s.rows_lost,
        )?;
        let names: Vec<String> = (0..self.writers.len()).map(|i| i.to_string()).collect();
        let pending: Vec<_> = names
            .iter()
            .zip(&self.writers)
            .map(|(n, (shard, _))| ([("writer", n.as_str())], shard.unstored() as f64))
            .collect();
        let samples: Vec<_> = pending.iter().map(|(l, v)| (&l[..], *v)).collect();
        out.gauges(
            "lars_reporter_pending_keys",
            "Keys held by a writer and not yet stored.",
            &samples,
        )?;
        let queued: Vec<_> = names
            .iter()
            .zip(&self.writers)
            .map(|(n, (_, queue))| ([("writer", n.as_str())], queue.len() as f64))
            .collect();
        let samples: Vec<_> = queued.iter().map(|(l, v)| (&l[..], *v)).collect();
        out.gauges(
            "lars_reporter_queued_items",
            "Items waiting in a writer's queue.",
            &samples,
        )?;
        let up = if self.stats.store_down_for(Instant::now()).is_none() {
            1.0
        } else {
            0.0
        };
        out.gauge(
            "lars_reporter_store_up",
            "1 unless a writer has lost the store.",
            up,
        )?;
        out.gauge(
            "lars_reporter_connections",
            "Open agent connections.",
            self.connections.get() as f64,
        )?;
        lars_daemon::connection_metrics(&mut out, "lars_reporter", &self.connections)?;
        out.histograms(
            "lars_reporter_flush_duration_seconds",
            "Time a writer took to store what was pending (one or more transactions).",
            &[(&[], &self.stats.flush_durations())],
        )
    }
}

/// Unhealthy once a writer has not reached the store for `after`.
pub fn health(stats: &Stats, after: Duration) -> Health {
    match stats.store_down_for(Instant::now()) {
        Some(down) if down >= after => {
            Health::Unhealthy(format!("status store unreachable for {} s", down.as_secs()))
        }
        _ => Health::Ok,
    }
}
