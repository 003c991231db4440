//! docs/LOAD_BALANCING.md §4, §6–8 at table level: pulls, re-pulls,
//! deletion, reports.

use super::{addr, host, m, plain};
use crate::lb::{
    CallOutcome, LbConfig, ModuleReport, Pick, Refusals, RouteApply, RouteStatus, RouteTable,
};
use lars_proto::RetCode;
use lars_proto::RoutePolicy;

#[test]
fn unknown_module_is_created_pulling_and_pulled_once() {
    let mut t = RouteTable::new(LbConfig::default());
    assert_eq!(t.get_host(m(7, 8), None, 100), Pick::NoExist);
    assert_eq!(t.get_host(m(7, 8), None, 101), Pick::NoExist);
    assert_eq!(t.take_pull_requests(), vec![m(7, 8)]);
    assert!(!t.has_pull_requests());
    assert_eq!(t.module(m(7, 8)).unwrap().status(), RouteStatus::Pulling);
}

#[test]
fn route_for_a_module_not_in_the_table_is_ignored() {
    let mut t = RouteTable::new(LbConfig::default());
    assert_eq!(
        t.apply_route(m(1, 1), &plain(&[addr(1)]), RoutePolicy::default(), 0),
        RouteApply::Ignored
    );
    assert!(t.is_empty());
}

#[test]
fn empty_route_deletes_the_module_and_the_next_request_pulls_again() {
    let mut t = RouteTable::new(LbConfig::default());
    t.get_host(m(1, 1), None, 0);
    t.apply_route(m(1, 1), &plain(&[addr(1)]), RoutePolicy::default(), 0);
    assert_eq!(
        t.apply_route(m(1, 1), &plain(&[]), RoutePolicy::default(), 5),
        RouteApply::Deleted
    );
    assert!(t.module(m(1, 1)).is_none());
    assert_eq!(t.get_host(m(1, 1), None, 6), Pick::NoExist);
    assert_eq!(t.take_pull_requests(), vec![m(1, 1), m(1, 1)]);
}

#[test]
fn answers_carry_their_return_codes() {
    let mut t = RouteTable::new(LbConfig::default());
    t.get_host(m(1, 2), None, 0);
    t.apply_route(m(1, 2), &plain(&[addr(1)]), RoutePolicy::default(), 0);
    assert_eq!(t.get_host(m(1, 2), None, 1), host(1));
    for _ in 0..15 {
        assert!(
            t.report(m(1, 2), addr(1), CallOutcome::Failure, None, 1)
                .known(),
            "nonzero = failure"
        );
    }
    assert_eq!(t.get_host(m(1, 2), None, 1), Pick::Overload);
    assert!(
        !t.report(m(9, 9), addr(1), CallOutcome::Success, None, 1)
            .known(),
        "unknown module"
    );
    assert!(
        t.module(m(9, 9)).is_none(),
        "a report never creates a module"
    );
}

#[test]
fn update_timeout_repulls_a_new_module_and_a_pulling_one_waits() {
    let mut t = RouteTable::new(LbConfig::default());
    t.get_host(m(1, 1), None, 90);
    t.take_pull_requests();
    t.apply_route(m(1, 1), &plain(&[addr(1)]), RoutePolicy::default(), 100);
    assert_eq!(t.get_host(m(1, 1), None, 115).retcode(), RetCode::Succ);
    assert!(
        !t.has_pull_requests(),
        "15 s is not more than update_timeout"
    );
    // Past the timeout: still answered from the old route, then re-pulled.
    assert_eq!(t.get_host(m(1, 1), None, 116), host(1));
    assert_eq!(t.take_pull_requests(), vec![m(1, 1)]);
    assert_eq!(t.module(m(1, 1)).unwrap().status(), RouteStatus::Pulling);
    // Pulling: no second request while the first may still be answered.
    t.get_host(m(1, 1), None, 131);
    t.get_route(m(1, 1), 131);
    assert!(!t.has_pull_requests());
    t.apply_route(m(1, 1), &plain(&[addr(1)]), RoutePolicy::default(), 131);
    assert_eq!(t.module(m(1, 1)).unwrap().status(), RouteStatus::New);
}

#[test]
fn dns_reconnect_pulls_every_module_again_at_once() {
    let mut t = RouteTable::new(LbConfig::default());
    t.get_host(m(1, 1), None, 100); // never answered
    t.get_host(m(2, 2), None, 100);
    t.apply_route(m(2, 2), &plain(&[addr(1)]), RoutePolicy::default(), 100);
    t.get_host(m(2, 2), None, 120); // stale: re-pulled, answer lost
    assert_eq!(t.take_pull_requests(), vec![m(1, 1), m(2, 2), m(2, 2)]);

    t.on_dns_reconnect(130);
    let mut pulls = t.take_pull_requests();
    pulls.sort();
    assert_eq!(
        pulls,
        vec![m(1, 1), m(2, 2)],
        "both re-pulled without a request"
    );
    assert_eq!(t.module(m(1, 1)).unwrap().status(), RouteStatus::Pulling);
    assert_eq!(t.module(m(2, 2)).unwrap().status(), RouteStatus::Pulling);
    assert_eq!(t.get_host(m(1, 1), None, 101), Pick::NoExist);
    assert_eq!(t.get_host(m(2, 2), None, 121), host(1), "still answers");
    assert!(
        t.take_pull_requests().is_empty(),
        "no duplicate pulls while pulling"
    );
    t.apply_route(m(2, 2), &plain(&[addr(1)]), RoutePolicy::default(), 122);
    assert_eq!(t.module(m(2, 2)).unwrap().status(), RouteStatus::New);
}

#[test]
fn get_route_creates_and_pulls_then_lists_every_host() {
    let mut t = RouteTable::new(LbConfig::default());
    assert!(t.get_route(m(3, 4), 0).hosts.is_empty());
    assert_eq!(t.take_pull_requests(), vec![m(3, 4)]);
    t.apply_route(
        m(3, 4),
        &plain(&[addr(1), addr(2)]),
        RoutePolicy::default(),
        0,
    );
    for _ in 0..15 {
        t.report(m(3, 4), addr(1), CallOutcome::Failure, None, 0);
    }
    assert_eq!(t.get_route(m(3, 4), 10).hosts, plain(&[addr(2), addr(1)]));
    assert!(!t.has_pull_requests());
    assert_eq!(t.get_route(m(3, 4), 16).hosts.len(), 2);
    assert_eq!(t.take_pull_requests(), vec![m(3, 4)], "same re-pull rule");
}

#[test]
fn take_reports_lists_only_modules_that_had_reports() {
    let mut t = RouteTable::new(LbConfig::default());
    let mut out: Vec<ModuleReport> = Vec::new();
    for modid in [1, 2] {
        t.get_host(m(modid, 0), None, 0);
        t.apply_route(m(modid, 0), &plain(&[addr(1)]), RoutePolicy::default(), 0);
    }
    t.take_reports(1, &mut out);
    assert!(out.is_empty());
    t.report(m(2, 0), addr(1), CallOutcome::Success, None, 1);
    t.take_reports(2, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].module, out[0].ts), (m(2, 0), 2));
    assert_eq!((out[0].hosts[0].succ, out[0].hosts[0].err), (1, 0));
    out.clear();
    t.take_reports(3, &mut out);
    assert!(out.is_empty());
}

#[test]
fn negative_ids_are_distinct_modules() {
    let mut t = RouteTable::new(LbConfig::default());
    t.get_host(m(-1, 1), None, 0);
    t.get_host(m(1, -1), None, 0);
    t.get_host(m(-1, -1), None, 0);
    assert_eq!(t.len(), 3);
}

#[test]
fn an_unanswered_pull_is_sent_again_after_update_timeout() {
    let mut t = RouteTable::new(LbConfig::default());
    assert_eq!(t.get_host(m(4, 4), None, 100), Pick::NoExist);
    assert_eq!(t.take_pull_requests(), vec![m(4, 4)]);
    // The answer is lost: no duplicate request within update_timeout...
    assert_eq!(
        t.get_host(m(4, 4), None, 115), // 100 + update_timeout
        Pick::NoExist
    );
    assert!(t.take_pull_requests().is_empty());
    // ...and one more request after it.
    assert_eq!(t.get_host(m(4, 4), None, 116), Pick::NoExist);
    assert_eq!(t.take_pull_requests(), vec![m(4, 4)]);
    assert_eq!(t.module(m(4, 4)).unwrap().status(), RouteStatus::Pulling);
}

#[test]
fn a_full_table_refuses_new_modules_but_serves_known_ones() {
    let mut t = RouteTable::with_max_modules(LbConfig::default(), 2);
    t.get_host(m(1, 1), None, 0);
    t.get_host(m(2, 2), None, 0);
    t.apply_route(m(1, 1), &plain(&[addr(1)]), RoutePolicy::default(), 0);
    assert_eq!(t.take_pull_requests(), vec![m(1, 1), m(2, 2)]);
    assert_eq!(t.get_host(m(3, 3), None, 0), Pick::NoExist);
    assert!(t.get_route(m(4, 4), 0).hosts.is_empty());
    assert!(t.module(m(3, 3)).is_none() && t.module(m(4, 4)).is_none());
    assert!(
        t.take_pull_requests().is_empty(),
        "no request for refused modules"
    );
    assert_eq!(t.take_refused(), Refusals { full: 2, rate: 0 });
    assert_eq!(t.get_host(m(1, 1), None, 0), host(1));
    assert_eq!(t.len(), 2);
}

#[test]
fn new_modules_beyond_the_rate_wait_for_the_next_second() {
    let mut t = RouteTable::new(LbConfig::default()).with_new_module_rate(2);
    for modid in 1..=5 {
        t.get_host(m(modid, 1), None, 10);
    }
    assert_eq!(t.take_pull_requests(), vec![m(1, 1), m(2, 1)]);
    assert_eq!(t.take_refused(), Refusals { full: 0, rate: 3 });
    // Known modules are served whatever the rate; the next second admits
    // two more new ones.
    t.apply_route(m(1, 1), &plain(&[addr(1)]), RoutePolicy::default(), 10);
    assert_eq!(t.get_host(m(1, 1), None, 10), host(1));
    for modid in 3..=5 {
        t.get_host(m(modid, 1), None, 11);
    }
    assert_eq!(t.take_pull_requests(), vec![m(3, 1), m(4, 1)]);
    assert_eq!((t.len(), t.routed()), (4, 1));
}

#[test]
fn picks_made_outside_re_pull_stale_routes_and_add_their_probes() {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new(cfg.clone());
    t.get_host(m(1, 1), None, 0);
    t.take_pull_requests();
    t.apply_route(m(1, 1), &plain(&[addr(1)]), RoutePolicy::default(), 0);
    // Within update_timeout (15 s) a pick from memory asks for nothing.
    t.touch(m(1, 1), 15);
    assert!(!t.has_pull_requests());
    t.touch(m(1, 1), 16);
    assert_eq!(t.take_pull_requests(), vec![m(1, 1)]);
    // A module not in the table is neither created nor pulled.
    t.touch(m(2, 2), 16);
    assert!(t.module(m(2, 2)).is_none());
    assert!(!t.has_pull_requests());
    t.count_outside_probes(m(1, 1), 3);
    t.count_outside_probes(m(2, 2), 5);
    assert_eq!(t.probes(), 3);
    assert_eq!(t.module(m(1, 1)).unwrap().probes(), 3);
}
