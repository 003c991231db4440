//! The writer thread of one shard: takes the coalesced rows when the
//! [`FlushPolicy`] says so and upserts them in transactions of at most
//! `batch_size` rows.
//!
//! When the store fails (or cannot even be opened) the unwritten rows go
//! back into the coalescer, newer values winning; the outage is logged once
//! (warn) and the recovery once (info, with the rows it wrote), and the
//! writer retries with capped exponential backoff while the drainer keeps
//! coalescing. At stop it flushes what is left, giving up at the stop
//! deadline (`shutdown_timeout` after the stop) and logging how many keys
//! were not stored. A store call that hangs past the deadline is not
//! waited for: the service counts those keys (see [`crate::shard::Ending`]).

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lars_store::{CallStatus, StatusStore, StoreError};

use crate::flush::{Backoff, FlushPolicy};
use crate::shard::Shard;
use crate::stats::Stats;

/// Opens a handle on the status store; called again after a failed open.
pub type StoreOpener =
    Arc<dyn Fn() -> Result<Box<dyn StatusStore>, StoreError> + Send + Sync + 'static>;

/// How long a writer with nothing pending sleeps before looking again (it
/// is woken earlier when rows arrive); each time it wakes idle it lets the
/// store do its housekeeping ([`StatusStore::maintain`]).
const IDLE_WAIT: Duration = Duration::from_secs(1);

/// Why [`Writer::wait`] returned.
enum Wake {
    /// A flush or a retry is due.
    Flush,
    /// Nothing was pending for [`IDLE_WAIT`].
    Idle,
    /// The shard is closed: stop.
    Stop,
}

/// The timing settings of a writer.
#[derive(Debug, Clone, Copy)]
pub struct WriterSettings {
    /// Longest wait between flushes while rows are pending.
    pub flush_interval: Duration,
    /// Rows per transaction; this many pending keys start a flush early.
    pub batch_size: usize,
    /// First retry delay after a failure.
    pub retry_min: Duration,
    /// Largest retry delay.
    pub retry_max: Duration,
    /// How long the final flush at stop may keep retrying.
    pub shutdown_timeout: Duration,
}

/// One writer: the store side of a shard. Runs on its own thread.
pub struct Writer {
    index: usize,
    shard: Arc<Shard>,
    stats: Arc<Stats>,
    open: StoreOpener,
    /// `None` until the store could be opened.
    store: Option<Box<dyn StatusStore>>,
    /// The store for log lines (its config until it is open).
    name: String,
    settings: WriterSettings,
    policy: FlushPolicy,
    backoff: Backoff,
    /// While the store is failing: when to try again.
    retry_at: Option<Instant>,
    /// While the store is failing: since when.
    outage_since: Option<Instant>,
    /// With nothing pending: when the writer counts as idle.
    idle_at: Instant,
}

impl Writer {
    /// Starts writer `index` on its own thread. `store` is an already open
    /// handle, if the caller has one; otherwise the thread opens one with
    /// `open`, retrying while that fails. `name` describes the store in log
    /// lines until it is open.
    pub fn spawn(
        index: usize,
        shard: Arc<Shard>,
        stats: Arc<Stats>,
        open: StoreOpener,
        store: Option<Box<dyn StatusStore>>,
        name: String,
        settings: WriterSettings,
    ) -> std::io::Result<JoinHandle<()>> {
        let now = Instant::now();
        let writer = Writer {
            index,
            shard,
            stats,
            open,
            name: store.as_ref().map_or(name, |s| s.describe()),
            store,
            policy: FlushPolicy::new(settings.flush_interval, settings.batch_size, now),
            backoff: Backoff::new(settings.retry_min, settings.retry_max),
            settings,
            retry_at: None,
            outage_since: None,
            idle_at: now + IDLE_WAIT,
        };
        std::thread::Builder::new()
            .name(format!("reporter-db-{index}"))
            .spawn(move || writer.run())
    }

    fn run(mut self) {
        self.open_store();
        loop {
            match self.wait() {
                Wake::Flush => self.flush(),
                Wake::Idle => self.maintain(),
                Wake::Stop => break,
            }
        }
        self.final_flush();
    }

    /// Waits until a flush or a retry is due, or the writer has been idle
    /// for [`IDLE_WAIT`], or the shard is closed (stop).
    fn wait(&mut self) -> Wake {
        let mut st = self.shard.lock();
        loop {
            if st.closed {
                return Wake::Stop;
            }
            let now = Instant::now();
            let pending = st.coalescer.len();
            let until = match self.retry_at {
                Some(at) if now >= at => return Wake::Flush,
                Some(at) => {
                    st.wake_at = usize::MAX;
                    at
                }
                None if self.policy.due(now, pending) => return Wake::Flush,
                None if pending == 0 && now >= self.idle_at => {
                    self.idle_at = now + IDLE_WAIT;
                    return Wake::Idle;
                }
                None if pending == 0 => {
                    st.wake_at = 1;
                    self.idle_at
                }
                None => {
                    st.wake_at = self.policy.batch_size();
                    self.policy.deadline()
                }
            };
            self.shard.wait_until(&mut st, until);
        }
    }

    /// Opens the store if it is not open; `false` (outage recorded) if that
    /// fails.
    fn open_store(&mut self) -> bool {
        if self.store.is_some() {
            return true;
        }
        match (self.open)() {
            Ok(store) => {
                self.name = store.describe();
                self.store = Some(store);
                true
            }
            Err(e) => {
                self.failed(&e);
                false
            }
        }
    }

    /// Lets an open store do its housekeeping while nothing is pending; a
    /// failure is logged (the next write will say whether the store is
    /// down).
    fn maintain(&mut self) {
        if let Some(store) = self.store.as_mut() {
            if let Err(e) = store.maintain() {
                log::warn!("writer {}: {e}", self.index);
            }
        }
    }

    /// Writes everything pending, batch by batch; on failure the unwritten
    /// rows go back and a retry is scheduled.
    fn flush(&mut self) {
        if !self.open_store() {
            return;
        }
        let started = Instant::now();
        self.idle_at = started + IDLE_WAIT;
        self.policy.flushed(started);
        let rows = self.shard.lock().coalescer.take_all();
        let store = self.store.as_mut().expect("store was just opened");
        match write_rows(
            store.as_mut(),
            &self.shard,
            &self.stats,
            &rows,
            self.settings.batch_size,
        ) {
            Ok(()) => self.recovered(rows.len()),
            Err(e) => self.failed(&e),
        }
        self.stats.flushed(started.elapsed());
    }

    fn failed(&mut self, e: &StoreError) {
        self.stats.write_failed();
        let now = Instant::now();
        self.stats.store_lost(self.index, now);
        let retry_in = self.backoff.next_delay();
        self.retry_at = Some(self.backoff.failed(now));
        if self.outage_since.is_none() {
            self.outage_since = Some(now);
            let st = self.shard.lock();
            log::warn!(
                "writer {}: status store {} unavailable: {e}; keeping {} rows in memory, \
                 retrying in {retry_in:?} (backoff up to {:?})",
                self.index,
                self.name,
                st.coalescer.len(),
                self.settings.retry_max
            );
        } else {
            log::debug!(
                "writer {}: status store {} still unavailable: {e}",
                self.index,
                self.name
            );
        }
    }

    fn recovered(&mut self, written: usize) {
        self.stats.store_reached(self.index);
        self.retry_at = None;
        self.backoff.reset();
        if let Some(since) = self.outage_since.take() {
            log::info!(
                "writer {}: status store {} is available again after {:.1?}: {written} rows written",
                self.index,
                self.name,
                since.elapsed()
            );
        }
    }

    /// At stop: keeps flushing (and retrying) until nothing is pending or
    /// the stop deadline has passed; what is left is counted as lost.
    fn final_flush(&mut self) {
        let deadline = self
            .shard
            .lock()
            .stop_by
            .unwrap_or_else(|| Instant::now() + self.settings.shutdown_timeout);
        loop {
            if self.shard.lock().coalescer.is_empty() {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            match self.retry_at {
                Some(at) if at > now => std::thread::sleep(at.min(deadline) - now),
                _ => self.flush(),
            }
        }
        let Some(lost) = self.shard.finish().filter(|&lost| lost > 0) else {
            return;
        };
        self.stats.lost(lost);
        log::error!(
            "writer {}: status store {} still unavailable {:?} after stop: {lost} keys not stored",
            self.index,
            self.name,
            self.settings.shutdown_timeout
        );
    }
}

/// Upserts `rows` (checked out of the shard's coalescer) in transactions of
/// at most `batch_size` rows, checking each stored batch in. On failure the
/// rows not yet stored are restored and the error returned.
fn write_rows(
    store: &mut dyn StatusStore,
    shard: &Shard,
    stats: &Stats,
    rows: &[CallStatus],
    batch_size: usize,
) -> Result<(), StoreError> {
    for (i, batch) in rows.chunks(batch_size.max(1)).enumerate() {
        if let Err(e) = store.upsert_statuses(batch) {
            shard
                .lock()
                .coalescer
                .restore(&rows[i * batch_size.max(1)..]);
            return Err(e);
        }
        shard.lock().coalescer.written(batch.len());
        stats.batch_written(batch.len());
    }
    Ok(())
}
