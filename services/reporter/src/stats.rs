//! Counters of the report service, updated with relaxed atomics from the
//! network threads and the writers, read by tests, the benchmark and logs.

use std::sync::atomic::{AtomicU64, Ordering};

/// Live counters, shared by every thread of one service. Safe from any
/// thread.
#[derive(Debug, Default)]
pub struct Stats {
    messages: AtomicU64,
    results: AtomicU64,
    results_rejected: AtomicU64,
    messages_dropped: AtomicU64,
    updates_dropped: AtomicU64,
    rows_written: AtomicU64,
    batches_written: AtomicU64,
    write_failures: AtomicU64,
    rows_lost: AtomicU64,
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
    /// Messages dropped because their writer's queue was full.
    pub messages_dropped: u64,
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
    /// A message with `results` accepted results was queued.
    pub fn accepted(&self, results: usize) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.results.fetch_add(results as u64, Ordering::Relaxed);
    }

    /// `n` results had an impossible port.
    pub fn rejected(&self, n: usize) {
        self.results_rejected.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// A message was dropped at a full queue.
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
        s.accepted(10);
        s.accepted(3);
        s.rejected(2);
        s.message_dropped();
        s.updates_dropped(1);
        s.batch_written(500);
        s.batch_written(13);
        s.write_failed();
        s.lost(4);
        let snap = s.snapshot();
        assert_eq!((snap.messages, snap.results), (2, 13));
        assert_eq!((snap.results_rejected, snap.messages_dropped), (2, 1));
        assert_eq!(snap.updates_dropped, 1);
        assert_eq!((snap.rows_written, snap.batches_written), (513, 2));
        assert_eq!((snap.write_failures, snap.rows_lost), (1, 4));
    }
}
