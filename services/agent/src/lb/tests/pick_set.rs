//! The pick set a module publishes for picks made by callers
//! (docs/SHM.md §7): which hosts, in which rotation, which to probe, and
//! when callers must ask the agent instead.

use lars_proto::{HostAddr, Policy, RouteHost, RoutePolicy, Weight};

use super::{addr, ids, m, module_with, overload};
use crate::lb::{wrr_cycle, LbConfig, ModuleLb, PickSet, PickSetLimits, PickSetMode};

const LIMITS: PickSetLimits = PickSetLimits {
    max_hosts: 64,
    max_rotation: 256,
};

fn set_of(lb: &ModuleLb, limits: PickSetLimits) -> PickSet {
    let mut set = PickSet::default();
    lb.pick_set(limits, &mut set);
    set
}

fn with_policy(ids: &[u8], weights: &[u32], policy: Policy, panic: u32) -> ModuleLb {
    let hosts: Vec<RouteHost> = ids
        .iter()
        .zip(weights)
        .map(|(&i, &w)| RouteHost {
            host: addr(i),
            weight: Weight::new(w).unwrap(),
        })
        .collect();
    let mut lb = ModuleLb::new_pulling(m(1, 1));
    let policy = RoutePolicy::new(policy, panic).unwrap();
    lb.apply_route(&hosts, policy, 0, &LbConfig::default());
    lb
}

#[test]
fn an_idle_rr_module_rotates_over_every_host_in_the_agents_order() {
    let lb = module_with(&[1, 2, 3], 0, &LbConfig::default());
    let set = set_of(&lb, LIMITS);
    assert_eq!(set.mode, PickSetMode::Serve);
    assert_eq!(ids(set.hosts.iter().copied()), ids(lb.idle_hosts()));
    assert_eq!(set.rotation, vec![0, 1, 2]);
    assert!(set.overloaded.is_empty());
    assert!(set.probe);
}

#[test]
fn an_overloaded_host_leaves_the_rotation_for_the_probe_list() {
    let cfg = LbConfig::default();
    let mut lb = module_with(&[1, 2, 3], 0, &cfg);
    overload(&mut lb, 2, 0, &cfg);
    let set = set_of(&lb, LIMITS);
    assert_eq!(set.mode, PickSetMode::Serve);
    assert_eq!(ids(set.hosts.iter().copied()), vec![1, 3, 2]);
    assert_eq!(set.rotation, vec![0, 1]);
    assert_eq!(set.overloaded, vec![2]);
    assert!(set.probe);
}

#[test]
fn wrr_publishes_nginxs_smooth_cycle_over_the_idle_weights() {
    let lb = with_policy(&[1, 2, 3], &[5, 1, 1], Policy::Wrr, 0);
    let set = set_of(&lb, LIMITS);
    assert_eq!(set.mode, PickSetMode::Serve);
    // Hosts in the agent's order; map the cycle back to host ids.
    let cycle: Vec<u8> = set
        .rotation
        .iter()
        .map(|&i| set.hosts[usize::from(i)].ip.octets()[3])
        .collect();
    // nginx's sequence for weights a=5, b=1, c=1: a a b a c a a (up to
    // which of the light hosts comes first).
    let heavy = |i: usize| cycle[i] == 1;
    assert_eq!(cycle.len(), 7);
    assert!([0, 1, 3, 5, 6].iter().all(|&i| heavy(i)), "{cycle:?}");
    assert!(!heavy(2) && !heavy(4) && cycle[2] != cycle[4], "{cycle:?}");
}

#[test]
fn wrr_cycle_by_hand_and_its_limit() {
    let mut out = Vec::new();
    assert!(wrr_cycle(&[5, 1, 1], 7, &mut out));
    assert_eq!(out, vec![0, 0, 1, 0, 2, 0, 0]);
    let mut longer = Vec::new();
    assert!(!wrr_cycle(&[5, 1, 1], 6, &mut longer));
    assert!(longer.is_empty());
}

#[test]
fn hash_ewma_oversized_and_empty_modules_ask_the_agent() {
    for policy in [Policy::Hash, Policy::Ewma] {
        let lb = with_policy(&[1, 2], &[1, 1], policy, 0);
        assert_eq!(
            set_of(&lb, LIMITS).mode,
            PickSetMode::AskAgent,
            "{policy:?}"
        );
    }
    let lb = module_with(&[1, 2, 3], 0, &LbConfig::default());
    let small = PickSetLimits {
        max_hosts: 2,
        max_rotation: 256,
    };
    assert_eq!(set_of(&lb, small).mode, PickSetMode::AskAgent);
    let heavy = with_policy(&[1, 2], &[200, 100], Policy::Wrr, 0);
    assert_eq!(set_of(&heavy, LIMITS).mode, PickSetMode::AskAgent);
    let pulling = ModuleLb::new_pulling(m(1, 1));
    let set = set_of(&pulling, LIMITS);
    assert_eq!(set.mode, PickSetMode::Absent);
    assert!(set.hosts.is_empty() && set.rotation.is_empty());
}

#[test]
fn panic_mode_rotates_over_every_host_without_probes() {
    let cfg = LbConfig::default();
    let mut lb = with_policy(&[1, 2, 3], &[1, 1, 1], Policy::Rr, 50);
    overload(&mut lb, 1, 0, &cfg);
    overload(&mut lb, 2, 0, &cfg);
    // One idle host of three is under 50 %: panic.
    let set = set_of(&lb, LIMITS);
    assert_eq!(set.mode, PickSetMode::Serve);
    assert_eq!(set.rotation, vec![0, 1, 2]);
    assert!(set.overloaded.is_empty());
    assert!(!set.probe);
    let hosts: Vec<HostAddr> = set.hosts.clone();
    assert_eq!(hosts.len(), 3);
}
