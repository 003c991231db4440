//! One module's load-balancing state (SPEC §7.2–7.5): its hosts, the idle
//! and overload lists, the pick, the report rules and route updates.
//!
//! The lists hold host keys in round-robin order: taking the head moves it
//! to the tail, so [`ModuleLb::get_host`] is O(1). A host moves between the
//! lists only when its state changes, which costs a scan of one list; route
//! updates are O(hosts).

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use super::report::{HostReport, ModuleReport};
use super::table::{RET_NOEXIST, RET_OVERLOAD, RET_SUCC};
use super::{host_addr, host_key, HostStats, LbConfig};

/// Whether a module's route is being fetched from the DNS service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteStatus {
    /// A route request to DNS is outstanding.
    Pulling,
    /// The route is known (or, after a DNS reconnect, must be asked again).
    New,
}

/// The answer of [`ModuleLb::get_host`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pick {
    /// Call this host: `(ip, port)`. `RET_SUCC`.
    Host(u32, u16),
    /// Every host is overloaded and this call is not a probe. `RET_OVERLOAD`.
    Overload,
    /// The module has no hosts (yet). `RET_NOEXIST`.
    NoExist,
}

impl Pick {
    /// The SPEC §3.3 return code of this answer.
    pub fn retcode(self) -> i32 {
        match self {
            Pick::Host(..) => RET_SUCC,
            Pick::Overload => RET_OVERLOAD,
            Pick::NoExist => RET_NOEXIST,
        }
    }
}

/// What [`ModuleLb::apply_route`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteUpdate {
    /// The route was applied.
    Applied,
    /// The route was empty: the module is left unchanged and the caller
    /// must delete it (SPEC §7.5).
    Empty,
}

/// One module's state ("load_balance" in the original).
///
/// Invariant: every host of the map is on exactly one list — the overload
/// list if its `overload` flag is set, the idle list otherwise — and the
/// lists hold nothing else.
#[derive(Debug, Clone)]
pub struct ModuleLb {
    modid: i32,
    cmdid: i32,
    status: RouteStatus,
    /// `None` until a route has been applied (the module is `Pulling` until
    /// then).
    last_update_time: Option<u64>,
    /// When the outstanding route request was sent (meaningful while
    /// `Pulling`): an answer that never comes is asked again after
    /// `update_timeout`, so a lost answer cannot leave a module pulling
    /// forever.
    pulled_at: u64,
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
    pub fn new_pulling(modid: i32, cmdid: i32) -> Self {
        ModuleLb {
            modid,
            cmdid,
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

    /// Picks a host (SPEC §7.3). Idle hosts are served round-robin; while
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

    /// Applies the result of one call to `(ip, port)` (SPEC §7.4 steps 1–4).
    ///
    /// Returns `false` (and changes nothing) when the host is not in the
    /// module's route.
    pub fn report(&mut self, ip: u32, port: u16, success: bool, now: u64, cfg: &LbConfig) -> bool {
        let key = host_key(ip, port);
        let Some(host) = self.hosts.get_mut(&key) else {
            return false;
        };
        self.dirty = true;
        host.record(success);
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

    /// Applies a route from DNS (SPEC §7.5): unknown hosts join idle at the
    /// tail, in the route's order; hosts no longer listed leave the map and
    /// their list; survivors keep their counters and list positions. The
    /// module becomes `New` with `last_update_time = now`.
    ///
    /// An empty route changes nothing and returns [`RouteUpdate::Empty`].
    pub fn apply_route(&mut self, hosts: &[(u32, u16)], now: u64, cfg: &LbConfig) -> RouteUpdate {
        if hosts.is_empty() {
            return RouteUpdate::Empty;
        }
        let wanted: HashSet<u64> = hosts.iter().map(|&(ip, port)| host_key(ip, port)).collect();
        self.hosts.retain(|key, _| wanted.contains(key));
        self.idle.retain(|key| wanted.contains(key));
        self.overload.retain(|key| wanted.contains(key));
        for &(ip, port) in hosts {
            if let Entry::Vacant(slot) = self.hosts.entry(host_key(ip, port)) {
                slot.insert(HostStats::new(ip, port, now, cfg));
                self.idle.push_back(host_key(ip, port));
            }
        }
        self.last_update_time = Some(now);
        self.status = RouteStatus::New;
        RouteUpdate::Applied
    }

    /// Every host of the module, idle ones first, each list in its current
    /// round-robin order.
    pub fn all_hosts(&self) -> Vec<(u32, u16)> {
        self.idle
            .iter()
            .chain(self.overload.iter())
            .map(|&key| host_addr(key))
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

    /// The statistics of every host, if a report arrived since the last
    /// call; `None` otherwise. The window counts are not reset here: they
    /// belong to the hosts' windows.
    pub fn take_report(&mut self, now: u64) -> Option<ModuleReport> {
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
                    ip: h.ip,
                    port: h.port,
                    succ: h.rsucc,
                    err: h.rerr,
                    overload: h.overload,
                }
            })
            .collect();
        Some(ModuleReport {
            modid: self.modid,
            cmdid: self.cmdid,
            ts: now,
            hosts,
        })
    }

    /// The module's modid.
    pub fn modid(&self) -> i32 {
        self.modid
    }

    /// The module's cmdid.
    pub fn cmdid(&self) -> i32 {
        self.cmdid
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
    pub fn host(&self, ip: u32, port: u16) -> Option<&HostStats> {
        self.hosts.get(&host_key(ip, port))
    }

    /// The idle hosts in round-robin order (next pick first).
    pub fn idle_hosts(&self) -> impl Iterator<Item = (u32, u16)> + '_ {
        self.idle.iter().map(|&key| host_addr(key))
    }

    /// The overloaded hosts in round-robin order (next probe first).
    pub fn overloaded_hosts(&self) -> impl Iterator<Item = (u32, u16)> + '_ {
        self.overload.iter().map(|&key| host_addr(key))
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
            if !listed.contains(key) || host_key(host.ip, host.port) != *key {
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
            let (ip, port) = host_addr(key);
            Pick::Host(ip, port)
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
