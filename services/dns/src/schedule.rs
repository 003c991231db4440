//! When to reload the routes: on a version change, and every
//! `reload_interval` regardless. Pure: time and version are inputs.

use std::time::{Duration, Instant};

/// What the refresher should do after reading the store's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// Nothing changed and no full reload is due.
    Nothing,
    /// Reload the routes; `version_changed` says whether to also read and
    /// clear `RouteChange`.
    Reload {
        /// The version to load at.
        version: u64,
        /// Whether it differs from the loaded one.
        version_changed: bool,
    },
}

/// Tracks the loaded version and the time of the last full load.
#[derive(Debug, Clone)]
pub struct RefreshSchedule {
    reload_interval: Duration,
    loaded_version: u64,
    loaded_at: Instant,
}

impl RefreshSchedule {
    /// Starts from a load of `version` done at `now`.
    pub fn new(reload_interval: Duration, version: u64, now: Instant) -> RefreshSchedule {
        RefreshSchedule {
            reload_interval,
            loaded_version: version,
            loaded_at: now,
        }
    }

    /// Decides from the store's current `version`.
    pub fn decide(&self, version: u64, now: Instant) -> Refresh {
        let version_changed = version != self.loaded_version;
        if version_changed || now.duration_since(self.loaded_at) >= self.reload_interval {
            Refresh::Reload {
                version,
                version_changed,
            }
        } else {
            Refresh::Nothing
        }
    }

    /// Records a successful load; a failed one is not recorded, so the next
    /// poll tries again.
    pub fn loaded(&mut self, version: u64, now: Instant) {
        self.loaded_version = version;
        self.loaded_at = now;
    }

    /// The version last loaded.
    pub fn loaded_version(&self) -> u64 {
        self.loaded_version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reloads_on_version_change_and_periodically() {
        let t0 = Instant::now();
        let ten = Duration::from_secs(10);
        let mut s = RefreshSchedule::new(ten, 5, t0);
        assert_eq!(s.decide(5, t0 + Duration::from_secs(1)), Refresh::Nothing);
        assert_eq!(
            s.decide(6, t0 + Duration::from_secs(1)),
            Refresh::Reload {
                version: 6,
                version_changed: true
            }
        );
        assert_eq!(
            s.decide(5, t0 + ten),
            Refresh::Reload {
                version: 5,
                version_changed: false
            }
        );
        s.loaded(6, t0 + Duration::from_secs(2));
        assert_eq!(s.decide(6, t0 + Duration::from_secs(3)), Refresh::Nothing);
        assert_eq!(s.loaded_version(), 6);
    }
}
