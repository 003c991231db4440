//! docs/LOAD_BALANCING.md §6 at module level: applying routes from DNS.

use super::*;
use crate::lb::{RouteStatus, RouteUpdate};
use lars_proto::RoutePolicy;

#[test]
fn route_update_keeps_survivors_adds_new_at_tail_and_removes_vanished() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2, 3, 4], 0, &cfg);
    overload(&mut m, 3, 1, &cfg);
    assert_eq!(m.get_host(&cfg, None, 0), host(1)); // idle: 2 4 1
    call(&mut m, 2, true, 2, &cfg);
    call(&mut m, 2, true, 2, &cfg);

    // Host 1 vanishes, 5 is new; the order of the route does not matter
    // for survivors.
    let route = [addr(4), addr(2), addr(5), addr(3)];
    assert_eq!(
        m.apply_route(&plain(&route), RoutePolicy::default(), 30, &cfg),
        RouteUpdate::Applied
    );
    m.check_invariants().unwrap();

    assert_eq!(ids(m.idle_hosts()), vec![2, 4, 5]);
    assert_eq!(ids(m.overloaded_hosts()), vec![3]);
    assert_eq!(m.len(), 4);
    assert!(m.host(addr(1)).is_none(), "vanished host left the map");
    assert!(!m.all_hosts().contains(&addr(1)));
    assert_eq!(m.host(addr(2)).unwrap().rsucc, 2, "survivor kept counts");
    assert_eq!(m.host(addr(3)).unwrap().verr, 5, "still overloaded");
    assert_eq!(
        m.host(addr(5)).unwrap().idle_ts,
        30,
        "new host's window starts now"
    );
    assert_eq!(
        (m.status(), m.last_update_time()),
        (RouteStatus::New, Some(30))
    );

    let picks: Vec<Pick> = (0..3).map(|_| m.get_host(&cfg, None, 0)).collect();
    assert_eq!(picks, [2, 4, 5].map(host));
}

#[test]
fn a_host_that_returns_after_vanishing_starts_fresh() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2], 0, &cfg);
    overload(&mut m, 1, 1, &cfg);
    m.apply_route(&plain(&[addr(2)]), RoutePolicy::default(), 2, &cfg);
    m.apply_route(&plain(&[addr(2), addr(1)]), RoutePolicy::default(), 3, &cfg);
    m.check_invariants().unwrap();
    assert!(!overloaded(&m, 1));
    assert_eq!(ids(m.idle_hosts()), vec![2, 1]);
}

#[test]
fn duplicate_hosts_in_a_route_are_listed_once() {
    let cfg = LbConfig::default();
    let m = module_with(&[1, 2, 1], 0, &cfg);
    assert_eq!(m.all_hosts(), vec![addr(1), addr(2)]);
}

#[test]
fn empty_route_is_signalled_and_leaves_the_module_alone() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1], 0, &cfg);
    assert_eq!(
        m.apply_route(&plain(&[]), RoutePolicy::default(), 5, &cfg),
        RouteUpdate::Empty
    );
    assert_eq!(m.all_hosts(), vec![addr(1)]);
}

#[test]
fn all_hosts_lists_idle_then_overloaded() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2, 3], 0, &cfg);
    overload(&mut m, 1, 0, &cfg);
    assert_eq!(m.all_hosts(), vec![addr(2), addr(3), addr(1)]);
}
