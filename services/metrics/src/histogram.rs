//! [`AtomicHistogram`]: a histogram of durations that a request path can
//! update with a few relaxed atomic adds (no lock), and that the scrape
//! thread reads as a [`HistogramSnapshot`].

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Bucket bounds, in seconds, for the handling time of one request:
/// 1 µs to 10 ms.
pub const REQUEST_BUCKETS: &[f64] = &[
    0.000_001, 0.000_002, 0.000_005, 0.000_01, 0.000_02, 0.000_05, 0.000_1, 0.000_2, 0.000_5,
    0.001, 0.002, 0.005, 0.01,
];

/// Bucket bounds, in seconds, for slow operations (a store reload, a
/// flush): 1 ms to 30 s.
pub const OPERATION_BUCKETS: &[f64] = &[
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0,
];

/// A histogram with fixed bucket bounds. `observe` costs a short scan of
/// the bounds and three relaxed atomic adds; readers may see a sample in
/// `count` a moment before its bucket, which a scrape tolerates.
#[derive(Debug)]
pub struct AtomicHistogram {
    bounds: &'static [f64],
    /// One counter per bound, then one for samples above every bound.
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl AtomicHistogram {
    /// An empty histogram with upper bounds `bounds` (seconds, ascending).
    pub fn new(bounds: &'static [f64]) -> AtomicHistogram {
        AtomicHistogram {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }

    /// Records one sample.
    pub fn observe(&self, value: Duration) {
        let seconds = value.as_secs_f64();
        let index = self
            .bounds
            .iter()
            .position(|&bound| seconds <= bound)
            .unwrap_or(self.bounds.len());
        self.buckets[index].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(value.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The counts so far.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut buckets: Vec<(f64, u64)> = self
            .bounds
            .iter()
            .zip(self.buckets.iter())
            .map(|(&bound, n)| (bound, n.load(Ordering::Relaxed)))
            .collect();
        let above = self.buckets[self.bounds.len()].load(Ordering::Relaxed);
        // prometheus-client writes f64::MAX as the `+Inf` bucket.
        buckets.push((f64::MAX, above));
        HistogramSnapshot {
            count: buckets.iter().map(|(_, n)| n).sum(),
            sum_seconds: self.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9,
            buckets,
        }
    }
}

/// A histogram's counts at one moment: per bucket (not cumulative), the
/// last bucket being `+Inf`.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// Samples counted.
    pub count: u64,
    /// Their sum, in seconds.
    pub sum_seconds: f64,
    /// (upper bound in seconds, samples in this bucket only).
    pub buckets: Vec<(f64, u64)>,
}

impl HistogramSnapshot {
    /// Adds `other`'s counts (a histogram with the same bounds) to these.
    pub fn merge(&mut self, other: &HistogramSnapshot) {
        self.count += other.count;
        self.sum_seconds += other.sum_seconds;
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            mine.1 += theirs.1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_land_in_the_first_bucket_that_holds_them() {
        static BOUNDS: &[f64] = &[0.001, 0.01];
        let h = AtomicHistogram::new(BOUNDS);
        h.observe(Duration::from_micros(500));
        h.observe(Duration::from_millis(1));
        h.observe(Duration::from_millis(5));
        h.observe(Duration::from_secs(2));
        let snap = h.snapshot();
        assert_eq!(snap.buckets, vec![(0.001, 2), (0.01, 1), (f64::MAX, 1)]);
        assert_eq!(snap.count, 4);
        assert!(
            (snap.sum_seconds - 2.0065).abs() < 1e-9,
            "{}",
            snap.sum_seconds
        );
        let mut twice = snap.clone();
        twice.merge(&snap);
        assert_eq!(twice.buckets, vec![(0.001, 4), (0.01, 2), (f64::MAX, 2)]);
        assert_eq!(twice.count, 8);
    }
}
