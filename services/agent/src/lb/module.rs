//! One module's load-balancing state (docs/LOAD_BALANCING.md §3–6): its
//! hosts, the idle and overload lists, the pick, the report rules and route
//! updates.
//!
//! The lists hold host keys in round-robin order: taking the head moves it
//! to the tail, so [`ModuleLb::get_host`] is O(1). A host moves between the
//! lists only when its state changes, which costs a scan of one list; route
//! updates are O(hosts).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use lars_proto::{HostAddr, ModuleId, RetCode};

use super::report::{HostReport, ModuleReport};
use super::{CallOutcome, HostStats, LbConfig};

/// Whether a module's route is being fetched from the DNS service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStatus {
    /// A route request to DNS is outstanding.
    Pulling,
    /// The route is known (or, after a DNS reconnect, must be asked again).
    New,
}

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

/// What [`ModuleLb::apply_route`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteUpdate {
    /// The route was applied.
    Applied,
    /// The route was empty: the module is left unchanged and the caller
    /// must delete it.
    Empty,
}

/// One module's state ("load_balance" in the original).
///
/// Invariant: every host of the map is on exactly one list — the overload
/// list if its `overload` flag is set, the idle list otherwise — and the
/// lists hold nothing else.
#[derive(Debug, Clone)]
pub struct ModuleLb {
    module: ModuleId,
    status: RouteStatus,
    /// `None` until a route has been applied (the module is `Pulling` until
    /// then).
    last_update_time: Option<u64>,
    /// When the outstanding route request was sent (meaningful while
    /// `Pulling`): an answer that never comes is asked again after
    /// `update_timeout`, so a lost answer cannot leave a module pulling
    /// forever.
    pulled_at: u64,
    /// Keyed by [`HostAddr::key`], as are the lists.
    hosts: HashMap<u64, HostStats>,
    idle: VecDeque<u64>,
    overload: VecDeque<u64>,
    /// Picks since the last probe of the overload list.
    access_cnt: u32,
    /// Whether a report arrived since the last [`take_report`](Self::take_report).
    dirty: bool,
}

impl ModuleLb {
    /// A module just seen for the first time: no hosts, status `Pulling`
    /// (the caller sends the route request).
    pub fn new_pulling(module: ModuleId) -> Self {
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
        }
    }

    /// Picks a host. Idle hosts are served round-robin; while
    /// some hosts are overloaded, every `probe_num + 1`-th pick probes the
    /// head of the overload list instead.
    pub fn get_host(&mut self, cfg: &LbConfig) -> Pick {
        if self.hosts.is_empty() {
            return Pick::NoExist;
        }
        if self.overload.is_empty() {
            return take_head(&mut self.idle);
        }
        if self.access_cnt >= cfg.probe_num {
            self.access_cnt = 0;
            return take_head(&mut self.overload);
        }
        self.access_cnt += 1;
        if self.idle.is_empty() {
            Pick::Overload
        } else {
            take_head(&mut self.idle)
        }
    }

    /// Applies the result of one call to `host` (docs/LOAD_BALANCING.md
    /// §5, steps 1–4).
    ///
    /// Returns `false` (and changes nothing) when the host is not in the
    /// module's route.
    pub fn report(
        &mut self,
        host: HostAddr,
        outcome: CallOutcome,
        now: u64,
        cfg: &LbConfig,
    ) -> bool {
        let key = host.key();
        let Some(host) = self.hosts.get_mut(&key) else {
            return false;
        };
        let success = outcome == CallOutcome::Success;
        self.dirty = true;
        host.record(outcome);
        if !host.overload {
            // Step 2, then the idle window of step 4.
            if !success && host.should_overload(cfg) {
                host.set_overload(now, cfg);
                move_key(&mut self.idle, &mut self.overload, key);
            } else if host.idle_window_over(now, cfg) {
                if host.window_bad(cfg) {
                    host.set_overload(now, cfg);
                    move_key(&mut self.idle, &mut self.overload, key);
                } else {
                    host.set_idle(now, cfg);
                }
            }
        } else if (success && host.should_recover(cfg)) || host.overload_over(now, cfg) {
            // Step 3, then the overload timeout of step 4.
            host.set_idle(now, cfg);
            move_key(&mut self.overload, &mut self.idle, key);
        }
        true
    }

    /// Applies a route from DNS: unknown hosts join idle at the
    /// tail, in the route's order; hosts no longer listed leave the map and
    /// their list; survivors keep their counters and list positions. The
    /// module becomes `New` with `last_update_time = now`.
    ///
    /// An empty route changes nothing and returns [`RouteUpdate::Empty`].
    pub fn apply_route(&mut self, hosts: &[HostAddr], now: u64, cfg: &LbConfig) -> RouteUpdate {
        if hosts.is_empty() {
            return RouteUpdate::Empty;
        }
        let wanted: HashSet<u64> = hosts.iter().map(|host| host.key()).collect();
        self.hosts.retain(|key, _| wanted.contains(key));
        self.idle.retain(|key| wanted.contains(key));
        self.overload.retain(|key| wanted.contains(key));
        for host in hosts {
            if let Entry::Vacant(slot) = self.hosts.entry(host.key()) {
                slot.insert(HostStats::new(now, cfg));
                self.idle.push_back(host.key());
            }
        }
        self.last_update_time = Some(now);
        self.status = RouteStatus::New;
        RouteUpdate::Applied
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

    /// Checks the invariant stated on the type; used by tests.
    #[cfg(test)]
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        let idle: HashSet<u64> = self.idle.iter().copied().collect();
        let over: HashSet<u64> = self.overload.iter().copied().collect();
        if idle.len() != self.idle.len() || over.len() != self.overload.len() {
            return Err(format!(
                "duplicate keys: {:?} {:?}",
                self.idle, self.overload
            ));
        }
        if let Some(k) = idle.intersection(&over).next() {
            return Err(format!("host {k:#x} on both lists"));
        }
        if idle.len() + over.len() != self.hosts.len() {
            return Err(format!(
                "lists hold {} keys, map {}",
                idle.len() + over.len(),
                self.hosts.len()
            ));
        }
        for (key, host) in &self.hosts {
            let listed = if host.overload { &over } else { &idle };
            if !listed.contains(key) {
                return Err(format!("host {key:#x} not on the list its flag names"));
            }
        }
        Ok(())
    }
}

/// Moves the head of `list` to its tail and answers it.
fn take_head(list: &mut VecDeque<u64>) -> Pick {
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
