//! Rule-by-rule tests of the load-balancing core (docs/LOAD_BALANCING.md
//! §3–8), driven on simulated time with no sockets. Shared helpers live
//! here.
//!
//! Every expected number is worked out by hand from those rules with the
//! default [`LbConfig`] unless a test says otherwise.

mod invariants;
mod pick;
mod pick_set;
mod policy;
mod prop;
mod report;
mod route;
mod table;

use lars_proto::{HostAddr, ModuleId, RouteHost, RoutePolicy};

use super::{CallOutcome, LbConfig, ModuleLb, Pick};

/// `hosts` with weight 1.
pub(super) fn plain(hosts: &[HostAddr]) -> Vec<RouteHost> {
    hosts.iter().copied().map(RouteHost::new).collect()
}

/// Address of test host `i`: 10.0.0.i, port 8000 + i.
pub(super) fn addr(i: u8) -> HostAddr {
    HostAddr::new([10, 0, 0, i].into(), 8000 + u16::from(i))
}

/// The pick that answers host `i`.
pub(super) fn host(i: u8) -> Pick {
    Pick::Host(addr(i))
}

/// Module `modid/cmdid`.
pub(super) fn m(modid: i32, cmdid: i32) -> ModuleId {
    ModuleId::new(modid, cmdid)
}

/// The outcome of a call that succeeded (`true`) or failed.
pub(super) fn outcome(success: bool) -> CallOutcome {
    if success {
        CallOutcome::Success
    } else {
        CallOutcome::Failure
    }
}

/// A module whose route (hosts `ids`, in that order) was applied at `now`.
pub(super) fn module_with(ids: &[u8], now: u64, cfg: &LbConfig) -> ModuleLb {
    let mut m = ModuleLb::new_pulling(ModuleId::new(1, 1));
    let route: Vec<_> = ids.iter().map(|&i| addr(i)).collect();
    m.apply_route(&plain(&route), RoutePolicy::default(), now, cfg);
    m.check_invariants().unwrap();
    m
}

/// Reports one call of host `i`.
pub(super) fn call(m: &mut ModuleLb, i: u8, success: bool, now: u64, cfg: &LbConfig) {
    assert!(
        m.report(addr(i), outcome(success), None, now, cfg).known(),
        "host {i} unknown"
    );
    m.check_invariants().unwrap();
}

/// Whether host `i` is overloaded (and, by the invariant, on that list).
pub(super) fn overloaded(m: &ModuleLb, i: u8) -> bool {
    m.host(addr(i)).expect("host in route").overload
}

/// Reports calls of host `i` (all successes or all failures) at `now`
/// until its state flips between idle and overload; returns how many it
/// took (at most 1000).
pub(super) fn calls_until_flip(
    m: &mut ModuleLb,
    i: u8,
    success: bool,
    now: u64,
    cfg: &LbConfig,
) -> u32 {
    let before = overloaded(m, i);
    for n in 1..=1000 {
        call(m, i, success, now, cfg);
        if overloaded(m, i) != before {
            return n;
        }
    }
    panic!("host {i} did not flip within 1000 calls");
}

/// Overloads host `i` at `now` with `contin_err_limit` consecutive errors.
pub(super) fn overload(m: &mut ModuleLb, i: u8, now: u64, cfg: &LbConfig) {
    for _ in 0..cfg.contin_err_limit {
        call(m, i, false, now, cfg);
    }
    assert!(overloaded(m, i));
}

/// The ids of `hosts`, for readable list assertions.
pub(super) fn ids(hosts: impl Iterator<Item = HostAddr>) -> Vec<u8> {
    hosts.map(|h| h.ip.octets()[3]).collect()
}
