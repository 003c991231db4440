//! [`CheckpointPolicy`]: when a SQLite connection truncates the
//! write-ahead log. Pure: the time and the log's size are arguments, so the
//! rules are tested without a database or a clock.
//!
//! SQLite's own checkpoints (`wal_autocheckpoint`) are *passive*: they copy
//! what they can without waiting for anyone, and the log only starts over
//! from its beginning once a checkpoint has caught up with every writer
//! and reader. Behind the store's write gate the writers of one process
//! let them catch up; a reader that keeps an old snapshot, or writers in
//! several processes, still hold them back, and the file keeps the size it
//! grew to. A `wal_checkpoint(TRUNCATE)` waits for the writers and readers
//! of the moment (up to the busy timeout), copies everything and cuts the
//! file to zero bytes. The policy asks for one
//!
//! * after a write that leaves the log at [`WAL_TRUNCATE_AT`] or more —
//!   this bounds the log whatever held the passive checkpoints back;
//! * when the writer has been idle for [`WAL_IDLE_AFTER`] and the log is
//!   not empty — this gives the disk back once a flood is over;
//!
//! and, after one that could not finish (a long reader kept it from the
//! end of the log), not again within [`WAL_RETRY_AFTER`], so it is not
//! retried on every write.

use std::time::{Duration, Instant};

/// Log size at which a write is followed by a truncating checkpoint.
pub const WAL_TRUNCATE_AT: u64 = 16 * 1024 * 1024;

/// How long a connection must have written nothing before an idle
/// checkpoint truncates a non-empty log.
pub const WAL_IDLE_AFTER: Duration = Duration::from_secs(1);

/// After a checkpoint that could not finish, how long a connection waits
/// before it tries again.
pub const WAL_RETRY_AFTER: Duration = Duration::from_secs(1);

/// How a checkpoint ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointOutcome {
    /// The log was copied into the database and cut to zero bytes.
    Truncated,
    /// A reader kept an older snapshot (or a writer held on) past the busy
    /// timeout: part of the log was copied, the file stays.
    StoppedEarly,
    /// Another connection was checkpointing at that moment; its
    /// checkpoint does the work.
    Contended,
}

/// Decides when to run `PRAGMA wal_checkpoint(TRUNCATE)`; see the module
/// docs.
///
/// ```
/// use std::time::{Duration, Instant};
/// use lars_store::{CheckpointOutcome, CheckpointPolicy};
///
/// const MB: u64 = 1024 * 1024;
/// let t0 = Instant::now();
/// let mut policy = CheckpointPolicy::new(16 * MB, Duration::from_secs(1), Duration::from_secs(1));
/// assert!(!policy.wrote(t0, 3 * MB)); // a small log is left to SQLite
/// assert!(policy.wrote(t0, 20 * MB)); // a large one is truncated now
/// policy.checkpointed(t0, CheckpointOutcome::StoppedEarly); // a reader held on
/// assert!(!policy.wrote(t0 + Duration::from_millis(500), 24 * MB)); // not on every write
/// assert!(policy.idle(t0 + Duration::from_millis(1500), 24 * MB)); // idle for 1 s: cut it
/// ```
#[derive(Debug, Clone)]
pub struct CheckpointPolicy {
    truncate_at: u64,
    idle_after: Duration,
    retry_after: Duration,
    last_write: Option<Instant>,
    /// When the last checkpoint stopped early, if it did.
    last_failure: Option<Instant>,
}

impl CheckpointPolicy {
    /// A policy truncating at `truncate_at` bytes and after `idle_after`
    /// without writes, waiting `retry_after` after a checkpoint that could
    /// not finish.
    pub fn new(truncate_at: u64, idle_after: Duration, retry_after: Duration) -> CheckpointPolicy {
        CheckpointPolicy {
            truncate_at,
            idle_after,
            retry_after,
            last_write: None,
            last_failure: None,
        }
    }

    /// Records a committed write at `now` that left the log at `wal_bytes`;
    /// whether to truncate it now.
    pub fn wrote(&mut self, now: Instant, wal_bytes: u64) -> bool {
        self.last_write = Some(now);
        wal_bytes >= self.truncate_at && self.may_attempt(now)
    }

    /// Called while the connection has nothing to write, with the log at
    /// `wal_bytes`; whether to truncate it now.
    pub fn idle(&self, now: Instant, wal_bytes: u64) -> bool {
        let quiet = self
            .last_write
            .is_none_or(|at| now.saturating_duration_since(at) >= self.idle_after);
        wal_bytes > 0 && quiet && self.may_attempt(now)
    }

    /// Records how a checkpoint at `now` ended: only one that stopped
    /// early delays the next.
    pub fn checkpointed(&mut self, now: Instant, outcome: CheckpointOutcome) {
        self.last_failure = (outcome == CheckpointOutcome::StoppedEarly).then_some(now);
    }

    fn may_attempt(&self, now: Instant) -> bool {
        self.last_failure
            .is_none_or(|at| now.saturating_duration_since(at) >= self.retry_after)
    }
}

impl Default for CheckpointPolicy {
    /// [`WAL_TRUNCATE_AT`], [`WAL_IDLE_AFTER`], [`WAL_RETRY_AFTER`].
    fn default() -> Self {
        CheckpointPolicy::new(WAL_TRUNCATE_AT, WAL_IDLE_AFTER, WAL_RETRY_AFTER)
    }
}

#[cfg(test)]
mod tests {
    use super::CheckpointOutcome::*;
    use super::*;

    const MB: u64 = 1024 * 1024;
    const MS: Duration = Duration::from_millis(1);

    fn policy() -> CheckpointPolicy {
        CheckpointPolicy::new(16 * MB, 1000 * MS, 500 * MS)
    }

    #[test]
    fn a_write_truncates_only_a_log_at_the_limit() {
        let t0 = Instant::now();
        let mut p = policy();
        assert!(!p.wrote(t0, 0));
        assert!(!p.wrote(t0, 16 * MB - 1));
        assert!(p.wrote(t0, 16 * MB));
        assert!(p.wrote(t0, 300 * MB));
    }

    #[test]
    fn only_a_checkpoint_that_stopped_early_delays_the_next() {
        let t0 = Instant::now();
        let mut p = policy();
        assert!(p.wrote(t0, 20 * MB));
        p.checkpointed(t0, Truncated);
        assert!(
            p.wrote(t0 + MS, 16 * MB),
            "truncated: the next large log is cut at once"
        );
        p.checkpointed(t0 + MS, Contended);
        assert!(
            p.wrote(t0 + 2 * MS, 16 * MB),
            "someone else was at it: try again"
        );
        p.checkpointed(t0 + 2 * MS, StoppedEarly);
        assert!(!p.wrote(t0 + 501 * MS, 40 * MB), "stopped early 499 ms ago");
        assert!(p.wrote(t0 + 502 * MS, 40 * MB));
        p.checkpointed(t0 + 502 * MS, Truncated);
        assert!(p.wrote(t0 + 503 * MS, 17 * MB));
    }

    #[test]
    fn idle_truncates_a_non_empty_log_after_the_quiet_time() {
        let t0 = Instant::now();
        let mut p = policy();
        assert!(!p.wrote(t0, 2 * MB));
        assert!(!p.idle(t0 + 999 * MS, 2 * MB), "written 999 ms ago");
        assert!(p.idle(t0 + 1000 * MS, 2 * MB));
        assert!(!p.idle(t0 + 1000 * MS, 0), "nothing to truncate");
        p.checkpointed(t0 + 1000 * MS, StoppedEarly);
        assert!(!p.idle(t0 + 1400 * MS, 2 * MB), "stopped early 400 ms ago");
        assert!(
            p.idle(t0 + 1500 * MS, 2 * MB),
            "a failed attempt is retried"
        );
    }

    #[test]
    fn a_connection_that_never_wrote_truncates_what_others_left() {
        let t0 = Instant::now();
        let p = policy();
        assert!(p.idle(t0, 1));
        assert!(!p.idle(t0, 0));
    }

    #[test]
    fn the_default_uses_the_documented_limits() {
        let t0 = Instant::now();
        let mut p = CheckpointPolicy::default();
        assert!(!p.wrote(t0, 16 * MB - 1));
        assert!(p.wrote(t0, 16 * MB));
        assert!(!p.idle(t0 + 999 * MS, MB));
        assert!(p.idle(t0 + 1000 * MS, MB));
    }
}
