//! The policies of docs/LOAD_BALANCING.md §10 on one module: `wrr`,
//! `hash`, `ewma` and the panic threshold, each under the original's
//! overload rules.

use lars_proto::{HostAddr, Policy, RouteHost, RoutePolicy, Weight};

use super::{addr, call, m, overload, overloaded};
use crate::lb::{Latency, LbConfig, ModuleLb, Pick};

/// Hosts `ids` with the matching `weights`.
fn weighted(ids: &[u8], weights: &[u32]) -> Vec<RouteHost> {
    ids.iter()
        .zip(weights)
        .map(|(&i, &w)| RouteHost {
            host: addr(i),
            weight: Weight::new(w).unwrap(),
        })
        .collect()
}

/// A module of `hosts` under `policy` with `panic` percent, its random
/// source seeded with `seed`.
fn module(hosts: &[RouteHost], policy: Policy, panic: u32, seed: u64) -> ModuleLb {
    let mut lb = ModuleLb::with_seed(m(1, 1), seed);
    let policy = RoutePolicy::new(policy, panic).unwrap();
    lb.apply_route(hosts, policy, 0, &LbConfig::default());
    lb.check_invariants().unwrap();
    lb
}

/// How often each of hosts 1..=3 was picked (index 0 unused).
fn tally(picks: impl IntoIterator<Item = Pick>) -> [u32; 4] {
    let mut counts = [0; 4];
    for pick in picks {
        let host = pick.host().expect("a host was picked");
        counts[usize::from(host.ip.octets()[3])] += 1;
    }
    counts
}

#[test]
fn wrr_gives_exactly_the_weights_over_6000_reported_picks() {
    let cfg = LbConfig::default();
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 2, 3]), Policy::Wrr, 0, 1);
    let picks = (0..6_000).map(|_| {
        let pick = lb.get_host(&cfg, None, 0);
        let host = pick.host().unwrap();
        assert!(lb.report(host, super::outcome(true), None, 0, &cfg).known());
        pick
    });
    assert_eq!(tally(picks.collect::<Vec<_>>()), [0, 1_000, 2_000, 3_000]);
}

#[test]
fn a_weight_change_starts_a_fresh_wrr_cycle() {
    let cfg = LbConfig::default();
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 2, 3]), Policy::Wrr, 0, 1);
    // Stop mid-cycle, then reweigh to 1/3/1: the next 5 picks are 1/3/1
    // (carrying the old cycle's state over would give 0/3/2).
    for _ in 0..3 {
        lb.get_host(&cfg, None, 0);
    }
    lb.apply_route(&weighted(&[1, 2, 3], &[1, 3, 1]), lb.policy(), 1, &cfg);
    let counts = tally(
        (0..5)
            .map(|_| lb.get_host(&cfg, None, 1))
            .collect::<Vec<_>>(),
    );
    assert_eq!(counts, [0, 1, 3, 1]);
}

#[test]
fn wrr_leaves_overloaded_hosts_to_the_probes() {
    let cfg = LbConfig::default();
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 2, 3]), Policy::Wrr, 0, 1);
    overload(&mut lb, 3, 0, &cfg);
    // 11 picks per probe cycle (probe_num 10): 1 probe of host 3, then the
    // 10 others share 1:2 between hosts 1 and 2... over 33 picks: 3 probes,
    // 30 idle picks = 10 for host 1, 20 for host 2.
    let counts = tally(
        (0..33)
            .map(|_| lb.get_host(&cfg, None, 0))
            .collect::<Vec<_>>(),
    );
    assert_eq!(counts, [0, 10, 20, 3]);
    assert_eq!(lb.probes(), 3);
}

/// The host `lb` picks for each key of `keys`, no report made.
fn owners(lb: &mut ModuleLb, keys: std::ops::Range<u64>) -> Vec<HostAddr> {
    let cfg = LbConfig::default();
    keys.map(|k| lb.get_host(&cfg, Some(k), 0).host().unwrap())
        .collect()
}

#[test]
fn hash_maps_a_key_to_the_same_host_whatever_the_seed() {
    let hosts = weighted(&[1, 2, 3], &[1, 1, 1]);
    let first = owners(&mut module(&hosts, Policy::Hash, 0, 1), 0..1_000);
    let other_agent = owners(&mut module(&hosts, Policy::Hash, 0, 99), 0..1_000);
    assert_eq!(first, other_agent);
    // Asked again, each key still has its host.
    let mut lb = module(&hosts, Policy::Hash, 0, 1);
    assert_eq!(owners(&mut lb, 0..1_000), owners(&mut lb, 0..1_000));
}

#[test]
fn hash_spreads_keys_by_weight_and_a_new_host_takes_at_most_30_percent() {
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 2, 1]), Policy::Hash, 0, 1);
    let before = owners(&mut lb, 0..10_000);
    let counts = tally(before.iter().map(|&h| Pick::Host(h)));
    // Shares 25 % / 50 % / 25 %, each within ±10 % of itself.
    for (i, want) in [(1, 2_500.0), (2, 5_000.0), (3, 2_500.0)] {
        let got = f64::from(counts[i]);
        assert!(
            (got - want).abs() <= want * 0.10,
            "host {i}: {got} of 10000"
        );
    }
    let cfg = LbConfig::default();
    lb.apply_route(
        &weighted(&[1, 2, 3, 4], &[1, 2, 1, 1]),
        lb.policy(),
        1,
        &cfg,
    );
    lb.check_invariants().unwrap();
    let after = owners(&mut lb, 0..10_000);
    let moved = before.iter().zip(&after).filter(|(b, a)| b != a).count();
    assert!(moved <= 3_000, "{moved} of 10000 keys moved");
    assert!(before
        .iter()
        .zip(&after)
        .all(|(b, a)| b == a || *a == addr(4)));
}

#[test]
fn overloading_a_host_moves_only_its_keys() {
    let cfg = LbConfig::default();
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 1, 1]), Policy::Hash, 0, 1);
    let before = owners(&mut lb, 0..3_000);
    overload(&mut lb, 2, 0, &cfg);
    for (key, &owner) in before.iter().enumerate() {
        let probes = lb.probes();
        let got = lb.get_host(&cfg, Some(key as u64), 0).host().unwrap();
        if lb.probes() > probes {
            assert_eq!(got, addr(2), "a probe goes to the overloaded host");
        } else if owner == addr(2) {
            assert_ne!(got, addr(2), "key {key} stays on its overloaded host");
        } else {
            assert_eq!(got, owner, "key {key} moved though its host is idle");
        }
    }
}

#[test]
fn hash_without_a_key_falls_back_to_wrr() {
    let cfg = LbConfig::default();
    let mut lb = module(&weighted(&[1, 2], &[1, 3]), Policy::Hash, 0, 1);
    let counts = tally(
        (0..400)
            .map(|_| lb.get_host(&cfg, None, 0))
            .collect::<Vec<_>>(),
    );
    assert_eq!(counts, [0, 100, 300, 0]);
}

#[test]
fn ewma_sends_most_calls_to_the_fast_host() {
    let cfg = LbConfig::default();
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 1, 1]), Policy::Ewma, 0, 5);
    // One call per millisecond; hosts 1, 2, 3 take 1, 10 and 50 ms.
    let report = |lb: &mut ModuleLb, host: HostAddr, at_ms: u64| {
        let micros = [0, 1_000, 10_000, 50_000][usize::from(host.ip.octets()[3])];
        let sample = Latency { micros, at_ms };
        assert!(lb
            .report(
                host,
                super::outcome(true),
                Some(sample),
                at_ms / 1_000,
                &cfg
            )
            .known());
    };
    // Warm-up: every host reports a few calls.
    for (at_ms, i) in [1, 2, 3, 1, 2, 3].into_iter().enumerate() {
        report(&mut lb, addr(i), at_ms as u64);
    }
    let mut picks = Vec::new();
    for at_ms in 10..3_010 {
        let pick = lb.get_host(&cfg, None, at_ms / 1_000);
        report(&mut lb, pick.host().unwrap(), at_ms);
        picks.push(pick);
    }
    let counts = tally(picks);
    assert!(counts[1] > 1_800, "1 ms host: {counts:?}");
    assert!(counts[3] < 300, "50 ms host: {counts:?}");
}

#[test]
fn panic_50_with_two_of_three_overloaded_picks_all_three() {
    let cfg = LbConfig::default();
    for policy in Policy::ALL {
        let mut lb = module(&weighted(&[1, 2, 3], &[1, 1, 1]), policy, 50, 3);
        overload(&mut lb, 1, 0, &cfg);
        overload(&mut lb, 2, 0, &cfg);
        let counts = tally(
            (0..300u64)
                .map(|k| lb.get_host(&cfg, Some(k), 0))
                .collect::<Vec<_>>(),
        );
        assert!(counts[1..].iter().all(|&n| n > 30), "{policy}: {counts:?}");
        assert_eq!(lb.panic_picks(), 300, "{policy}");
        assert_eq!(lb.probes(), 0, "{policy}: no probes in panic mode");
        assert!(
            overloaded(&lb, 1) && overloaded(&lb, 2),
            "picks change no state"
        );
    }
}

#[test]
fn panic_0_keeps_the_original_overload_answer_and_probes() {
    let cfg = LbConfig::default();
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 1, 1]), Policy::Rr, 0, 3);
    for i in 1..=3 {
        overload(&mut lb, i, 0, &cfg);
    }
    let picks: Vec<Pick> = (0..22).map(|_| lb.get_host(&cfg, None, 0)).collect();
    // Ten RET_OVERLOAD, then a probe of the overload list's head, twice.
    let probes: Vec<usize> = (0..22).filter(|&n| picks[n] != Pick::Overload).collect();
    assert_eq!(probes, [10, 21]);
    assert_eq!((lb.panic_picks(), lb.probes()), (0, 2));
    // The same with panic 50 and one idle host of three: below the
    // threshold, so picks ignore overload.
    let mut lb = module(&weighted(&[1, 2, 3], &[1, 1, 1]), Policy::Rr, 50, 3);
    overload(&mut lb, 1, 0, &cfg);
    call(&mut lb, 3, true, 0, &cfg);
    assert!(lb.get_host(&cfg, None, 0).host().is_some());
    assert_eq!(lb.panic_picks(), 0, "2 of 3 idle is not below 50 %");
}
