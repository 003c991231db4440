//! All modules served by one agent thread ("route_lb", SPEC §7.1): the
//! module map, the SPEC §3.3 return codes and the queue of route requests
//! the I/O shell must send to the DNS service.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use super::module::{ModuleLb, Pick, RouteUpdate};
use super::report::ModuleReport;
use super::{module_key, LbConfig};

/// The return codes of SPEC §3.3, as the wire carries them.
pub use lars_proto::retcode::{
    NOEXIST as RET_NOEXIST, OVERLOAD as RET_OVERLOAD, SUCC as RET_SUCC,
    SYSTEM_ERROR as RET_SYSTEM_ERROR,
};

/// Number of route tables, each with its own thread and UDP port.
pub const TABLES: usize = 3;

/// Which of the agent's three tables (and UDP ports `8888 + index`) serves
/// a module: `(modid + cmdid) mod 3`, computed without overflow and never
/// negative.
///
/// ```
/// use lars_agent::lb::table_index;
/// assert_eq!(table_index(1, 1), 2);
/// assert_eq!(table_index(-1, 0), 2);
/// ```
pub fn table_index(modid: i32, cmdid: i32) -> usize {
    (i64::from(modid) + i64::from(cmdid)).rem_euclid(TABLES as i64) as usize
}

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

/// The modules of one agent thread, keyed by [`module_key`].
///
/// Single-threaded: owned and driven by one loop thread. Route requests it
/// decides to send are queued and drained with
/// [`take_pull_requests`](Self::take_pull_requests).
#[derive(Debug)]
pub struct RouteTable {
    modules: HashMap<u64, ModuleLb>,
    /// `(modid, cmdid)` of route requests to send, in decision order.
    pulls: Vec<(i32, i32)>,
    /// Modules the table holds at most: requests for further unknown
    /// modules are answered `RET_NOEXIST` without creating them, so a
    /// caller asking for random modules cannot grow memory without bound.
    max_modules: usize,
    /// Requests refused because the table was full (for logs).
    refused: u64,
}

impl Default for RouteTable {
    fn default() -> Self {
        RouteTable::with_max_modules(usize::MAX)
    }
}

impl RouteTable {
    /// An empty table without a module limit.
    pub fn new() -> Self {
        RouteTable::default()
    }

    /// An empty table holding at most `max_modules` modules.
    pub fn with_max_modules(max_modules: usize) -> Self {
        RouteTable {
            modules: HashMap::new(),
            pulls: Vec::new(),
            max_modules,
            refused: 0,
        }
    }

    /// Requests for new modules refused because the table was full, since
    /// the last call (the I/O shell logs them).
    pub fn take_refused(&mut self) -> u64 {
        std::mem::take(&mut self.refused)
    }

    /// The module (created and pulled if unknown and there is room, then
    /// `None`) and the pull queue, borrowed together.
    fn lookup(
        &mut self,
        modid: i32,
        cmdid: i32,
        now: u64,
    ) -> (Option<&mut ModuleLb>, &mut Vec<(i32, i32)>) {
        let RouteTable {
            modules,
            pulls,
            max_modules,
            refused,
        } = self;
        let full = modules.len() >= *max_modules;
        let module = match modules.entry(module_key(modid, cmdid)) {
            Entry::Occupied(slot) => Some(slot.into_mut()),
            Entry::Vacant(_) if full => {
                *refused += 1;
                None
            }
            Entry::Vacant(slot) => {
                slot.insert(ModuleLb::new_pulling(modid, cmdid))
                    .mark_pulling(now);
                pulls.push((modid, cmdid));
                None
            }
        };
        (module, pulls)
    }

    /// Answers an API `get_host` (SPEC §7.3): `(retcode, host)`.
    ///
    /// An unknown module is created `Pulling`, a route request is queued and
    /// the answer is `RET_NOEXIST`. After a known module answers, its route
    /// is re-pulled if it is older than `update_timeout`.
    pub fn get_host(
        &mut self,
        modid: i32,
        cmdid: i32,
        now: u64,
        cfg: &LbConfig,
    ) -> (i32, Option<(u32, u16)>) {
        let (Some(module), pulls) = self.lookup(modid, cmdid, now) else {
            return (RET_NOEXIST, None);
        };
        let pick = module.get_host(cfg);
        repull_if_stale(module, pulls, now, cfg);
        match pick {
            Pick::Host(ip, port) => (RET_SUCC, Some((ip, port))),
            other => (other.retcode(), None),
        }
    }

    /// Applies an API `report` (SPEC §7.4): `retcode` 0 is a success,
    /// anything else a failure. Unknown modules and hosts are ignored
    /// (`false`); a report never creates a module.
    #[allow(clippy::too_many_arguments)]
    pub fn report(
        &mut self,
        modid: i32,
        cmdid: i32,
        ip: u32,
        port: u16,
        retcode: i32,
        now: u64,
        cfg: &LbConfig,
    ) -> bool {
        match self.modules.get_mut(&module_key(modid, cmdid)) {
            Some(module) => module.report(ip, port, retcode == RET_SUCC, now, cfg),
            None => false,
        }
    }

    /// Answers an API `get_route` (SPEC §7.7): every host, idle and
    /// overloaded. An unknown module is created and pulled (no hosts); the
    /// same `update_timeout` re-pull applies.
    pub fn get_route(
        &mut self,
        modid: i32,
        cmdid: i32,
        now: u64,
        cfg: &LbConfig,
    ) -> Vec<(u32, u16)> {
        let (Some(module), pulls) = self.lookup(modid, cmdid, now) else {
            return Vec::new();
        };
        let hosts = module.all_hosts();
        repull_if_stale(module, pulls, now, cfg);
        hosts
    }

    /// Applies a route answer or push from DNS (SPEC §7.5).
    pub fn apply_route(
        &mut self,
        modid: i32,
        cmdid: i32,
        hosts: &[(u32, u16)],
        now: u64,
        cfg: &LbConfig,
    ) -> RouteApply {
        let key = module_key(modid, cmdid);
        let Some(module) = self.modules.get_mut(&key) else {
            return RouteApply::Ignored;
        };
        match module.apply_route(hosts, now, cfg) {
            RouteUpdate::Applied => RouteApply::Updated,
            RouteUpdate::Empty => {
                self.modules.remove(&key);
                RouteApply::Deleted
            }
        }
    }

    /// The DNS connection was (re)established. A request outstanding on the
    /// old connection was lost, and a new DNS instance knows nothing of this
    /// agent's subscriptions: every module is pulled again at once (queued
    /// in [`take_pull_requests`](Self::take_pull_requests)), so pushes flow
    /// again without waiting for `update_timeout`. Modules keep answering
    /// from the hosts they have meanwhile.
    pub fn on_dns_reconnect(&mut self, now: u64) {
        for module in self.modules.values_mut() {
            module.mark_pulling(now);
            self.pulls.push((module.modid(), module.cmdid()));
        }
    }

    /// The route requests decided since the last call, as `(modid, cmdid)`.
    pub fn take_pull_requests(&mut self) -> Vec<(i32, i32)> {
        std::mem::take(&mut self.pulls)
    }

    /// Whether route requests are waiting to be taken.
    pub fn has_pull_requests(&self) -> bool {
        !self.pulls.is_empty()
    }

    /// Appends to `out` the statistics of every module that received a
    /// report since the last call (in no particular order), `ts = now`.
    pub fn take_reports(&mut self, now: u64, out: &mut Vec<ModuleReport>) {
        out.extend(self.modules.values_mut().filter_map(|m| m.take_report(now)));
    }

    /// The state of one module, if it is in the table.
    pub fn module(&self, modid: i32, cmdid: i32) -> Option<&ModuleLb> {
        self.modules.get(&module_key(modid, cmdid))
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
fn repull_if_stale(module: &mut ModuleLb, pulls: &mut Vec<(i32, i32)>, now: u64, cfg: &LbConfig) {
    if module.needs_repull(now, cfg) {
        module.mark_pulling(now);
        pulls.push((module.modid(), module.cmdid()));
    }
}
