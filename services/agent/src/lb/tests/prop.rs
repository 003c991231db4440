//! Property: whatever the sequence of picks, reports, route updates and time
//! advances, every host of the map is on exactly one list (the one its flag
//! names) and the lists hold nothing else.

use proptest::prelude::*;

use super::{addr, m as module, outcome, plain};
use crate::lb::{LbConfig, ModuleLb, Pick, RouteTable, RouteUpdate};
use lars_proto::RoutePolicy;

/// Hosts are drawn from a universe of this many.
const UNIVERSE: u8 = 6;

#[derive(Debug, Clone)]
enum Op {
    GetHost,
    Report(u8, bool),
    Route(Vec<u8>),
    Advance(u64),
    Reconnect,
    TakeReport,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => Just(Op::GetHost),
        8 => (0..UNIVERSE, prop::bool::weighted(0.3)).prop_map(|(i, ok)| Op::Report(i, ok)),
        1 => prop::collection::vec(0..UNIVERSE, 0..8).prop_map(Op::Route),
        2 => (0u64..20).prop_map(Op::Advance),
        1 => Just(Op::Reconnect),
        1 => Just(Op::TakeReport),
    ]
}

/// A small config so that every transition happens within short runs.
fn small_cfg() -> LbConfig {
    LbConfig {
        probe_num: 2,
        init_succ_cnt: 4,
        init_err_cnt: 2,
        contin_err_limit: 3,
        contin_succ_limit: 3,
        idle_timeout: 5,
        overload_timeout: 7,
        update_timeout: 4,
        ..LbConfig::default()
    }
}

proptest! {
    #[test]
    fn hosts_are_always_on_exactly_one_list(
        ops in prop::collection::vec(op(), 1..200),
        small in any::<bool>(),
    ) {
        let cfg = if small { small_cfg() } else { LbConfig::default() };
        let mut m = ModuleLb::new_pulling(module(1, 1));
        let mut now = 1_000;
        for op in ops {
            match op {
                Op::GetHost => {
                    if let Pick::Host(host) = m.get_host(&cfg, None, 0) {
                        prop_assert!(m.host(host).is_some(), "picked a host not in the map");
                    }
                }
                Op::Report(i, ok) => {
                    let known = m.host(addr(i)).is_some();
                    prop_assert_eq!(m.report(addr(i), outcome(ok), None, now, &cfg).known(), known);
                }
                Op::Route(ids) => {
                    let route: Vec<_> = ids.iter().map(|&i| addr(i)).collect();
                    let update = m.apply_route(&plain(&route), RoutePolicy::default(), now, &cfg);
                    prop_assert_eq!(update == RouteUpdate::Empty, route.is_empty());
                    if !route.is_empty() {
                        let mut want = route.clone();
                        want.sort_unstable();
                        want.dedup();
                        let mut got = m.all_hosts();
                        got.sort_unstable();
                        prop_assert_eq!(got, want);
                    }
                }
                Op::Advance(secs) => now += secs,
                Op::Reconnect => m.mark_pulling(now),
                Op::TakeReport => {
                    if let Some(r) = m.take_report(now as u32) {
                        prop_assert_eq!(r.hosts.len(), m.len());
                    }
                }
            }
            if let Err(e) = m.check_invariants() {
                return Err(TestCaseError::fail(e));
            }
        }
    }

    #[test]
    fn table_answers_stay_consistent_with_routes(
        ops in prop::collection::vec((0i32..3, op()), 1..200),
    ) {
        let mut t = RouteTable::new(small_cfg());
        let mut now = 0;
        // Modules a get_host created: the only ones that may be pulled.
        let mut asked = std::collections::HashSet::new();
        for (modid, op) in ops {
            match op {
                Op::GetHost => {
                    asked.insert(modid);
                    if let Pick::Host(host) = t.get_host(module(modid, 0), None, now) {
                        let m = t.module(module(modid, 0)).unwrap();
                        prop_assert!(m.host(host).is_some());
                    }
                }
                Op::Report(i, ok) => {
                    t.report(module(modid, 0), addr(i), outcome(ok), None, now);
                }
                Op::Route(ids) => {
                    let route: Vec<_> = ids.iter().map(|&i| addr(i)).collect();
                    t.apply_route(module(modid, 0), &plain(&route), RoutePolicy::default(), now);
                }
                Op::Advance(secs) => now += secs,
                Op::Reconnect => t.on_dns_reconnect(now),
                Op::TakeReport => {
                    let mut out = Vec::new();
                    t.take_reports(now as u32, &mut out);
                    for r in out {
                        let m = t.module(r.module).unwrap();
                        prop_assert_eq!(r.hosts.len(), m.len());
                    }
                }
            }
            for id in 0..3 {
                if let Some(m) = t.module(module(id, 0)) {
                    if let Err(e) = m.check_invariants() {
                        return Err(TestCaseError::fail(e));
                    }
                }
            }
        }
        let pulls = t.take_pull_requests();
        for pulled in pulls {
            prop_assert!(asked.contains(&pulled.modid) && pulled.cmdid == 0, "{}", pulled);
        }
    }
}
