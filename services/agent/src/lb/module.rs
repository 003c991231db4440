//! One module's load-balancing state (docs/LOAD_BALANCING.md §3–6): its
//! hosts, the idle and overload lists, the pick, the report rules and route
//! updates.
//!
//! The lists hold host keys in round-robin order: taking the head moves it
//! to the tail, so [`ModuleLb::get_host`] is O(1). A host moves between the
//! lists only when its state changes, which costs a scan of one list; route
//! updates are O(hosts).

use std::collections::{HashMap, VecDeque};

use lars_proto::{HostAddr, ModuleId, RoutePolicy};

use super::change::{ChangeReason, Reported, StateChange};
use super::latency::Latency;
use super::pick::XorShift64;
use super::report::{HostReport, ModuleReport};
use super::ring::{mix64, HashRing};
use super::select::Pick;
use super::{CallOutcome, HostStats, LbConfig};

/// Whether a module's route is being fetched from the DNS service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStatus {
    /// A route request to DNS is outstanding.
    Pulling,
    /// The route is known (or, after a DNS reconnect, must be asked again).
    New,
}

/// One module's state ("load_balance" in the original).
///
/// Invariant: every host of the map is on exactly one list — the overload
/// list if its `overload` flag is set, the idle list otherwise — and the
/// lists hold nothing else. With the `hash` policy the ring holds exactly
/// the hosts of the map.
#[derive(Debug, Clone)]
pub struct ModuleLb {
    pub(super) module: ModuleId,
    pub(super) status: RouteStatus,
    /// `None` until a route has been applied (the module is `Pulling` until
    /// then).
    pub(super) last_update_time: Option<u64>,
    /// When the outstanding route request was sent (meaningful while
    /// `Pulling`): an answer that never comes is asked again after
    /// `update_timeout`, so a lost answer cannot leave a module pulling
    /// forever.
    pulled_at: u64,
    /// Keyed by [`HostAddr::key`], as are the lists.
    pub(super) hosts: HashMap<u64, HostStats>,
    pub(super) idle: VecDeque<u64>,
    pub(super) overload: VecDeque<u64>,
    /// Picks since the last probe of the overload list.
    pub(super) access_cnt: u32,
    /// Whether a report arrived since the last [`take_report`](Self::take_report).
    dirty: bool,
    /// The policy and panic threshold of the last route.
    pub(super) policy: RoutePolicy,
    /// The consistent-hash ring (`hash` policy only) and the hosts and
    /// weights it was built from, to rebuild it only when they change.
    pub(super) ring: Option<(HashRing, Vec<(HostAddr, u32)>)>,
    /// The module's own random source (`ewma`).
    pub(super) rng: XorShift64,
    /// Next host of a round robin over all hosts (panic mode of `rr`).
    pub(super) panic_cursor: usize,
    /// Picks that probed an overloaded host, since the module was created.
    pub(super) probes: u64,
    /// Picks made in panic mode, since the module was created.
    pub(super) panic_picks: u64,
    /// The DNS route version of the last route, when DNS sent one.
    route_version: Option<u64>,
}

impl ModuleLb {
    /// A module just seen for the first time: no hosts, status `Pulling`
    /// (the caller sends the route request).
    pub fn new_pulling(module: ModuleId) -> Self {
        ModuleLb::with_seed(module, 0)
    }

    /// Like [`new_pulling`](Self::new_pulling), its random source seeded
    /// from `seed` and the module.
    pub fn with_seed(module: ModuleId, seed: u64) -> Self {
        ModuleLb {
            module,
            status: RouteStatus::Pulling,
            last_update_time: None,
            pulled_at: 0,
            hosts: HashMap::new(),
            idle: VecDeque::new(),
            overload: VecDeque::new(),
            access_cnt: 0,
            dirty: false,
            policy: RoutePolicy::default(),
            ring: None,
            rng: XorShift64::new(seed ^ mix64(module.key())),
            panic_cursor: 0,
            probes: 0,
            panic_picks: 0,
            route_version: None,
        }
    }

    /// Applies the result of one call to `host` (docs/LOAD_BALANCING.md
    /// §5, steps 1–4) and says what it did: [`Reported::Unknown`] (nothing
    /// changed) when the host is not in the module's route, and the state
    /// change with its reason if there was one. A `latency`, if given,
    /// feeds the host's estimate for `ewma`.
    pub fn report(
        &mut self,
        host: HostAddr,
        outcome: CallOutcome,
        latency: Option<Latency>,
        now: u64,
        cfg: &LbConfig,
    ) -> Reported {
        let key = host.key();
        let Some(host) = self.hosts.get_mut(&key) else {
            return Reported::Unknown;
        };
        let success = outcome == CallOutcome::Success;
        self.dirty = true;
        host.record(outcome);
        if let Some(sample) = latency {
            host.latency
                .record(sample, cfg.ewma_decay.saturating_mul(1000));
        }
        let reason = if !host.overload {
            // Step 2, then the idle window of step 4.
            if !success && host.should_overload(cfg) {
                Some(if host.contin_err >= cfg.contin_err_limit {
                    ChangeReason::ConsecutiveErrors
                } else {
                    ChangeReason::ErrorRate
                })
            } else if host.idle_window_over(now, cfg) {
                if host.window_bad(cfg) {
                    Some(ChangeReason::WindowErrorRate)
                } else {
                    host.set_idle(now, cfg);
                    None
                }
            } else {
                None
            }
        } else if success && host.should_recover(cfg) {
            // Step 3, then the overload timeout of step 4.
            Some(if host.contin_succ >= cfg.contin_succ_limit {
                ChangeReason::ConsecutiveSuccesses
            } else {
                ChangeReason::SuccessRate
            })
        } else if host.overload_over(now, cfg) {
            Some(ChangeReason::OverloadTimeout)
        } else {
            None
        };
        let Some(reason) = reason else {
            return Reported::Counted;
        };
        if reason.overloads() {
            host.set_overload(now, cfg);
            move_key(&mut self.idle, &mut self.overload, key);
        } else {
            host.set_idle(now, cfg);
            move_key(&mut self.overload, &mut self.idle, key);
        }
        let change = StateChange { reason, at: now };
        host.last_change = Some(change);
        Reported::Changed(change)
    }

    /// The DNS route version of the last route, if DNS sent one.
    pub fn route_version(&self) -> Option<u64> {
        self.route_version
    }

    /// Records the DNS route version the last route came with.
    pub fn set_route_version(&mut self, version: Option<u64>) {
        self.route_version = version;
    }

    /// The policy and panic threshold of the last route.
    pub fn policy(&self) -> RoutePolicy {
        self.policy
    }

    /// Picks that probed an overloaded host since the module was created.
    pub fn probes(&self) -> u64 {
        self.probes
    }

    /// Picks made in panic mode since the module was created.
    pub fn panic_picks(&self) -> u64 {
        self.panic_picks
    }

    /// Every host of the module, idle ones first, each list in its current
    /// round-robin order.
    pub fn all_hosts(&self) -> Vec<HostAddr> {
        self.idle
            .iter()
            .chain(self.overload.iter())
            .map(|&key| HostAddr::from_key(key))
            .collect()
    }

    /// Whether the route must be asked again: the status is `New` and
    /// `now - last_update_time > update_timeout`, or the status is `Pulling` and the request went unanswered
    /// for more than `update_timeout`. The caller sends the request and
    /// calls [`mark_pulling`](Self::mark_pulling).
    pub fn needs_repull(&self, now: u64, cfg: &LbConfig) -> bool {
        match self.status {
            RouteStatus::New => self
                .last_update_time
                .is_none_or(|t| now.saturating_sub(t) > cfg.update_timeout),
            RouteStatus::Pulling => now.saturating_sub(self.pulled_at) > cfg.update_timeout,
        }
    }

    /// Records that a route request was sent at `now`: status `Pulling`.
    pub fn mark_pulling(&mut self, now: u64) {
        self.status = RouteStatus::Pulling;
        self.pulled_at = now;
    }

    /// The statistics of every host, stamped `ts`, if a report arrived
    /// since the last call; `None` otherwise. The window counts are not
    /// reset here: they belong to the hosts' windows.
    pub fn take_report(&mut self, ts: u32) -> Option<ModuleReport> {
        if !std::mem::take(&mut self.dirty) {
            return None;
        }
        let hosts = self
            .idle
            .iter()
            .chain(self.overload.iter())
            .map(|key| {
                let h = &self.hosts[key];
                HostReport {
                    host: HostAddr::from_key(*key),
                    succ: h.rsucc,
                    err: h.rerr,
                    overload: h.overload,
                }
            })
            .collect();
        Some(ModuleReport {
            module: self.module,
            ts,
            hosts,
        })
    }

    /// The module.
    pub fn module(&self) -> ModuleId {
        self.module
    }

    /// Whether a route request is outstanding.
    pub fn status(&self) -> RouteStatus {
        self.status
    }

    /// When the route was last applied; `None` if never.
    pub fn last_update_time(&self) -> Option<u64> {
        self.last_update_time
    }

    /// Picks since the last probe of the overload list.
    pub fn access_cnt(&self) -> u32 {
        self.access_cnt
    }

    /// Number of hosts in the route.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether the module has no hosts (its route is still being pulled).
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// The statistics of one host, if it is in the route.
    pub fn host(&self, host: HostAddr) -> Option<&HostStats> {
        self.hosts.get(&host.key())
    }

    /// The idle hosts in round-robin order (next pick first).
    pub fn idle_hosts(&self) -> impl Iterator<Item = HostAddr> + '_ {
        self.idle.iter().map(|&key| HostAddr::from_key(key))
    }

    /// The overloaded hosts in round-robin order (next probe first).
    pub fn overloaded_hosts(&self) -> impl Iterator<Item = HostAddr> + '_ {
        self.overload.iter().map(|&key| HostAddr::from_key(key))
    }
}

/// Moves the head of `list` to its tail and answers it.
pub(super) fn take_head(list: &mut VecDeque<u64>) -> Pick {
    match list.pop_front() {
        Some(key) => {
            list.push_back(key);
            Pick::Host(HostAddr::from_key(key))
        }
        None => Pick::NoExist,
    }
}

/// Moves `key` from `from` (wherever it is) to the tail of `to`.
fn move_key(from: &mut VecDeque<u64>, to: &mut VecDeque<u64>, key: u64) {
    if let Some(pos) = from.iter().position(|&k| k == key) {
        from.remove(pos);
    }
    to.push_back(key);
}
