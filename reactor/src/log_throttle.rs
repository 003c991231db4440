//! Rate-limited warnings for events a peer can trigger at will (bad frames,
//! unknown msgids): the first is logged at once, then at most one line per
//! interval with the number suppressed, so a hostile or broken peer cannot
//! flood the log.

use std::time::{Duration, Instant};

/// One throttled log site. Loop thread only.
#[derive(Debug)]
pub struct LogThrottle {
    interval: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl Default for LogThrottle {
    fn default() -> Self {
        LogThrottle::new(Duration::from_secs(1))
    }
}

impl LogThrottle {
    /// At most one line per `interval`.
    pub fn new(interval: Duration) -> LogThrottle {
        LogThrottle {
            interval,
            last: None,
            suppressed: 0,
        }
    }

    /// Decides whether to log now. Returns `Some(n)` with the number of
    /// events suppressed since the last line, or `None` to stay quiet.
    pub fn check(&mut self, now: Instant) -> Option<u64> {
        match self.last {
            Some(last) if now.duration_since(last) < self.interval => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }

    /// Logs `msg` at warn level unless throttled.
    pub fn warn(&mut self, msg: impl FnOnce() -> String) {
        if let Some(suppressed) = self.check(Instant::now()) {
            if suppressed > 0 {
                log::warn!("{} ({suppressed} similar suppressed)", msg());
            } else {
                log::warn!("{}", msg());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_first_then_once_per_interval_with_count() {
        let t0 = Instant::now();
        let mut t = LogThrottle::new(Duration::from_secs(1));
        assert_eq!(t.check(t0), Some(0));
        assert_eq!(t.check(t0 + Duration::from_millis(10)), None);
        assert_eq!(t.check(t0 + Duration::from_millis(20)), None);
        assert_eq!(t.check(t0 + Duration::from_millis(1001)), Some(2));
        assert_eq!(t.check(t0 + Duration::from_millis(1002)), None);
    }
}
