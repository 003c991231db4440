//! The agent's clocks, read only by the I/O shell: monotonic seconds for
//! the load-balancing windows (immune to wall-clock jumps) and wall-clock
//! seconds for the `ts` of reports.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Monotonic seconds since the agent started.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    start: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Clock {
            start: Instant::now(),
        }
    }
}

impl Clock {
    /// Seconds since start (the `now` the load-balancing core takes).
    pub fn now(&self) -> u64 {
        self.start.elapsed().as_secs()
    }
}

/// Unix time in seconds, for report timestamps.
pub fn wall_secs() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or(0)
}
