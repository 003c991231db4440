//! [`ReconnectBackoff`]: how long a [`TcpClient`](crate::TcpClient) waits
//! before it connects again. Pure: the time is an argument and the jitter
//! comes from a seeded generator, so the rules are tested without sockets.
//!
//! * Every failed attempt, and every connection that dies young (lived
//!   less than `stable_after`), doubles the delay up to `max`: a server
//!   that accepts and closes at once is not hammered.
//! * A connection that lived at least `stable_after` starts over at `min`.
//! * Each delay is drawn between half the current step and the whole of
//!   it ("equal jitter"), so many clients that lost the same server do not
//!   come back in step.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

/// Reconnect delays of one client. Loop thread only.
///
/// ```
/// use std::time::{Duration, Instant};
/// use lars_reactor::ReconnectBackoff;
///
/// let ms = Duration::from_millis;
/// let mut b = ReconnectBackoff::new(ms(100), ms(5000), Duration::from_secs(10), 7);
/// let t0 = Instant::now();
/// b.connected(t0);
/// let first = b.closed(t0 + ms(5)); // died young
/// b.connected(t0 + ms(200));
/// let second = b.closed(t0 + ms(205)); // died young again: a longer wait
/// assert!(first >= ms(50) && first <= ms(100), "{first:?}");
/// assert!(second >= ms(100) && second <= ms(200), "{second:?}");
/// ```
#[derive(Debug, Clone)]
pub struct ReconnectBackoff {
    min: Duration,
    max: Duration,
    stable_after: Duration,
    /// The next step before jitter.
    step: Duration,
    connected_at: Option<Instant>,
    rng: u64,
}

impl ReconnectBackoff {
    /// Steps from `min` doubling to `max` (at least `min`); a connection
    /// that lived `stable_after` resets them. `seed` drives the jitter.
    pub fn new(
        min: Duration,
        max: Duration,
        stable_after: Duration,
        seed: u64,
    ) -> ReconnectBackoff {
        ReconnectBackoff {
            min,
            max: max.max(min),
            stable_after,
            step: min,
            connected_at: None,
            rng: seed,
        }
    }

    /// Like [`new`](Self::new) with a seed that differs from process to
    /// process and from client to client.
    pub fn with_random_seed(
        min: Duration,
        max: Duration,
        stable_after: Duration,
    ) -> ReconnectBackoff {
        let seed = RandomState::new().build_hasher().finish();
        ReconnectBackoff::new(min, max, stable_after, seed)
    }

    /// A connect attempt failed: the delay before the next one.
    pub fn failed(&mut self) -> Duration {
        self.connected_at = None;
        self.next_delay()
    }

    /// A connection was established at `now`.
    pub fn connected(&mut self, now: Instant) {
        self.connected_at = Some(now);
    }

    /// The connection closed at `now`: the delay before connecting again.
    /// Only a connection that lived `stable_after` starts the steps over.
    pub fn closed(&mut self, now: Instant) -> Duration {
        if let Some(since) = self.connected_at.take() {
            if now.saturating_duration_since(since) >= self.stable_after {
                self.step = self.min;
            }
        }
        self.next_delay()
    }

    /// The current step, drawn in `[step / 2, step]`; the step doubles.
    fn next_delay(&mut self) -> Duration {
        let step = self.step;
        self.step = (self.step * 2).min(self.max);
        let half = step / 2;
        let spread = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
        let extra = if spread == 0 {
            0
        } else {
            self.next_random() % (spread + 1)
        };
        half + Duration::from_nanos(extra)
    }

    /// SplitMix64.
    fn next_random(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn backoff(seed: u64) -> ReconnectBackoff {
        ReconnectBackoff::new(100 * MS, 1000 * MS, 10_000 * MS, seed)
    }

    /// Each delay lies in [step / 2, step] for steps 100, 200, 400, 800,
    /// 1000, 1000 ms.
    fn assert_steps(delays: &[Duration]) {
        let steps = [100, 200, 400, 800, 1000, 1000];
        for (d, step) in delays.iter().zip(steps) {
            assert!(*d >= step / 2 * MS && *d <= step * MS, "{delays:?}");
        }
    }

    #[test]
    fn failed_attempts_double_to_the_cap() {
        let mut b = backoff(1);
        let delays: Vec<Duration> = (0..6).map(|_| b.failed()).collect();
        assert_steps(&delays);
    }

    #[test]
    fn connections_that_die_young_keep_backing_off() {
        let t0 = Instant::now();
        let mut b = backoff(2);
        let mut delays = Vec::new();
        let mut now = t0;
        for _ in 0..6 {
            b.connected(now);
            now += 50 * MS; // accepted, then closed at once
            delays.push(b.closed(now));
            now += 1000 * MS;
        }
        assert_steps(&delays);
    }

    #[test]
    fn a_stable_connection_starts_over() {
        let t0 = Instant::now();
        let mut b = backoff(3);
        for _ in 0..4 {
            b.failed();
        }
        b.connected(t0);
        let after_stable = b.closed(t0 + 10_000 * MS);
        assert!(
            after_stable >= 50 * MS && after_stable <= 100 * MS,
            "{after_stable:?}"
        );
        let next = b.failed();
        assert!(next >= 100 * MS && next <= 200 * MS, "{next:?}");
        b.connected(t0 + 20_000 * MS);
        let young = b.closed(t0 + 29_999 * MS);
        assert!(
            young >= 200 * MS && young <= 400 * MS,
            "just short of stable: {young:?}"
        );
    }

    #[test]
    fn jitter_spreads_clients_and_a_seed_repeats() {
        let at_cap = |seed| {
            let mut b = backoff(seed);
            (0..5).for_each(|_| {
                b.failed();
            });
            (0..8).map(|_| b.failed()).collect::<Vec<_>>()
        };
        assert_eq!(at_cap(9), at_cap(9));
        assert_ne!(at_cap(9), at_cap(10));
        let delays = at_cap(11);
        assert!(delays.iter().all(|d| *d >= 500 * MS && *d <= 1000 * MS));
        assert!(delays.windows(2).any(|w| w[0] != w[1]), "{delays:?}");
    }
}
