//! [`ConnDeadline`]: when a server connection has overstayed — it
//! completed no frame for `idle_timeout`, or it began a frame and did not
//! finish it within `frame_timeout` (a peer trickling bytes). Pure: the
//! connection reports its reads with the time, a periodic sweep asks.

use std::time::{Duration, Instant};

/// Why a server closed a connection on its own: the label of its counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeoutReason {
    /// No complete frame for `idle_timeout`.
    Idle,
    /// A frame begun and not finished within `frame_timeout`.
    Frame,
}

impl TimeoutReason {
    /// Every reason, in a fixed order (for metrics).
    pub const ALL: [TimeoutReason; 2] = [TimeoutReason::Idle, TimeoutReason::Frame];

    /// The reason as a metric label: `idle`, `frame_timeout`.
    pub fn label(self) -> &'static str {
        match self {
            TimeoutReason::Idle => "idle",
            TimeoutReason::Frame => "frame_timeout",
        }
    }
}

/// The limits a sweep applies; `None` turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ConnTimeouts {
    pub idle: Option<Duration>,
    pub frame: Option<Duration>,
}

impl ConnTimeouts {
    /// How often to look: a quarter of the shortest limit, between 10 ms
    /// and 1 s, so a connection is closed at most that late. `None` when
    /// both limits are off.
    pub fn sweep_period(&self) -> Option<Duration> {
        let shortest = match (self.idle, self.frame) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => return None,
        };
        Some((shortest / 4).clamp(Duration::from_millis(10), Duration::from_secs(1)))
    }
}

/// The times that decide a connection's deadlines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnDeadline {
    /// The last complete frame (or the connection's start, or the end of a
    /// pause in reading).
    last_frame: Instant,
    /// When the unfinished frame in the input buffer began, if one did.
    partial_since: Option<Instant>,
}

impl ConnDeadline {
    /// A connection opened at `now`.
    pub fn new(now: Instant) -> ConnDeadline {
        ConnDeadline {
            last_frame: now,
            partial_since: None,
        }
    }

    /// After a read at `now`: whether it completed at least one frame and
    /// whether an unfinished frame is left in the buffer.
    pub fn after_read(&mut self, now: Instant, completed: bool, partial_left: bool) {
        if completed {
            self.last_frame = now;
            self.partial_since = partial_left.then_some(now);
        } else if partial_left && self.partial_since.is_none() {
            self.partial_since = Some(now);
        }
    }

    /// Reading resumes at `now` after a pause the server chose: the pause
    /// counts neither as idleness nor as a slow frame.
    pub fn resumed(&mut self, now: Instant) {
        self.last_frame = now;
        if self.partial_since.is_some() {
            self.partial_since = Some(now);
        }
    }

    /// Whether the connection has overstayed at `now`, and why (an
    /// unfinished frame is named before idleness).
    pub fn expired(&self, now: Instant, limits: ConnTimeouts) -> Option<TimeoutReason> {
        let over = |since: Instant, limit: Option<Duration>| {
            limit.is_some_and(|l| now.saturating_duration_since(since) >= l)
        };
        if self.partial_since.is_some_and(|p| over(p, limits.frame)) {
            Some(TimeoutReason::Frame)
        } else if over(self.last_frame, limits.idle) {
            Some(TimeoutReason::Idle)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);
    const LIMITS: ConnTimeouts = ConnTimeouts {
        idle: Some(Duration::from_secs(60)),
        frame: Some(Duration::from_secs(10)),
    };

    #[test]
    fn idle_counts_from_the_last_complete_frame() {
        let t0 = Instant::now();
        let mut d = ConnDeadline::new(t0);
        assert_eq!(d.expired(t0 + 59 * S, LIMITS), None);
        assert_eq!(d.expired(t0 + 60 * S, LIMITS), Some(TimeoutReason::Idle));
        d.after_read(t0 + 50 * S, true, false);
        assert_eq!(d.expired(t0 + 109 * S, LIMITS), None);
        assert_eq!(d.expired(t0 + 110 * S, LIMITS), Some(TimeoutReason::Idle));
        let off = ConnTimeouts {
            idle: None,
            ..LIMITS
        };
        assert_eq!(d.expired(t0 + 10_000 * S, off), None);
    }

    #[test]
    fn a_trickled_frame_times_out_from_its_first_byte() {
        let t0 = Instant::now();
        let mut d = ConnDeadline::new(t0);
        d.after_read(t0 + S, false, true);
        d.after_read(t0 + 5 * S, false, true);
        d.after_read(t0 + 9 * S, false, true);
        assert_eq!(d.expired(t0 + 10 * S, LIMITS), None);
        assert_eq!(d.expired(t0 + 11 * S, LIMITS), Some(TimeoutReason::Frame));
        let off = ConnTimeouts {
            frame: None,
            ..LIMITS
        };
        assert_eq!(d.expired(t0 + 11 * S, off), None);
    }

    #[test]
    fn a_completed_frame_restarts_the_clock_of_the_next_one() {
        let t0 = Instant::now();
        let mut d = ConnDeadline::new(t0);
        d.after_read(t0, false, true);
        d.after_read(t0 + 8 * S, true, true);
        assert_eq!(d.expired(t0 + 17 * S, LIMITS), None);
        assert_eq!(d.expired(t0 + 18 * S, LIMITS), Some(TimeoutReason::Frame));
        d.after_read(t0 + 17 * S, true, false);
        assert_eq!(d.expired(t0 + 30 * S, LIMITS), None, "nothing unfinished");
    }

    #[test]
    fn a_pause_counts_as_neither() {
        let t0 = Instant::now();
        let mut d = ConnDeadline::new(t0);
        d.after_read(t0, false, true);
        d.resumed(t0 + 100 * S);
        assert_eq!(d.expired(t0 + 109 * S, LIMITS), None);
        assert_eq!(d.expired(t0 + 110 * S, LIMITS), Some(TimeoutReason::Frame));
    }

    #[test]
    fn sweeps_look_four_times_per_shortest_limit_within_bounds() {
        assert_eq!(LIMITS.sweep_period(), Some(S));
        let short = ConnTimeouts {
            idle: Some(Duration::from_millis(200)),
            frame: None,
        };
        assert_eq!(short.sweep_period(), Some(Duration::from_millis(50)));
        let tiny = ConnTimeouts {
            idle: None,
            frame: Some(Duration::from_millis(8)),
        };
        assert_eq!(tiny.sweep_period(), Some(Duration::from_millis(10)));
        assert_eq!(ConnTimeouts::default().sweep_period(), None);
    }
}
