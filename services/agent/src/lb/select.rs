//! A module's pick (docs/LOAD_BALANCING.md §4, §10): the original's rules —
//! probe an overloaded host every `probe_num + 1` picks, answer
//! `RET_OVERLOAD` when every host is overloaded — around a policy's choice
//! among the idle hosts, and panic mode, which chooses among all hosts.

use lars_proto::{HostAddr, Policy, RetCode};

use super::module::{take_head, ModuleLb};
use super::pick::{nth, p2c, smooth_wrr};
use super::ring::key_position;
use super::{HostStats, LbConfig};

/// The answer of a `get_host`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Call this host. `RET_SUCC`.
    Host(HostAddr),
    /// Every host is overloaded and this call is not a probe. `RET_OVERLOAD`.
    Overload,
    /// The module has no hosts (yet), or is not in the table. `RET_NOEXIST`.
    NoExist,
}

impl Pick {
    /// The return code of this answer.
    pub fn retcode(self) -> RetCode {
        match self {
            Pick::Host(_) => RetCode::Succ,
            Pick::Overload => RetCode::Overload,
            Pick::NoExist => RetCode::NoExist,
        }
    }

    /// The host to call, if one was picked.
    pub fn host(self) -> Option<HostAddr> {
        match self {
            Pick::Host(host) => Some(host),
            _ => None,
        }
    }
}

impl ModuleLb {
    /// Picks a host for a request with hash key `key` at `now` (seconds).
    ///
    /// While some hosts are overloaded, every `probe_num + 1`-th pick
    /// probes the head of the overload list (round robin); every other pick
    /// goes to an idle host chosen by the module's policy (`rr`: round
    /// robin, the original's rule). With a panic threshold, when fewer than
    /// that share of the hosts are idle, the policy chooses among all of
    /// them instead.
    pub fn get_host(&mut self, cfg: &LbConfig, key: Option<u64>, now: u64) -> Pick {
        if self.hosts.is_empty() {
            return Pick::NoExist;
        }
        if self.in_panic() {
            self.panic_picks += 1;
            return self.choose(cfg, key, now, false);
        }
        if self.overload.is_empty() {
            return self.pick_idle(cfg, key, now);
        }
        if self.access_cnt >= cfg.probe_num {
            self.access_cnt = 0;
            self.probes += 1;
            return take_head(&mut self.overload);
        }
        self.access_cnt += 1;
        if self.idle.is_empty() {
            Pick::Overload
        } else {
            self.pick_idle(cfg, key, now)
        }
    }

    /// Whether fewer than `panic_threshold` percent of the hosts are idle.
    pub(super) fn in_panic(&self) -> bool {
        let threshold = usize::from(self.policy.panic_threshold);
        threshold > 0 && self.idle.len() * 100 < threshold * self.hosts.len()
    }

    fn pick_idle(&mut self, cfg: &LbConfig, key: Option<u64>, now: u64) -> Pick {
        match self.policy.policy {
            Policy::Rr => take_head(&mut self.idle),
            _ => self.choose(cfg, key, now, true),
        }
    }

    /// The policy's choice among the idle hosts (`idle_only`) or all hosts.
    fn choose(&mut self, cfg: &LbConfig, key: Option<u64>, now: u64, idle_only: bool) -> Pick {
        let candidate = move |h: &HostStats| !idle_only || !h.overload;
        let count = if idle_only {
            self.idle.len()
        } else {
            self.hosts.len()
        };
        let chosen = match (self.policy.policy, key, &self.ring) {
            (Policy::Hash, Some(key), Some((ring, _))) => {
                let hosts = &self.hosts;
                ring.owner(key_position(key), |k| hosts.get(&k).is_some_and(candidate))
            }
            (Policy::Ewma, ..) => {
                let decay_ms = cfg.ewma_decay.saturating_mul(1000);
                let now_ms = now.saturating_mul(1000);
                p2c(
                    &self.hosts,
                    candidate,
                    count,
                    &mut self.rng,
                    now_ms,
                    decay_ms,
                )
            }
            // Only panic mode gets here with rr: a rotation over all hosts.
            (Policy::Rr, ..) => {
                let n = self.panic_cursor % count.max(1);
                self.panic_cursor = self.panic_cursor.wrapping_add(1);
                nth(&self.hosts, candidate, n)
            }
            (Policy::Wrr | Policy::Hash, ..) => smooth_wrr(&mut self.hosts, candidate),
        };
        chosen.map_or(Pick::NoExist, |k| Pick::Host(HostAddr::from_key(k)))
    }
}
