//! The agent's clocks, injected: the I/O shell asks a [`Clock`] for the
//! monotonic seconds the load-balancing core takes as `now` (immune to
//! wall-clock jumps) and for the Unix time stamped on reports.
//! [`SystemClock`] reads the real clocks; [`ManualClock`] is set by hand,
//! so tests move time instead of sleeping.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Where the agent reads time. Shared by every agent thread.
pub trait Clock: Send + Sync + 'static {
    /// Monotonic seconds (the `now` of the load-balancing core).
    fn now(&self) -> u64;
    /// Unix time in seconds, for report time stamps.
    fn wall_secs(&self) -> u32;
}

/// The real clocks: seconds since the clock was made, and the system time.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock {
            start: Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> u64 {
        self.start.elapsed().as_secs()
    }

    fn wall_secs(&self) -> u32 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to ([`advance`](Self::advance)); both
/// its readings move together.
///
/// ```
/// use lars_agent::{Clock, ManualClock};
/// let clock = ManualClock::new(1_700_000_000);
/// clock.advance(16);
/// assert_eq!((clock.now(), clock.wall_secs()), (16, 1_700_000_016));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicU64,
    wall: AtomicU32,
}

impl ManualClock {
    /// A clock at monotonic second 0 and Unix time `wall`.
    pub fn new(wall: u32) -> ManualClock {
        ManualClock {
            now: AtomicU64::new(0),
            wall: AtomicU32::new(wall),
        }
    }

    /// Moves both readings `secs` seconds forward.
    pub fn advance(&self, secs: u64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
        self.wall.fetch_add(secs as u32, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    fn wall_secs(&self) -> u32 {
        self.wall.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_starts_at_zero_and_reads_unix_time() {
        let clock = SystemClock::default();
        assert_eq!(clock.now(), 0);
        // 2023-11-14 or later: a real Unix time, not zero.
        assert!(clock.wall_secs() > 1_700_000_000);
    }
}
