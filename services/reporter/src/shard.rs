//! One writer's shard: the [`Coalescer`] its two threads share, and the
//! *drainer* thread that empties the writer's queue into it.
//!
//! Draining is a thread of its own, apart from the [`crate::writer`] thread
//! that talks to the store, so the queue keeps emptying — and reports keep
//! coalescing — while a store call blocks (a slow commit, a connect timeout,
//! a busy SQLite file). The lock is held for a few microseconds at a time:
//! a handful of queue items on one side, a take or a restore on the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError};
use lars_reactor::LogThrottle;
use parking_lot::{Condvar, Mutex, MutexGuard};

use crate::coalescer::{Coalescer, Merge};
use crate::ingest::Batch;
use crate::room::Room;
use crate::stats::Stats;

/// How often an idle drainer checks whether the service is stopping.
const STOP_POLL: Duration = Duration::from_millis(50);

/// Queue items merged under one lock acquisition at most.
const ITEMS_PER_LOCK: usize = 256;

/// What the drainer and the writer of one shard share.
#[derive(Debug)]
pub struct ShardState {
    /// The rows waiting for the store.
    pub coalescer: Coalescer,
    /// The queue is closed and empty: nothing more will arrive.
    pub closed: bool,
    /// The writer, waiting, wants to be woken once this many keys are
    /// pending (`usize::MAX`: not before its own deadline).
    pub wake_at: usize,
    /// At stop: when the writer's final flush must give up.
    pub stop_by: Option<Instant>,
    /// Who counts what the writer could not store at stop.
    pub ending: Ending,
}

/// How a writer's work ended at stop; whoever gets there first counts the
/// keys it could not store, the other one does not count them again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// The writer is still at work.
    Running,
    /// The writer's final flush ended (stored everything or gave up).
    Finished,
    /// The service stopped waiting for the writer, which was blocked in a
    /// store call at the deadline.
    Abandoned,
}

/// A shard: state plus the condition variable the writer waits on. Safe
/// from any thread.
#[derive(Debug)]
pub struct Shard {
    state: Mutex<ShardState>,
    wake: Condvar,
    /// Signalled when the writer's final flush has ended.
    ended: Condvar,
}

impl Shard {
    /// An empty shard holding at most `max_keys` rows.
    pub fn new(max_keys: usize) -> Arc<Shard> {
        Arc::new(Shard {
            state: Mutex::new(ShardState {
                coalescer: Coalescer::new(max_keys),
                closed: false,
                wake_at: usize::MAX,
                stop_by: None,
                ending: Ending::Running,
            }),
            wake: Condvar::new(),
            ended: Condvar::new(),
        })
    }

    /// Locks the state.
    pub fn lock(&self) -> MutexGuard<'_, ShardState> {
        self.state.lock()
    }

    /// Keys not yet stored: pending plus being written.
    pub fn unstored(&self) -> usize {
        let st = self.lock();
        st.coalescer.len() + st.coalescer.checked_out()
    }

    /// Tells the writer its final flush must end by `deadline`; called
    /// before the service signals the stop.
    pub fn stop_by(&self, deadline: Instant) {
        self.lock().stop_by = Some(deadline);
    }

    /// The writer, after its final flush: the keys left unstored, which it
    /// counts as lost; `None` if the service has already counted them.
    pub fn finish(&self) -> Option<usize> {
        let mut st = self.lock();
        if st.ending == Ending::Abandoned {
            return None;
        }
        st.ending = Ending::Finished;
        self.ended.notify_all();
        Some(st.coalescer.len() + st.coalescer.checked_out())
    }

    /// The service, at stop: waits until the writer has finished or
    /// `deadline` has passed. A writer still at work then (blocked in a
    /// store call) is abandoned, and the keys it has not stored, pending
    /// or being written, are returned for the service to count as lost;
    /// `None` when the writer finished and counted them itself.
    pub fn finished_by(&self, deadline: Instant) -> Option<usize> {
        let mut st = self.lock();
        while st.ending == Ending::Running {
            if self.ended.wait_until(&mut st, deadline).timed_out() {
                break;
            }
        }
        if st.ending == Ending::Finished {
            return None;
        }
        st.ending = Ending::Abandoned;
        Some(st.coalescer.len() + st.coalescer.checked_out())
    }

    /// Blocks on `state` (a guard of this shard) until woken or `until`.
    pub fn wait_until(&self, state: &mut MutexGuard<'_, ShardState>, until: Instant) {
        self.wake.wait_until(state, until);
    }

    /// Wakes the writer if it asked to be woken at this pending level.
    fn maybe_wake(&self, state: &mut ShardState) {
        if state.closed || state.coalescer.len() >= state.wake_at {
            state.wake_at = usize::MAX;
            self.wake.notify_one();
        }
    }
}

/// Starts the drainer of shard `index`: it merges every item of `queue`
/// into the shard until the queue is disconnected (or `stop` is set and the
/// queue is empty), then marks the shard closed. After each round it lets
/// `room` resume the connections waiting for the queue to empty.
pub fn spawn_drainer(
    index: usize,
    queue: Receiver<Batch>,
    shard: Arc<Shard>,
    room: Arc<Room>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(format!("reporter-drain-{index}"))
        .spawn(move || {
            let mut drainer = Drainer {
                index,
                shard,
                room,
                stats,
                log: LogThrottle::new(Duration::from_secs(5)),
            };
            drainer.run(&queue, &stop);
        })
}

struct Drainer {
    index: usize,
    shard: Arc<Shard>,
    room: Arc<Room>,
    stats: Arc<Stats>,
    log: LogThrottle,
}

impl Drainer {
    fn run(&mut self, queue: &Receiver<Batch>, stop: &AtomicBool) {
        loop {
            self.room.after_drain(queue.len());
            let first = match queue.recv_timeout(STOP_POLL) {
                Ok(batch) => batch,
                Err(RecvTimeoutError::Timeout) if stop.load(Ordering::SeqCst) => break,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut dropped = 0;
            let mut st = self.shard.lock();
            dropped += merge(&mut st.coalescer, first);
            for batch in queue.try_iter().take(ITEMS_PER_LOCK) {
                dropped += merge(&mut st.coalescer, batch);
            }
            self.shard.maybe_wake(&mut st);
            let max_keys = st.coalescer.max_keys();
            drop(st);
            if dropped > 0 {
                self.stats.updates_dropped(dropped);
                let index = self.index;
                self.log.warn(|| {
                    format!(
                        "writer {index}: {max_keys} keys waiting for the store (max_pending_keys); \
                         {dropped} update(s) of new keys dropped"
                    )
                });
            }
        }
        // Stopping: anything still queued (a sender may race the stop flag)
        // goes in before the writer's final flush.
        let mut st = self.shard.lock();
        let mut dropped = 0;
        for batch in queue.try_iter() {
            dropped += merge(&mut st.coalescer, batch);
        }
        self.stats.updates_dropped(dropped);
        st.closed = true;
        self.shard.maybe_wake(&mut st);
    }
}

/// Merges `batch` in order; returns how many rows the bound dropped.
fn merge(coalescer: &mut Coalescer, batch: Batch) -> usize {
    batch
        .into_iter()
        .filter(|row| coalescer.insert(*row) == Merge::Dropped)
        .count()
}
