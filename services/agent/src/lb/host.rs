//! One host's call statistics and its idle/overload resets
//! (docs/LOAD_BALANCING.md §3).
//!
//! [`HostStats`] is a plain record: it knows how to count a call and how to
//! judge its own rates, but the list it sits on (idle or overload) belongs to
//! [`ModuleLb`](super::ModuleLb), which is the only code that changes state.

use super::change::StateChange;
use super::latency::PeakEwma;
use super::{CallOutcome, LbConfig};

/// Counters of one host of a module (its address is the key it is kept
/// under).
///
/// The *virtual* counts (`vsucc`, `verr`) drive state changes and start from
/// the configured seeds; the *real* counts (`rsucc`, `rerr`) are the calls
/// seen in the current window and are what the reporter receives.
#[derive(Debug, Clone, PartialEq)]
pub struct HostStats {
    /// The host's weight in the route (1 unless configured).
    pub weight: u32,
    /// Smooth weighted round robin's current weight (`wrr`, `hash` without
    /// a key).
    pub current: i64,
    /// The latency estimate (`ewma`).
    pub latency: PeakEwma,
    /// Virtual successes: seeded with `init_succ_cnt` when idle.
    pub vsucc: u32,
    /// Virtual errors: seeded with `init_err_cnt` when overloaded.
    pub verr: u32,
    /// Real successes reported in the current window.
    pub rsucc: u32,
    /// Real errors reported in the current window.
    pub rerr: u32,
    /// Consecutive successes.
    pub contin_succ: u32,
    /// Consecutive errors.
    pub contin_err: u32,
    /// Whether the host is on the overload list.
    pub overload: bool,
    /// When the current idle window started (seconds).
    pub idle_ts: u64,
    /// When the host was last overloaded (seconds); 0 if never.
    pub overload_ts: u64,
    /// Its last change of state, if it changed since it joined the route.
    pub last_change: Option<StateChange>,
}

impl HostStats {
    /// A host that just joined the route: idle, `vsucc = init_succ_cnt`,
    /// everything else 0, and its window starting *now* (the original starts
    /// it at time 0, so a fresh host's first failure overloads it).
    pub fn new(now: u64, cfg: &LbConfig) -> Self {
        let mut host = HostStats {
            weight: 1,
            current: 0,
            latency: PeakEwma::default(),
            vsucc: 0,
            verr: 0,
            rsucc: 0,
            rerr: 0,
            contin_succ: 0,
            contin_err: 0,
            overload: false,
            idle_ts: 0,
            overload_ts: 0,
            last_change: None,
        };
        host.set_idle(now, cfg);
        host
    }

    /// Resets the host to idle with a fresh window starting at `now`:
    /// `vsucc = init_succ_cnt`, `verr = 0`, real and consecutive counts 0.
    pub fn set_idle(&mut self, now: u64, cfg: &LbConfig) {
        self.vsucc = cfg.init_succ_cnt;
        self.verr = 0;
        self.rsucc = 0;
        self.rerr = 0;
        self.contin_succ = 0;
        self.contin_err = 0;
        self.overload = false;
        self.idle_ts = now;
    }

    /// Resets the host to overloaded since `now`: `vsucc = 0`,
    /// `verr = init_err_cnt`, real and consecutive counts 0.
    pub fn set_overload(&mut self, now: u64, cfg: &LbConfig) {
        self.vsucc = 0;
        self.verr = cfg.init_err_cnt;
        self.rsucc = 0;
        self.rerr = 0;
        self.contin_succ = 0;
        self.contin_err = 0;
        self.overload = true;
        self.overload_ts = now;
    }

    /// Counts one call (docs/LOAD_BALANCING.md §5 step 1). Counters
    /// saturate rather than wrap.
    pub fn record(&mut self, outcome: CallOutcome) {
        if outcome == CallOutcome::Success {
            self.vsucc = self.vsucc.saturating_add(1);
            self.rsucc = self.rsucc.saturating_add(1);
            self.contin_succ = self.contin_succ.saturating_add(1);
            self.contin_err = 0;
        } else {
            self.verr = self.verr.saturating_add(1);
            self.rerr = self.rerr.saturating_add(1);
            self.contin_err = self.contin_err.saturating_add(1);
            self.contin_succ = 0;
        }
    }

    /// Whether an idle host that just failed must be overloaded (step 2):
    /// `verr / (vsucc + verr) > err_rate` or `contin_err >= contin_err_limit`.
    pub fn should_overload(&self, cfg: &LbConfig) -> bool {
        ratio(self.verr, self.vsucc) > cfg.err_rate || self.contin_err >= cfg.contin_err_limit
    }

    /// Whether an overloaded host that just succeeded may go idle (step 3):
    /// `vsucc / (vsucc + verr) > succ_rate` or
    /// `contin_succ >= contin_succ_limit`.
    pub fn should_recover(&self, cfg: &LbConfig) -> bool {
        ratio(self.vsucc, self.verr) > cfg.succ_rate || self.contin_succ >= cfg.contin_succ_limit
    }

    /// Whether the idle window is over: `now - idle_ts >= idle_timeout`.
    pub fn idle_window_over(&self, now: u64, cfg: &LbConfig) -> bool {
        now.saturating_sub(self.idle_ts) >= cfg.idle_timeout
    }

    /// Whether the window's real error rate `rerr / (rsucc + rerr)` is at
    /// least `window_err_rate`. A window without calls is never bad.
    pub fn window_bad(&self, cfg: &LbConfig) -> bool {
        self.rsucc + self.rerr > 0 && ratio(self.rerr, self.rsucc) >= cfg.window_err_rate
    }

    /// Whether the overload has lasted long enough:
    /// `now - overload_ts >= overload_timeout`.
    pub fn overload_over(&self, now: u64, cfg: &LbConfig) -> bool {
        now.saturating_sub(self.overload_ts) >= cfg.overload_timeout
    }
}

/// `part / (part + other)`, 0 when both are 0.
fn ratio(part: u32, other: u32) -> f64 {
    let total = f64::from(part) + f64::from(other);
    if total == 0.0 {
        0.0
    } else {
        f64::from(part) / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_host_is_idle_with_window_starting_now() {
        let cfg = LbConfig::default();
        let h = HostStats::new(1000, &cfg);
        assert!(!h.overload);
        assert_eq!((h.vsucc, h.verr, h.rsucc, h.rerr), (180, 0, 0, 0));
        assert_eq!((h.contin_succ, h.contin_err), (0, 0));
        assert_eq!((h.idle_ts, h.overload_ts), (1000, 0));
        assert!(!h.idle_window_over(1014, &cfg));
        assert!(h.idle_window_over(1015, &cfg));
    }

    #[test]
    fn set_overload_then_set_idle_reset_counts() {
        let cfg = LbConfig::default();
        let mut h = HostStats::new(0, &cfg);
        h.record(CallOutcome::Failure);
        h.record(CallOutcome::Success);
        h.set_overload(50, &cfg);
        assert!(h.overload);
        assert_eq!((h.vsucc, h.verr, h.rsucc, h.rerr), (0, 5, 0, 0));
        assert_eq!((h.contin_succ, h.contin_err, h.overload_ts), (0, 0, 50));
        h.record(CallOutcome::Failure);
        h.set_idle(60, &cfg);
        assert!(!h.overload);
        assert_eq!((h.vsucc, h.verr, h.rsucc, h.rerr), (180, 0, 0, 0));
        assert_eq!((h.contin_err, h.idle_ts, h.overload_ts), (0, 60, 50));
    }

    #[test]
    fn record_counts_and_breaks_streaks() {
        let cfg = LbConfig::default();
        let mut h = HostStats::new(0, &cfg);
        h.record(CallOutcome::Failure);
        h.record(CallOutcome::Failure);
        assert_eq!((h.verr, h.rerr, h.contin_err, h.contin_succ), (2, 2, 2, 0));
        h.record(CallOutcome::Success);
        assert_eq!(
            (h.vsucc, h.rsucc, h.contin_succ, h.contin_err),
            (181, 1, 1, 0)
        );
    }

    #[test]
    fn error_rate_threshold_is_strict_and_window_rate_is_inclusive() {
        let cfg = LbConfig::default();
        let mut h = HostStats::new(0, &cfg);
        h.vsucc = 180;
        h.verr = 20; // 20/200 = 0.1, not above 0.1
        assert!(!h.should_overload(&cfg));
        h.verr = 21;
        assert!(h.should_overload(&cfg));
        h.rerr = 7;
        h.rsucc = 3; // 7/10 = 0.7, at least 0.7
        assert!(h.window_bad(&cfg));
        h.rsucc = 4;
        assert!(!h.window_bad(&cfg));
        h.rsucc = 0;
        h.rerr = 0;
        assert!(!h.window_bad(&cfg), "an empty window is not bad");
    }
}
