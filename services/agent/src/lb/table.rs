//! All modules served by one agent thread ("route_lb",
//! docs/LOAD_BALANCING.md §2): the module map, the tunables, and the queue
//! of route requests the I/O shell must send to the DNS service.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use lars_proto::{HostAddr, ModuleId, Route, RouteHost, RoutePolicy};

use super::admission::{Admission, Refusals};
use super::change::Reported;
use super::latency::Latency;
use super::module::ModuleLb;
use super::report::ModuleReport;
use super::select::Pick;
use super::update::RouteUpdate;
use super::{CallOutcome, LbConfig};

/// What [`RouteTable::apply_route`] did with a route from DNS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteApply {
    /// The module is not in this table: the route was ignored.
    Ignored,
    /// The route was applied to the module.
    Updated,
    /// The route was empty: the module was deleted.
    Deleted,
}

/// The modules of one agent thread and the tunables they follow.
///
/// Single-threaded: owned and driven by one loop thread. Route requests it
/// decides to send are queued and drained with
/// [`take_pull_requests`](Self::take_pull_requests).
#[derive(Debug)]
pub struct RouteTable {
    cfg: LbConfig,
    modules: HashMap<ModuleId, ModuleLb>,
    /// Route requests to send, in decision order.
    pulls: Vec<ModuleId>,
    /// Whether an unknown module may be created: requests for further
    /// unknown modules are answered `RET_NOEXIST` without creating them.
    admission: Admission,
    /// Modules with at least one host.
    routed: usize,
    /// Seeds the random source of each new module.
    seed: u64,
    /// Picks that probed an overloaded host.
    probes: u64,
    /// Picks made in panic mode.
    panic_picks: u64,
    /// State changes per reason (indexed as [`ChangeReason::ALL`](super::ChangeReason::ALL)).
    transitions: [u64; 6],
}

impl RouteTable {
    /// An empty table following `cfg`, without a module limit.
    pub fn new(cfg: LbConfig) -> Self {
        RouteTable::with_max_modules(cfg, usize::MAX)
    }

    /// An empty table following `cfg`, holding at most `max_modules`
    /// modules.
    pub fn with_max_modules(cfg: LbConfig, max_modules: usize) -> Self {
        RouteTable {
            cfg,
            modules: HashMap::new(),
            pulls: Vec::new(),
            admission: Admission::new(max_modules, 0),
            routed: 0,
            seed: 0,
            probes: 0,
            panic_picks: 0,
            transitions: [0; 6],
        }
    }

    /// Seeds the random source of every module created from now on (the
    /// `ewma` policy's choices): the same seed, the same choices.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Creates at most `per_sec` new modules a second (0: no limit); the
    /// rest of the requests for unknown modules get `RET_NOEXIST`.
    pub fn with_new_module_rate(mut self, per_sec: u32) -> Self {
        let max_modules = self.admission.max_modules();
        self.admission = Admission::new(max_modules, per_sec);
        self
    }

    /// The tunables the table follows.
    pub fn config(&self) -> &LbConfig {
        &self.cfg
    }

    /// Requests for new modules refused (table full, or too many new
    /// modules this second), since the last call (the I/O shell logs them).
    pub fn take_refused(&mut self) -> Refusals {
        self.admission.take()
    }

    /// Requests for new modules refused since the table was made.
    pub fn refused_total(&self) -> Refusals {
        self.admission.total()
    }

    /// The module (created and pulled if unknown and there is room, then
    /// `None`), with the tunables and the pull queue, borrowed together.
    fn lookup(
        &mut self,
        module: ModuleId,
        now: u64,
    ) -> Option<(&mut ModuleLb, &LbConfig, &mut Vec<ModuleId>)> {
        let RouteTable {
            cfg,
            modules,
            pulls,
            admission,
            seed,
            ..
        } = self;
        let held = modules.len();
        match modules.entry(module) {
            Entry::Occupied(slot) => Some((slot.into_mut(), cfg, pulls)),
            Entry::Vacant(_) if !admission.admit(held, now) => None,
            Entry::Vacant(slot) => {
                slot.insert(ModuleLb::with_seed(module, *seed))
                    .mark_pulling(now);
                pulls.push(module);
                None
            }
        }
    }

    /// Answers an API `get_host` (docs/LOAD_BALANCING.md §4) with hash key
    /// `key` (`hash` policy).
    ///
    /// An unknown module is created `Pulling`, a route request is queued and
    /// the answer is [`Pick::NoExist`]. After a known module answers, its
    /// route is re-pulled if it is older than `update_timeout`.
    pub fn get_host(&mut self, module: ModuleId, key: Option<u64>, now: u64) -> Pick {
        let Some((lb, cfg, pulls)) = self.lookup(module, now) else {
            return Pick::NoExist;
        };
        let (probes, panics) = (lb.probes(), lb.panic_picks());
        let pick = lb.get_host(cfg, key, now);
        let (probed, panicked) = (lb.probes() - probes, lb.panic_picks() - panics);
        repull_if_stale(lb, pulls, now, cfg);
        self.probes += probed;
        self.panic_picks += panicked;
        pick
    }

    /// Applies an API `report` (docs/LOAD_BALANCING.md §5); a `latency`
    /// feeds the `ewma` policy. Unknown modules and hosts are ignored
    /// ([`Reported::Unknown`]); a report never creates a module. State
    /// changes are counted by reason ([`transitions`](Self::transitions)).
    pub fn report(
        &mut self,
        module: ModuleId,
        host: HostAddr,
        outcome: CallOutcome,
        latency: Option<Latency>,
        now: u64,
    ) -> Reported {
        let Some(lb) = self.modules.get_mut(&module) else {
            return Reported::Unknown;
        };
        let reported = lb.report(host, outcome, latency, now, &self.cfg);
        if let Reported::Changed(change) = reported {
            self.transitions[change.reason.index()] += 1;
        }
        reported
    }

    /// Notes that `module` was picked from outside the agent (the
    /// same-host fast path) at `now`: a known module's route is re-pulled
    /// if it is older than `update_timeout`, as after a `get_host`. An
    /// unknown module is not created.
    pub fn touch(&mut self, module: ModuleId, now: u64) {
        if let Some(lb) = self.modules.get_mut(&module) {
            repull_if_stale(lb, &mut self.pulls, now, &self.cfg);
        }
    }

    /// Counts `n` probes of `module`'s overloaded hosts made outside the
    /// agent (callers picking from shared memory), so the module's and the
    /// table's probe counts cover every pick.
    pub fn count_outside_probes(&mut self, module: ModuleId, n: u64) {
        if let Some(lb) = self.modules.get_mut(&module) {
            lb.probes += n;
            self.probes += n;
        }
    }

    /// Answers an API `get_route` (docs/LOAD_BALANCING.md §8): every host,
    /// idle and overloaded, with its weight, and the module's policy. An
    /// unknown module is created and pulled (no hosts); the same
    /// `update_timeout` re-pull applies.
    pub fn get_route(&mut self, module: ModuleId, now: u64) -> Route {
        let Some((lb, cfg, pulls)) = self.lookup(module, now) else {
            return Route::default();
        };
        let route = lb.route();
        repull_if_stale(lb, pulls, now, cfg);
        route
    }

    /// Applies a route answer or push from DNS (docs/LOAD_BALANCING.md §6):
    /// its hosts with their weights, and the module's policy.
    pub fn apply_route(
        &mut self,
        module: ModuleId,
        hosts: &[RouteHost],
        policy: RoutePolicy,
        now: u64,
    ) -> RouteApply {
        let Some(lb) = self.modules.get_mut(&module) else {
            return RouteApply::Ignored;
        };
        let had_hosts = !lb.is_empty();
        match lb.apply_route(hosts, policy, now, &self.cfg) {
            RouteUpdate::Applied => {
                self.routed += usize::from(!had_hosts);
                RouteApply::Updated
            }
            RouteUpdate::Empty => {
                self.modules.remove(&module);
                self.routed -= usize::from(had_hosts);
                RouteApply::Deleted
            }
        }
    }

    /// Modules that have hosts (a module is empty only until its first
    /// route arrives).
    pub fn routed(&self) -> usize {
        self.routed
    }

    /// Puts `module` back with `route` (from a snapshot of this table, at
    /// start): its hosts idle with fresh counters, answering at once, and
    /// pulled again from DNS like a module just asked for. Whether it was
    /// restored: not when the module is known already, the route is empty
    /// or the table is full.
    pub fn restore(
        &mut self,
        module: ModuleId,
        route: &Route,
        version: Option<u64>,
        now: u64,
    ) -> bool {
        if route.hosts.is_empty()
            || self.modules.contains_key(&module)
            || self.modules.len() >= self.admission.max_modules()
        {
            return false;
        }
        let mut lb = ModuleLb::with_seed(module, self.seed);
        lb.apply_route(&route.hosts, route.policy, now, &self.cfg);
        lb.set_route_version(version);
        lb.mark_pulling(now);
        self.modules.insert(module, lb);
        self.pulls.push(module);
        self.routed += 1;
        true
    }

    /// Records the DNS route version of `module`'s last route (a module not
    /// in the table is ignored).
    pub fn set_route_version(&mut self, module: ModuleId, version: Option<u64>) {
        if let Some(lb) = self.modules.get_mut(&module) {
            lb.set_route_version(version);
        }
    }

    /// The DNS connection was (re)established. A request outstanding on the
    /// old connection was lost, and a new DNS instance knows nothing of this
    /// agent's subscriptions: every module is pulled again at once (queued
    /// in [`take_pull_requests`](Self::take_pull_requests)), so pushes flow
    /// again without waiting for `update_timeout`. Modules keep answering
    /// from the hosts they have meanwhile.
    pub fn on_dns_reconnect(&mut self, now: u64) {
        for lb in self.modules.values_mut() {
            lb.mark_pulling(now);
            self.pulls.push(lb.module());
        }
    }

    /// The route requests decided since the last call.
    pub fn take_pull_requests(&mut self) -> Vec<ModuleId> {
        std::mem::take(&mut self.pulls)
    }

    /// Whether route requests are waiting to be taken.
    pub fn has_pull_requests(&self) -> bool {
        !self.pulls.is_empty()
    }

    /// Appends to `out` the statistics of every module that received a
    /// report since the last call (in no particular order), stamped `ts`.
    pub fn take_reports(&mut self, ts: u32, out: &mut Vec<ModuleReport>) {
        out.extend(self.modules.values_mut().filter_map(|m| m.take_report(ts)));
    }

    /// Picks that probed an overloaded host, since the table was made.
    pub fn probes(&self) -> u64 {
        self.probes
    }

    /// Picks made in panic mode, since the table was made.
    pub fn panic_picks(&self) -> u64 {
        self.panic_picks
    }

    /// Host state changes since the table was made, per reason, indexed as
    /// [`ChangeReason::ALL`](super::ChangeReason::ALL).
    pub fn transitions(&self) -> [u64; 6] {
        self.transitions
    }

    /// Every module of the table, in no particular order.
    pub fn modules(&self) -> impl Iterator<Item = &ModuleLb> {
        self.modules.values()
    }

    /// The state of one module, if it is in the table.
    pub fn module(&self, module: ModuleId) -> Option<&ModuleLb> {
        self.modules.get(&module)
    }

    /// Number of modules in the table.
    pub fn len(&self) -> usize {
        self.modules.len()
    }

    /// Whether the table has no modules.
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

/// After answering: re-pull a module whose route is too old, or whose
/// request went unanswered too long.
fn repull_if_stale(lb: &mut ModuleLb, pulls: &mut Vec<ModuleId>, now: u64, cfg: &LbConfig) {
    if lb.needs_repull(now, cfg) {
        lb.mark_pulling(now);
        pulls.push(lb.module());
    }
}
