//! Counters of the report service, updated with relaxed atomics from the
//! network threads and the writers, read by tests, the benchmark and logs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lars_metrics::{AtomicHistogram, HistogramSnapshot, OPERATION_BUCKETS};
use parking_lot::Mutex;

/// Live counters, shared by every thread of one service. Safe from any
/// thread.
#[derive(Debug)]
pub struct Stats {
    messages: AtomicU64,
    results: AtomicU64,
    results_rejected: AtomicU64,
    messages_dropped: AtomicU64,
    pauses: AtomicU64,
    updates_dropped: AtomicU64,
    rows_written: AtomicU64,
    batches_written: AtomicU64,
    write_failures: AtomicU64,
    rows_lost: AtomicU64,
    flush_duration: AtomicHistogram,
    /// Writer index → when it last lost the store (while it has not
    /// reached it since).
    outages: Mutex<HashMap<usize, Instant>>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            messages: AtomicU64::new(0),
            results: AtomicU64::new(0),
            results_rejected: AtomicU64::new(0),
            messages_dropped: AtomicU64::new(0),
            pauses: AtomicU64::new(0),
            updates_dropped: AtomicU64::new(0),
            rows_written: AtomicU64::new(0),
            batches_written: AtomicU64::new(0),
            write_failures: AtomicU64::new(0),
            rows_lost: AtomicU64::new(0),
            flush_duration: AtomicHistogram::new(OPERATION_BUCKETS),
            outages: Mutex::new(HashMap::new()),
        }
    }
}

/// A snapshot of the service's counters plus its current backlog.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReporterStats {
    /// `ID_ReportStatusRequest` messages accepted (queued to a writer).
    pub messages: u64,
    /// Host results accepted (each becomes one row update).
    pub results: u64,
    /// Host results ignored because their port is not in 0..=65535.
    pub results_rejected: u64,
    /// Messages dropped because the service was stopping (a full queue
    /// pauses the connection instead of dropping).
    pub messages_dropped: u64,
    /// Times a connection paused reading because its writer's queue was
    /// full.
    pub pauses: u64,
    /// Row updates dropped because their writer held `max_pending_keys`.
    pub updates_dropped: u64,
    /// Rows the store accepted (a row written twice counts twice).
    pub rows_written: u64,
    /// Successful `upsert_statuses` calls: one transaction each, of at most
    /// `batch_size` rows (one statement per 500 rows).
    pub batches_written: u64,
    /// Failed `upsert_statuses` calls or store opens.
    pub write_failures: u64,
    /// Rows still unwritten when a writer gave up at shutdown.
    pub rows_lost: u64,
    /// Keys held by the writers and not yet stored (pending or being
    /// written).
    pub pending_keys: u64,
    /// Items waiting in the writers' queues.
    pub queued: u64,
}

impl Stats {
    /// `results` accepted results of a message were queued; `first`: the
    /// message's first ones (a message counts once, however many parts).
    pub fn accepted(&self, first: bool, results: usize) {
        if first {
            self.messages.fetch_add(1, Ordering::Relaxed);
        }
        self.results.fetch_add(results as u64, Ordering::Relaxed);
    }

    /// A connection paused because its writer's queue was full.
    pub fn paused(&self) {
        self.pauses.fetch_add(1, Ordering::Relaxed);
    }

    /// `n` results had an impossible port.
    pub fn rejected(&self, n: usize) {
        self.results_rejected.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A message was dropped because the service was stopping.
    pub fn message_dropped(&self) {
        self.messages_dropped.fetch_add(1, Ordering::Relaxed);
    }

    /// `n` updates were dropped at the key bound.
    pub fn updates_dropped(&self, n: usize) {
        self.updates_dropped.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A batch of `rows` rows was stored.
    pub fn batch_written(&self, rows: usize) {
        self.batches_written.fetch_add(1, Ordering::Relaxed);
        self.rows_written.fetch_add(rows as u64, Ordering::Relaxed);
    }

    /// A store call failed.
    pub fn write_failed(&self) {
        self.write_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// A flush (one or more transactions) took `elapsed`.
    pub fn flushed(&self, elapsed: Duration) {
        self.flush_duration.observe(elapsed);
    }

    /// The flush durations so far.
    pub fn flush_durations(&self) -> HistogramSnapshot {
        self.flush_duration.snapshot()
    }

    /// Writer `writer` could not reach the store at `now` (the first time
    /// since it last could, its outage starts).
    pub fn store_lost(&self, writer: usize, now: Instant) {
        self.outages.lock().entry(writer).or_insert(now);
    }

    /// Writer `writer` reached the store.
    pub fn store_reached(&self, writer: usize) {
        self.outages.lock().remove(&writer);
    }

    /// How long the longest current outage has lasted; `None` while every
    /// writer reaches the store.
    pub fn store_down_for(&self, now: Instant) -> Option<Duration> {
        self.outages
            .lock()
            .values()
            .map(|since| now.saturating_duration_since(*since))
            .max()
    }

    /// `rows` rows were given up at shutdown.
    pub fn lost(&self, rows: usize) {
        self.rows_lost.fetch_add(rows as u64, Ordering::Relaxed);
    }

    /// The counters; `pending_keys` and `queued` are left for the caller.
    pub fn snapshot(&self) -> ReporterStats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        ReporterStats {
            messages: get(&self.messages),
            results: get(&self.results),
            results_rejected: get(&self.results_rejected),
            messages_dropped: get(&self.messages_dropped),
            pauses: get(&self.pauses),
            updates_dropped: get(&self.updates_dropped),
            rows_written: get(&self.rows_written),
            batches_written: get(&self.batches_written),
            write_failures: get(&self.write_failures),
            rows_lost: get(&self.rows_lost),
            pending_keys: 0,
            queued: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_up() {
        let s = Stats::default();
        s.accepted(true, 10);
        s.accepted(true, 3);
        s.accepted(false, 4);
        s.rejected(2);
        s.message_dropped();
        s.paused();
        s.updates_dropped(1);
        s.batch_written(500);
        s.batch_written(13);
        s.write_failed();
        s.lost(4);
        let snap = s.snapshot();
        assert_eq!((snap.messages, snap.results), (2, 17));
        assert_eq!((snap.results_rejected, snap.messages_dropped), (2, 1));
        assert_eq!(snap.pauses, 1);
        assert_eq!(snap.updates_dropped, 1);
        assert_eq!((snap.rows_written, snap.batches_written), (513, 2));
        assert_eq!((snap.write_failures, snap.rows_lost), (1, 4));
    }

    #[test]
    fn the_longest_current_outage_counts() {
        let s = Stats::default();
        let t0 = Instant::now();
        assert_eq!(s.store_down_for(t0), None);
        s.store_lost(0, t0);
        s.store_lost(1, t0 + Duration::from_secs(5));
        s.store_lost(0, t0 + Duration::from_secs(9));
        let later = t0 + Duration::from_secs(10);
        assert_eq!(s.store_down_for(later), Some(Duration::from_secs(10)));
        s.store_reached(0);
        assert_eq!(s.store_down_for(later), Some(Duration::from_secs(5)));
        s.store_reached(1);
        assert_eq!(s.store_down_for(later), None);
    }
}
