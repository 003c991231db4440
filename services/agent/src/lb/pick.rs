//! How each policy chooses among a module's candidate hosts
//! (docs/LOAD_BALANCING.md §10): smooth weighted round robin, power of two
//! choices by latency, plain rotation — over the hosts a predicate accepts
//! (the idle ones, or all of them in panic mode). Pure: time and the random
//! source are passed in.

use std::collections::HashMap;

use super::host::HostStats;
use super::ring::mix64;

/// A small, fast, seeded random source (xorshift64*): each module has its
/// own, seeded from the module's key and the table's seed, so picks are
/// reproducible in tests.
#[derive(Debug, Clone)]
pub struct XorShift64 {
    state: u64,
}

impl XorShift64 {
    /// A source seeded with `seed` (any value, 0 included).
    pub fn new(seed: u64) -> XorShift64 {
        XorShift64 {
            state: mix64(seed) | 1,
        }
    }

    /// The next number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let x = self.state.wrapping_mul(0x2545_f491_4f6c_dd1d);
        ((u128::from(x) * n as u128) >> 64) as usize
    }
}

/// Smooth weighted round robin (nginx's): every candidate's current weight
/// grows by its weight, the largest wins and gives back the candidates'
/// total. Over `sum(weights)` picks from a fresh state each candidate wins
/// exactly `weight` times, spread out rather than in runs.
pub fn smooth_wrr(
    hosts: &mut HashMap<u64, HostStats>,
    candidate: impl Fn(&HostStats) -> bool,
) -> Option<u64> {
    let mut total: i64 = 0;
    let mut best: Option<(u64, i64)> = None;
    for (&key, host) in hosts.iter_mut() {
        if !candidate(host) {
            continue;
        }
        let weight = i64::from(host.weight);
        host.current += weight;
        total += weight;
        if best.is_none_or(|(_, current)| host.current > current) {
            best = Some((key, host.current));
        }
    }
    let (key, _) = best?;
    if let Some(host) = hosts.get_mut(&key) {
        host.current -= total;
    }
    Some(key)
}

/// Power of two choices: two different random candidates (of `count`), the
/// one with the lower latency estimate wins. A candidate without samples
/// counts as the average of those with samples.
pub fn p2c(
    hosts: &HashMap<u64, HostStats>,
    candidate: impl Fn(&HostStats) -> bool,
    count: usize,
    rng: &mut XorShift64,
    now_ms: u64,
    decay_ms: u64,
) -> Option<u64> {
    if count == 0 {
        return None;
    }
    let first = rng.below(count);
    if count == 1 {
        return nth(hosts, &candidate, first);
    }
    // A second index different from the first, uniformly.
    let mut second = rng.below(count - 1);
    if second >= first {
        second += 1;
    }
    let mut picked = [None, None];
    for (i, (&key, host)) in hosts.iter().filter(|(_, h)| candidate(h)).enumerate() {
        if i == first {
            picked[0] = Some((key, host));
        } else if i == second {
            picked[1] = Some((key, host));
        }
    }
    let estimate = |host: &HostStats| host.latency.estimate(now_ms, decay_ms);
    match picked {
        [Some((a, ha)), Some((b, hb))] => {
            let (ea, eb) = match (estimate(ha), estimate(hb)) {
                (Some(ea), Some(eb)) => (ea, eb),
                // Only when a host has no samples: the average of the
                // candidates that have some stands in for it.
                (ea, eb) => {
                    let average = average_estimate(hosts, &candidate, now_ms, decay_ms);
                    (ea.unwrap_or(average), eb.unwrap_or(average))
                }
            };
            Some(if eb < ea { b } else { a })
        }
        [Some((a, _)), None] | [None, Some((a, _))] => Some(a),
        [None, None] => None,
    }
}

/// The mean latency estimate of the candidates that have one; 0 if none.
fn average_estimate(
    hosts: &HashMap<u64, HostStats>,
    candidate: impl Fn(&HostStats) -> bool,
    now_ms: u64,
    decay_ms: u64,
) -> f64 {
    let (sum, known) = hosts
        .values()
        .filter(|h| candidate(h))
        .filter_map(|h| h.latency.estimate(now_ms, decay_ms))
        .fold((0.0, 0u32), |(sum, n), e| (sum + e, n + 1));
    if known > 0 {
        sum / f64::from(known)
    } else {
        0.0
    }
}

/// The `n`-th candidate in the map's (stable) iteration order.
pub fn nth(
    hosts: &HashMap<u64, HostStats>,
    candidate: impl Fn(&HostStats) -> bool,
    n: usize,
) -> Option<u64> {
    hosts
        .iter()
        .filter(|(_, h)| candidate(h))
        .nth(n)
        .map(|(&key, _)| key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lb::latency::Latency;
    use crate::lb::LbConfig;

    fn hosts(weights: &[u32]) -> HashMap<u64, HostStats> {
        weights
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                let mut h = HostStats::new(0, &LbConfig::default());
                h.weight = w;
                (i as u64 + 1, h)
            })
            .collect()
    }

    #[test]
    fn smooth_wrr_gives_each_host_its_weight_per_cycle_without_runs() {
        let mut hs = hosts(&[5, 1, 1]);
        let picks: Vec<u64> = (0..7)
            .map(|_| smooth_wrr(&mut hs, |_| true).unwrap())
            .collect();
        let count = |k| picks.iter().filter(|&&p| p == k).count();
        assert_eq!((count(1), count(2), count(3)), (5, 1, 1));
        // nginx's sequence for 5/1/1 never picks the heavy host 5 times in a row.
        assert!(
            picks.windows(4).all(|w| w.iter().any(|&p| p != 1)),
            "{picks:?}"
        );
        assert!(
            hs.values().all(|h| h.current == 0),
            "a full cycle ends where it began"
        );
    }

    #[test]
    fn smooth_wrr_skips_hosts_that_are_not_candidates() {
        let mut hs = hosts(&[1, 1, 1]);
        hs.get_mut(&2).unwrap().overload = true;
        let picks: Vec<u64> = (0..4)
            .map(|_| smooth_wrr(&mut hs, |h| !h.overload).unwrap())
            .collect();
        assert!(!picks.contains(&2));
        assert_eq!(smooth_wrr(&mut hs, |_| false), None);
    }

    #[test]
    fn p2c_prefers_the_faster_of_two_and_treats_unknown_as_average() {
        let mut hs = hosts(&[1, 1, 1]);
        let sample = |micros| Latency { micros, at_ms: 0 };
        hs.get_mut(&1)
            .unwrap()
            .latency
            .record(sample(1_000), 10_000);
        hs.get_mut(&2)
            .unwrap()
            .latency
            .record(sample(50_000), 10_000);
        // Host 3 has no sample: it counts as (1000 + 50000) / 2.
        let mut rng = XorShift64::new(7);
        let mut wins = [0; 4];
        for _ in 0..3_000 {
            let k = p2c(&hs, |_| true, 3, &mut rng, 0, 10_000).unwrap();
            wins[k as usize] += 1;
        }
        // Pairs are equally likely: 1 wins both of its pairs, 3 beats 2.
        assert!(wins[1] > 1_800, "{wins:?}");
        assert!(wins[2] == 0, "{wins:?}");
        assert!(wins[3] > 800, "{wins:?}");
    }

    #[test]
    fn p2c_of_one_candidate_is_it_and_of_none_is_nothing() {
        let hs = hosts(&[1, 2]);
        let mut rng = XorShift64::new(1);
        assert_eq!(p2c(&hs, |h| h.weight == 3, 0, &mut rng, 0, 1), None);
        for _ in 0..10 {
            assert_eq!(p2c(&hs, |h| h.weight == 2, 1, &mut rng, 0, 1), Some(2));
        }
    }

    #[test]
    fn the_random_source_stays_below_its_bound_and_covers_it() {
        let mut rng = XorShift64::new(0);
        let mut seen = [0; 5];
        for _ in 0..5_000 {
            seen[rng.below(5)] += 1;
        }
        assert!(seen.iter().all(|&n| n > 800), "{seen:?}");
    }
}
