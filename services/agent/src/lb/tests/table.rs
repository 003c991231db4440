//! SPEC §7.3, §7.5–7.7 at table level: pulls, re-pulls, deletion, reports.

use super::addr;
use crate::lb::{
    LbConfig, ModuleReport, RouteApply, RouteStatus, RouteTable, RET_NOEXIST, RET_OVERLOAD,
    RET_SUCC,
};

#[test]
fn unknown_module_is_created_pulling_and_pulled_once() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    assert_eq!(t.get_host(7, 8, 100, &cfg), (RET_NOEXIST, None));
    assert_eq!(t.get_host(7, 8, 101, &cfg), (RET_NOEXIST, None));
    assert_eq!(t.take_pull_requests(), vec![(7, 8)]);
    assert!(!t.has_pull_requests());
    assert_eq!(t.module(7, 8).unwrap().status(), RouteStatus::Pulling);
}

#[test]
fn route_for_a_module_not_in_the_table_is_ignored() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    assert_eq!(
        t.apply_route(1, 1, &[addr(1)], 0, &cfg),
        RouteApply::Ignored
    );
    assert!(t.is_empty());
}

#[test]
fn empty_route_deletes_the_module_and_the_next_request_pulls_again() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    t.get_host(1, 1, 0, &cfg);
    t.apply_route(1, 1, &[addr(1)], 0, &cfg);
    assert_eq!(t.apply_route(1, 1, &[], 5, &cfg), RouteApply::Deleted);
    assert!(t.module(1, 1).is_none());
    assert_eq!(t.get_host(1, 1, 6, &cfg), (RET_NOEXIST, None));
    assert_eq!(t.take_pull_requests(), vec![(1, 1), (1, 1)]);
}

#[test]
fn answers_carry_spec_return_codes() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    t.get_host(1, 2, 0, &cfg);
    t.apply_route(1, 2, &[addr(1)], 0, &cfg);
    assert_eq!(t.get_host(1, 2, 1, &cfg), (RET_SUCC, Some(addr(1))));
    let (ip, port) = addr(1);
    for _ in 0..15 {
        assert!(
            t.report(1, 2, ip, port, RET_OVERLOAD, 1, &cfg),
            "nonzero = failure"
        );
    }
    assert_eq!(t.get_host(1, 2, 1, &cfg), (RET_OVERLOAD, None));
    assert!(
        !t.report(9, 9, ip, port, RET_SUCC, 1, &cfg),
        "unknown module"
    );
    assert!(t.module(9, 9).is_none(), "a report never creates a module");
}

#[test]
fn update_timeout_repulls_a_new_module_and_a_pulling_one_waits() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    t.get_host(1, 1, 90, &cfg);
    t.take_pull_requests();
    t.apply_route(1, 1, &[addr(1)], 100, &cfg);
    assert_eq!(t.get_host(1, 1, 115, &cfg).0, RET_SUCC);
    assert!(
        !t.has_pull_requests(),
        "15 s is not more than update_timeout"
    );
    // Past the timeout: still answered from the old route, then re-pulled.
    assert_eq!(t.get_host(1, 1, 116, &cfg), (RET_SUCC, Some(addr(1))));
    assert_eq!(t.take_pull_requests(), vec![(1, 1)]);
    assert_eq!(t.module(1, 1).unwrap().status(), RouteStatus::Pulling);
    // Pulling: no second request while the first may still be answered.
    t.get_host(1, 1, 131, &cfg);
    t.get_route(1, 1, 131, &cfg);
    assert!(!t.has_pull_requests());
    t.apply_route(1, 1, &[addr(1)], 131, &cfg);
    assert_eq!(t.module(1, 1).unwrap().status(), RouteStatus::New);
}

#[test]
fn dns_reconnect_pulls_every_module_again_at_once() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    t.get_host(1, 1, 100, &cfg); // never answered
    t.get_host(2, 2, 100, &cfg);
    t.apply_route(2, 2, &[addr(1)], 100, &cfg);
    t.get_host(2, 2, 120, &cfg); // stale: re-pulled, answer lost
    assert_eq!(t.take_pull_requests(), vec![(1, 1), (2, 2), (2, 2)]);

    t.on_dns_reconnect(130);
    let mut pulls = t.take_pull_requests();
    pulls.sort();
    assert_eq!(
        pulls,
        vec![(1, 1), (2, 2)],
        "both re-pulled without a request"
    );
    assert_eq!(t.module(1, 1).unwrap().status(), RouteStatus::Pulling);
    assert_eq!(t.module(2, 2).unwrap().status(), RouteStatus::Pulling);
    assert_eq!(t.get_host(1, 1, 101, &cfg), (RET_NOEXIST, None));
    assert_eq!(
        t.get_host(2, 2, 121, &cfg),
        (RET_SUCC, Some(addr(1))),
        "still answers"
    );
    assert!(
        t.take_pull_requests().is_empty(),
        "no duplicate pulls while pulling"
    );
    t.apply_route(2, 2, &[addr(1)], 122, &cfg);
    assert_eq!(t.module(2, 2).unwrap().status(), RouteStatus::New);
}

#[test]
fn get_route_creates_and_pulls_then_lists_every_host() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    assert!(t.get_route(3, 4, 0, &cfg).is_empty());
    assert_eq!(t.take_pull_requests(), vec![(3, 4)]);
    t.apply_route(3, 4, &[addr(1), addr(2)], 0, &cfg);
    let (ip, port) = addr(1);
    for _ in 0..15 {
        t.report(3, 4, ip, port, 1, 0, &cfg);
    }
    assert_eq!(t.get_route(3, 4, 10, &cfg), vec![addr(2), addr(1)]);
    assert!(!t.has_pull_requests());
    assert_eq!(t.get_route(3, 4, 16, &cfg).len(), 2);
    assert_eq!(t.take_pull_requests(), vec![(3, 4)], "same re-pull rule");
}

#[test]
fn take_reports_lists_only_modules_that_had_reports() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    let mut out: Vec<ModuleReport> = Vec::new();
    for m in [1, 2] {
        t.get_host(m, 0, 0, &cfg);
        t.apply_route(m, 0, &[addr(1)], 0, &cfg);
    }
    t.take_reports(1, &mut out);
    assert!(out.is_empty());
    let (ip, port) = addr(1);
    t.report(2, 0, ip, port, RET_SUCC, 1, &cfg);
    t.take_reports(2, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].modid, out[0].cmdid, out[0].ts), (2, 0, 2));
    assert_eq!((out[0].hosts[0].succ, out[0].hosts[0].err), (1, 0));
    out.clear();
    t.take_reports(3, &mut out);
    assert!(out.is_empty());
}

#[test]
fn table_index_is_modid_plus_cmdid_mod_3_without_panics() {
    use crate::lb::table_index;
    assert_eq!(table_index(0, 0), 0);
    assert_eq!(table_index(1, 0), 1);
    assert_eq!(table_index(1, 1), 2);
    assert_eq!(table_index(2, 7), 0);
    assert_eq!(table_index(-1, 0), 2);
    assert_eq!(
        table_index(i32::MAX, i32::MAX),
        ((2 * i64::from(i32::MAX)) % 3) as usize
    );
    assert_eq!(
        table_index(i32::MIN, i32::MIN),
        (2 * i64::from(i32::MIN)).rem_euclid(3) as usize
    );
}

#[test]
fn negative_ids_are_distinct_modules() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    t.get_host(-1, 1, 0, &cfg);
    t.get_host(1, -1, 0, &cfg);
    t.get_host(-1, -1, 0, &cfg);
    assert_eq!(t.len(), 3);
}

#[test]
fn an_unanswered_pull_is_sent_again_after_update_timeout() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    assert_eq!(t.get_host(4, 4, 100, &cfg), (RET_NOEXIST, None));
    assert_eq!(t.take_pull_requests(), vec![(4, 4)]);
    // The answer is lost: no duplicate request within update_timeout...
    assert_eq!(
        t.get_host(4, 4, 100 + cfg.update_timeout, &cfg),
        (RET_NOEXIST, None)
    );
    assert!(t.take_pull_requests().is_empty());
    // ...and one more request after it.
    assert_eq!(
        t.get_host(4, 4, 101 + cfg.update_timeout, &cfg),
        (RET_NOEXIST, None)
    );
    assert_eq!(t.take_pull_requests(), vec![(4, 4)]);
    assert_eq!(t.module(4, 4).unwrap().status(), RouteStatus::Pulling);
}

#[test]
fn a_full_table_refuses_new_modules_but_serves_known_ones() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::with_max_modules(2);
    t.get_host(1, 1, 0, &cfg);
    t.get_host(2, 2, 0, &cfg);
    t.apply_route(1, 1, &[addr(1)], 0, &cfg);
    assert_eq!(t.take_pull_requests(), vec![(1, 1), (2, 2)]);
    assert_eq!(t.get_host(3, 3, 0, &cfg), (RET_NOEXIST, None));
    assert!(t.get_route(4, 4, 0, &cfg).is_empty());
    assert!(t.module(3, 3).is_none() && t.module(4, 4).is_none());
    assert!(
        t.take_pull_requests().is_empty(),
        "no request for refused modules"
    );
    assert_eq!(t.take_refused(), 2);
    assert_eq!(t.get_host(1, 1, 0, &cfg), (RET_SUCC, Some(addr(1))));
    assert_eq!(t.len(), 2);
}
