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
    fn now(&self) -> u64 {
        self.now_ms() / 1000
    }
    /// The same monotonic clock in milliseconds (latency samples).
    fn now_ms(&self) -> u64;
    /// Unix time in seconds, for report time stamps.
    fn wall_secs(&self) -> u32;
    /// Unix time in milliseconds (by default, to the second).
    fn wall_ms(&self) -> u64 {
        u64::from(self.wall_secs()) * 1000
    }
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

    fn now_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    fn wall_secs(&self) -> u32 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as u32)
            .unwrap_or(0)
    }

    fn wall_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0)
    }
}

/// A clock that moves only when told to ([`advance`](Self::advance),
/// [`advance_ms`](Self::advance_ms)); its readings move together.
///
/// ```
/// use lars_agent::{Clock, ManualClock};
/// let clock = ManualClock::new(1_700_000_000);
/// clock.advance(16);
/// clock.advance_ms(500);
/// assert_eq!((clock.now(), clock.now_ms()), (16, 16_500));
/// assert_eq!(clock.wall_secs(), 1_700_000_016);
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: AtomicU64,
    wall: AtomicU32,
}

impl ManualClock {
    /// A clock at monotonic second 0 and Unix time `wall`.
    pub fn new(wall: u32) -> ManualClock {
        ManualClock {
            now_ms: AtomicU64::new(0),
            wall: AtomicU32::new(wall),
        }
    }

    /// Moves every reading `secs` seconds forward.
    pub fn advance(&self, secs: u64) {
        self.advance_ms(secs * 1000);
    }

    /// Moves every reading `ms` milliseconds forward (Unix time by the
    /// whole seconds crossed).
    pub fn advance_ms(&self, ms: u64) {
        let before = self.now_ms.fetch_add(ms, Ordering::SeqCst);
        let seconds = (before + ms) / 1000 - before / 1000;
        self.wall.fetch_add(seconds as u32, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
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
