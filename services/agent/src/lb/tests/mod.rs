//! Rule-by-rule tests of the load-balancing core (SPEC §7.3–7.7), driven on
//! simulated time with no sockets. Shared helpers live here.
//!
//! Every expected number is worked out by hand from the SPEC rules with the
//! default [`LbConfig`] unless a test says otherwise.

mod pick;
mod prop;
mod report;
mod route;
mod table;

use super::{LbConfig, ModuleLb, Pick};

/// Address of test host `i`: 10.0.0.i, port 8000 + i.
pub(super) fn addr(i: u8) -> (u32, u16) {
    (0x0a00_0000 | u32::from(i), 8000 + u16::from(i))
}

/// The pick that answers host `i`.
pub(super) fn host(i: u8) -> Pick {
    let (ip, port) = addr(i);
    Pick::Host(ip, port)
}

/// A module whose route (hosts `ids`, in that order) was applied at `now`.
pub(super) fn module_with(ids: &[u8], now: u64, cfg: &LbConfig) -> ModuleLb {
    let mut m = ModuleLb::new_pulling(1, 1);
    let route: Vec<_> = ids.iter().map(|&i| addr(i)).collect();
    m.apply_route(&route, now, cfg);
    m.check_invariants().unwrap();
    m
}

/// Reports one call of host `i`.
pub(super) fn call(m: &mut ModuleLb, i: u8, success: bool, now: u64, cfg: &LbConfig) {
    let (ip, port) = addr(i);
    assert!(m.report(ip, port, success, now, cfg), "host {i} unknown");
    m.check_invariants().unwrap();
}

/// Whether host `i` is overloaded (and, by the invariant, on that list).
pub(super) fn overloaded(m: &ModuleLb, i: u8) -> bool {
    let (ip, port) = addr(i);
    m.host(ip, port).expect("host in route").overload
}

/// Overloads host `i` at `now` with `contin_err_limit` consecutive errors.
pub(super) fn overload(m: &mut ModuleLb, i: u8, now: u64, cfg: &LbConfig) {
    for _ in 0..cfg.contin_err_limit {
        call(m, i, false, now, cfg);
    }
    assert!(overloaded(m, i));
}

/// The ids of `hosts`, for readable list assertions.
pub(super) fn ids(hosts: impl Iterator<Item = (u32, u16)>) -> Vec<u8> {
    hosts.map(|(ip, _)| ip as u8).collect()
}
