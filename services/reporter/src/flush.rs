//! When a writer flushes and when it retries a failed store. Pure: the time
//! is always an argument, so the rules are tested without sleeping.
//!
//! * [`FlushPolicy`]: flush when `flush_interval` has passed since the last
//!   flush, or earlier once `batch_size` keys are pending.
//! * [`Backoff`]: after a failure wait `retry_min`, doubling up to
//!   `retry_max`; a success resets it.

use std::time::{Duration, Instant};

/// Decides when pending rows are due to be written.
///
/// ```
/// use std::time::{Duration, Instant};
/// use lars_reporter::FlushPolicy;
///
/// let t0 = Instant::now();
/// let policy = FlushPolicy::new(Duration::from_secs(1), 500, t0);
/// assert!(!policy.due(t0, 10)); // too early, too few
/// assert!(policy.due(t0, 500)); // a full batch
/// assert!(policy.due(t0 + Duration::from_secs(1), 1)); // the interval is over
/// ```
#[derive(Debug, Clone)]
pub struct FlushPolicy {
    interval: Duration,
    batch_size: usize,
    last_flush: Instant,
}

impl FlushPolicy {
    /// A policy whose interval starts at `now`; `batch_size` is at least 1.
    pub fn new(interval: Duration, batch_size: usize, now: Instant) -> FlushPolicy {
        FlushPolicy {
            interval,
            batch_size: batch_size.max(1),
            last_flush: now,
        }
    }

    /// Whether `pending` keys should be flushed at `now`: there is at least
    /// one, and either a full batch is waiting or the interval is over.
    pub fn due(&self, now: Instant, pending: usize) -> bool {
        pending > 0
            && (pending >= self.batch_size || now.duration_since(self.last_flush) >= self.interval)
    }

    /// When the interval flush falls due (it may be in the past).
    pub fn deadline(&self) -> Instant {
        self.last_flush + self.interval
    }

    /// The number of pending keys at which a flush is due before the
    /// deadline.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Records a flush started at `now`.
    pub fn flushed(&mut self, now: Instant) {
        self.last_flush = now;
    }
}

/// Capped exponential backoff between attempts on a failing store.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// Starts at `min` and doubles up to `max` (`max` is at least `min`).
    pub fn new(min: Duration, max: Duration) -> Backoff {
        let max = max.max(min);
        Backoff {
            min,
            max,
            next: min,
        }
    }

    /// Records a failure at `now`; returns when to try again.
    pub fn failed(&mut self, now: Instant) -> Instant {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        now + delay
    }

    /// Records a success: the next failure waits `min` again.
    pub fn reset(&mut self) {
        self.next = self.min;
    }

    /// The delay the next failure will get.
    pub fn next_delay(&self) -> Duration {
        self.next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn due_on_interval_or_full_batch_never_when_empty() {
        let t0 = Instant::now();
        let mut p = FlushPolicy::new(1000 * MS, 500, t0);
        assert!(!p.due(t0, 0));
        assert!(!p.due(t0 + 999 * MS, 499));
        assert!(p.due(t0 + 999 * MS, 500));
        assert!(p.due(t0 + 1000 * MS, 1));
        assert!(!p.due(t0 + 5000 * MS, 0));
        assert_eq!(p.deadline(), t0 + 1000 * MS);
        p.flushed(t0 + 1200 * MS);
        assert!(!p.due(t0 + 1300 * MS, 1));
        assert!(p.due(t0 + 2200 * MS, 1));
        assert_eq!(p.deadline(), t0 + 2200 * MS);
    }

    #[test]
    fn batch_size_zero_means_one() {
        let t0 = Instant::now();
        let p = FlushPolicy::new(Duration::from_secs(60), 0, t0);
        assert_eq!(p.batch_size(), 1);
        assert!(p.due(t0, 1));
    }

    #[test]
    fn backoff_doubles_to_the_cap_and_resets() {
        let t0 = Instant::now();
        let mut b = Backoff::new(100 * MS, 1000 * MS);
        let delays: Vec<Duration> = (0..6).map(|_| b.failed(t0) - t0).collect();
        assert_eq!(
            delays,
            [100, 200, 400, 800, 1000, 1000].map(|ms| ms * MS).to_vec()
        );
        b.reset();
        assert_eq!(b.next_delay(), 100 * MS);
        assert_eq!(b.failed(t0 + 5 * MS), t0 + 105 * MS);
    }

    #[test]
    fn cap_below_min_is_raised_to_min() {
        let t0 = Instant::now();
        let mut b = Backoff::new(300 * MS, 100 * MS);
        assert_eq!(b.failed(t0) - t0, 300 * MS);
        assert_eq!(b.failed(t0) - t0, 300 * MS);
    }
}
