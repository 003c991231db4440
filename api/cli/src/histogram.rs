//! [`Histogram`]: a fixed-size log-linear latency histogram for the `qps`
//! tool. Recording is one index computation and one increment, with no
//! allocation; values below 128 are exact, larger ones are kept within
//! 1/64 (1.6 %) of their value.

/// Values below this are counted exactly, one bucket per value.
const EXACT: u64 = 128;
/// log2 of the buckets per power of two above [`EXACT`].
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Buckets: the exact ones, then 64 per power of two from 2^7 to 2^63.
const BUCKETS: usize = EXACT as usize + (64 - 7) * SUB as usize;

/// Counts of values (nanoseconds, in `qps`) in log-linear buckets.
///
/// ```
/// let mut h = lars_cli::Histogram::new();
/// for v in 1..=100 {
///     h.record(v);
/// }
/// assert_eq!(h.count(), 100);
/// assert_eq!(h.quantile(0.5), 50);
/// assert_eq!(h.quantile(0.99), 99);
/// assert_eq!(h.max(), 100);
/// ```
#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Histogram {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram (allocates its ~30 KB of buckets once).
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0; BUCKETS].into_boxed_slice(),
            total: 0,
            max: 0,
        }
    }

    /// Counts one value.
    pub fn record(&mut self, value: u64) {
        self.counts[bucket_of(value)] += 1;
        self.total += 1;
        self.max = self.max.max(value);
    }

    /// Adds every count of `other` to this one.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts.iter()) {
            *mine += theirs;
        }
        self.total += other.total;
        self.max = self.max.max(other.max);
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The largest value recorded (0 when empty).
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The value at quantile `q` (0.0..=1.0): the highest value of the
    /// bucket holding the ⌈q·count⌉-th smallest value, never above
    /// [`max`](Self::max). 0 when empty.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (idx, &n) in self.counts.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return bucket_high(idx).min(self.max);
            }
        }
        self.max
    }
}

/// The bucket of `value`.
fn bucket_of(value: u64) -> usize {
    if value < EXACT {
        return value as usize;
    }
    let exp = 63 - value.leading_zeros(); // >= 7
    let shift = exp - SUB_BITS;
    let sub = (value >> shift) - SUB; // 0..64
    EXACT as usize + (exp as usize - 7) * SUB as usize + sub as usize
}

/// The highest value that falls in bucket `idx`.
fn bucket_high(idx: usize) -> u64 {
    if idx < EXACT as usize {
        return idx as u64;
    }
    let rel = idx - EXACT as usize;
    let exp = (rel / SUB as usize) as u32 + 7;
    let sub = (rel % SUB as usize) as u64;
    let shift = exp - SUB_BITS;
    let low = (SUB + sub) << shift;
    low + ((1u64 << shift) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_contiguous_and_cover_u64() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(127), 127);
        assert_eq!(bucket_of(128), 128);
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
        assert_eq!(bucket_high(BUCKETS - 1), u64::MAX);
        for idx in 0..BUCKETS - 1 {
            let high = bucket_high(idx);
            assert_eq!(bucket_of(high), idx);
            assert_eq!(bucket_of(high + 1), idx + 1);
        }
    }

    #[test]
    fn large_values_are_kept_within_a_sixty_fourth() {
        for v in [128u64, 1000, 4_321, 50_000, 1_000_000, 123_456_789] {
            let high = bucket_high(bucket_of(v));
            assert!(high >= v);
            assert!((high - v) as f64 <= v as f64 / 64.0, "{v} -> {high}");
        }
    }

    #[test]
    fn quantiles_of_a_skewed_run() {
        let mut h = Histogram::new();
        for _ in 0..990 {
            h.record(40);
        }
        for _ in 0..9 {
            h.record(1_000);
        }
        h.record(50_000);
        assert_eq!(h.count(), 1000);
        assert_eq!(h.quantile(0.5), 40);
        assert_eq!(h.quantile(0.99), 40);
        let p999 = h.quantile(0.999);
        assert!((1_000..=1_016).contains(&p999), "{p999}");
        assert_eq!(h.quantile(1.0), 50_000);
        assert_eq!(h.max(), 50_000);
    }

    #[test]
    fn merge_adds_counts_and_keeps_the_max() {
        let mut a = Histogram::new();
        let mut b = Histogram::default();
        assert_eq!(a.quantile(0.5), 0);
        a.record(10);
        b.record(20);
        b.record(30);
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.quantile(0.5), 20);
        assert_eq!(a.max(), 30);
    }
}
