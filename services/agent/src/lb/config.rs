//! The `[loadbalance]` tunables of the agent (docs/LOAD_BALANCING.md §1)
//! and their checks.
//!
//! Loading them from `conf/lars_lb_agent.conf` is the agent's job; this file
//! only holds the values, the documented defaults and [`LbConfig::validate`].

/// Tunables of the load-balancing algorithm.
///
/// The defaults are the values of the original's conf file (not the
/// different fallbacks hard-coded in the original's code).
/// Times are whole seconds, like the `now` every method of the core takes.
#[derive(Debug, Clone, PartialEq)]
pub struct LbConfig {
    /// After this many picks from the idle list while some hosts are
    /// overloaded, the next pick probes one overloaded host.
    pub probe_num: u32,
    /// Virtual successes a host starts (and restarts) idle with, so a few
    /// early failures do not overload it.
    pub init_succ_cnt: u32,
    /// Virtual errors a host starts overloaded with.
    pub init_err_cnt: u32,
    /// Idle → overload when `verr / (vsucc + verr)` exceeds this.
    pub err_rate: f64,
    /// Overload → idle when `vsucc / (vsucc + verr)` exceeds this.
    pub succ_rate: f64,
    /// Idle → overload after this many consecutive errors.
    pub contin_err_limit: u32,
    /// Overload → idle after this many consecutive successes.
    pub contin_succ_limit: u32,
    /// Idle → overload when, at the end of an idle window,
    /// `rerr / (rsucc + rerr)` is at least this.
    pub window_err_rate: f64,
    /// Seconds: length of an idle host's statistics window.
    pub idle_timeout: u64,
    /// Seconds an overloaded host stays overloaded at most.
    pub overload_timeout: u64,
    /// Seconds after which a module's route is re-pulled from DNS.
    pub update_timeout: u64,
    /// Seconds: the decay time of the `ewma` policy's latency estimates.
    pub ewma_decay: u64,
}

impl Default for LbConfig {
    fn default() -> Self {
        LbConfig {
            probe_num: 10,
            init_succ_cnt: 180,
            init_err_cnt: 5,
            err_rate: 0.1,
            succ_rate: 0.5,
            contin_err_limit: 15,
            contin_succ_limit: 15,
            window_err_rate: 0.7,
            idle_timeout: 15,
            overload_timeout: 15,
            update_timeout: 15,
            ewma_decay: 10,
        }
    }
}

/// A tunable whose value the algorithm cannot work with.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("[loadbalance] {key} = {value}: {reason}")]
pub struct LbConfigError {
    /// The key as it appears in the `[loadbalance]` section.
    pub key: &'static str,
    /// The value, as text.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl LbConfig {
    /// Checks that the values make sense for the algorithm.
    ///
    /// Rates must lie in `[0, 1]` (and not be NaN); `probe_num`,
    /// `init_succ_cnt`, both consecutive limits, all three timeouts and
    /// `ewma_decay` must be greater than 0. The error names the offending key as it appears
    /// in the `[loadbalance]` section, with its value.
    ///
    /// ```
    /// use lars_agent::lb::LbConfig;
    /// assert!(LbConfig::default().validate().is_ok());
    /// let bad = LbConfig { err_rate: 1.5, ..LbConfig::default() };
    /// assert_eq!(bad.validate().unwrap_err().key, "err_rate");
    /// ```
    pub fn validate(&self) -> Result<(), LbConfigError> {
        let rates = [
            ("err_rate", self.err_rate),
            ("succ_rate", self.succ_rate),
            ("window_err_rate", self.window_err_rate),
        ];
        for (key, value) in rates {
            if !(0.0..=1.0).contains(&value) {
                return Err(LbConfigError {
                    key,
                    value: value.to_string(),
                    reason: "must be a rate between 0 and 1",
                });
            }
        }
        let counts = [
            ("probe_num", u64::from(self.probe_num)),
            ("init_succ_cnt", u64::from(self.init_succ_cnt)),
            ("contin_err_limit", u64::from(self.contin_err_limit)),
            ("contin_succ_limit", u64::from(self.contin_succ_limit)),
            ("idle_timeout", self.idle_timeout),
            ("overload_timeout", self.overload_timeout),
            ("update_timeout", self.update_timeout),
            ("ewma_decay", self.ewma_decay),
        ];
        for (key, value) in counts {
            if value == 0 {
                return Err(LbConfigError {
                    key,
                    value: "0".to_string(),
                    reason: "must be greater than 0",
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_conf_file_values() {
        let c = LbConfig::default();
        assert_eq!((c.probe_num, c.init_succ_cnt, c.init_err_cnt), (10, 180, 5));
        assert_eq!(
            (c.err_rate, c.succ_rate, c.window_err_rate),
            (0.1, 0.5, 0.7)
        );
        assert_eq!((c.contin_err_limit, c.contin_succ_limit), (15, 15));
        assert_eq!(
            (c.idle_timeout, c.overload_timeout, c.update_timeout),
            (15, 15, 15)
        );
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn rates_outside_unit_interval_are_rejected_by_name() {
        let base = LbConfig::default();
        let cases = [
            (
                LbConfig {
                    err_rate: -0.1,
                    ..base.clone()
                },
                "err_rate",
            ),
            (
                LbConfig {
                    succ_rate: 1.01,
                    ..base.clone()
                },
                "succ_rate",
            ),
            (
                LbConfig {
                    window_err_rate: f64::NAN,
                    ..base.clone()
                },
                "window_err_rate",
            ),
        ];
        for (cfg, key) in cases {
            let err = cfg.validate().unwrap_err();
            assert_eq!(err.key, key);
            assert!(
                err.to_string()
                    .starts_with(&format!("[loadbalance] {key} = ")),
                "{err}"
            );
        }
        let edges = LbConfig {
            err_rate: 0.0,
            succ_rate: 1.0,
            ..base
        };
        assert_eq!(edges.validate(), Ok(()));
    }

    #[test]
    fn zero_counts_and_timeouts_are_rejected_by_name() {
        let base = LbConfig::default();
        let cases = [
            (
                LbConfig {
                    probe_num: 0,
                    ..base.clone()
                },
                "probe_num",
            ),
            (
                LbConfig {
                    init_succ_cnt: 0,
                    ..base.clone()
                },
                "init_succ_cnt",
            ),
            (
                LbConfig {
                    contin_err_limit: 0,
                    ..base.clone()
                },
                "contin_err_limit",
            ),
            (
                LbConfig {
                    contin_succ_limit: 0,
                    ..base.clone()
                },
                "contin_succ_limit",
            ),
            (
                LbConfig {
                    idle_timeout: 0,
                    ..base.clone()
                },
                "idle_timeout",
            ),
            (
                LbConfig {
                    overload_timeout: 0,
                    ..base.clone()
                },
                "overload_timeout",
            ),
            (
                LbConfig {
                    update_timeout: 0,
                    ..base.clone()
                },
                "update_timeout",
            ),
        ];
        for (cfg, key) in cases {
            let err = cfg.validate().unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("[loadbalance] {key} = 0: must be greater than 0")
            );
        }
        // init_err_cnt = 0 is allowed: an overloaded host then recovers on
        // its first success, which is a legitimate (if eager) setting.
        assert_eq!(
            LbConfig {
                init_err_cnt: 0,
                ..base
            }
            .validate(),
            Ok(())
        );
    }
}
