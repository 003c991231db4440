//! [`PeakEwma`]: a host's latency estimate for the `ewma` policy
//! (docs/LOAD_BALANCING.md §10), as in Finagle, linkerd and tower's
//! `PeakEwma`: a new sample above the estimate replaces it at once (the
//! peak), one below pulls it down with weight `1 - exp(-Δt/τ)`, and between
//! samples the estimate decays towards zero, so a host that was slow once
//! is tried again after a while. Pure: time is passed in.

/// A latency sample: how long a call took, and when it was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Latency {
    /// The call's duration in microseconds.
    pub micros: u32,
    /// When it was reported, in milliseconds of the same clock as `now`.
    pub at_ms: u64,
}

/// A decaying peak estimate of one host's latency, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PeakEwma {
    /// The estimate at `at_ms`; 0 before the first sample.
    micros: f64,
    at_ms: u64,
    sampled: bool,
}

impl PeakEwma {
    /// Folds in `sample`, with decay time `decay_ms`.
    pub fn record(&mut self, sample: Latency, decay_ms: u64) {
        let value = f64::from(sample.micros);
        if !self.sampled {
            *self = PeakEwma {
                micros: value,
                at_ms: sample.at_ms,
                sampled: true,
            };
            return;
        }
        // As tower's `PeakEwma`: a peak above the last estimate replaces it;
        // a lower sample is mixed in with the weight of the time since.
        self.micros = if value > self.micros {
            value
        } else {
            let w = decay(sample.at_ms.saturating_sub(self.at_ms), decay_ms);
            self.micros * w + value * (1.0 - w)
        };
        self.at_ms = self.at_ms.max(sample.at_ms);
    }

    /// The estimate at `now_ms`, decayed since the last sample; `None`
    /// before the first sample.
    pub fn estimate(&self, now_ms: u64, decay_ms: u64) -> Option<f64> {
        self.sampled.then(|| self.at(now_ms, decay_ms))
    }

    fn at(&self, now_ms: u64, decay_ms: u64) -> f64 {
        self.micros * decay(now_ms.saturating_sub(self.at_ms), decay_ms)
    }
}

/// `exp(-elapsed / decay)`: the weight an estimate keeps after `elapsed`.
fn decay(elapsed_ms: u64, decay_ms: u64) -> f64 {
    (-(elapsed_ms as f64) / decay_ms.max(1) as f64).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(micros: u32, at_ms: u64) -> Latency {
        Latency { micros, at_ms }
    }

    #[test]
    fn the_first_sample_is_the_estimate_and_peaks_replace_it() {
        let mut e = PeakEwma::default();
        assert_eq!(e.estimate(0, 10_000), None);
        e.record(at(1_000, 0), 10_000);
        assert_eq!(e.estimate(0, 10_000), Some(1_000.0));
        e.record(at(5_000, 0), 10_000);
        assert_eq!(e.estimate(0, 10_000), Some(5_000.0), "a peak wins at once");
    }

    #[test]
    fn lower_samples_pull_it_down_with_the_time_between_them() {
        let mut e = PeakEwma::default();
        e.record(at(10_000, 0), 10_000);
        // Same instant: a lower sample has no weight yet.
        e.record(at(1_000, 0), 10_000);
        assert_eq!(e.estimate(0, 10_000), Some(10_000.0));
        // One decay time later the old estimate keeps weight 1/e and the
        // sample gets 1 - 1/e: 10000/e + 1000 * (1 - 1/e).
        e.record(at(1_000, 10_000), 10_000);
        let want = 10_000.0 / std::f64::consts::E + 1_000.0 * (1.0 - 1.0 / std::f64::consts::E);
        assert!((e.estimate(10_000, 10_000).unwrap() - want).abs() < 1e-6);
    }

    #[test]
    fn without_samples_the_estimate_decays_towards_zero() {
        let mut e = PeakEwma::default();
        e.record(at(50_000, 0), 10_000);
        let later = e.estimate(30_000, 10_000).unwrap();
        assert!((later - 50_000.0 * (-3.0f64).exp()).abs() < 1e-6, "{later}");
    }
}
