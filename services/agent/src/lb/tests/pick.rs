//! docs/LOAD_BALANCING.md §4: which host `get_host` answers.

use super::*;
use lars_proto::RetCode;

#[test]
fn module_without_hosts_answers_noexist() {
    let cfg = LbConfig::default();
    let mut m = ModuleLb::new_pulling(m(1, 1));
    assert_eq!(m.get_host(&cfg, None, 0), Pick::NoExist);
    assert_eq!(m.get_host(&cfg, None, 0).retcode(), RetCode::NoExist);
}

#[test]
fn idle_hosts_are_served_round_robin() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2, 3], 0, &cfg);
    let picks: Vec<Pick> = (0..7).map(|_| m.get_host(&cfg, None, 0)).collect();
    let want = [1, 2, 3, 1, 2, 3, 1].map(host);
    assert_eq!(picks, want);
    // No overloaded host: nothing to probe, so access_cnt never moves.
    assert_eq!(m.access_cnt(), 0);
    assert_eq!(ids(m.idle_hosts()), vec![2, 3, 1]);
}

#[test]
fn all_overloaded_answers_overload_and_probes_once_every_probe_num_plus_one() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2], 0, &cfg);
    overload(&mut m, 1, 0, &cfg);
    overload(&mut m, 2, 0, &cfg);
    let picks: Vec<Pick> = (0..33).map(|_| m.get_host(&cfg, None, 0)).collect();
    for (n, pick) in picks.iter().enumerate() {
        let call = n + 1;
        match call {
            // Calls 1..=10 raise access_cnt to 10; call 11 probes and resets.
            11 | 33 => assert_eq!(*pick, host(1), "call {call}"),
            22 => assert_eq!(*pick, host(2), "call {call}"),
            _ => assert_eq!(*pick, Pick::Overload, "call {call}"),
        }
    }
    assert_eq!(picks[0].retcode(), RetCode::Overload);
    assert_eq!(m.access_cnt(), 0);
}

#[test]
fn with_some_hosts_overloaded_every_eleventh_pick_probes() {
    let cfg = LbConfig::default();
    let mut m = module_with(&[1, 2, 3], 0, &cfg);
    overload(&mut m, 2, 0, &cfg);
    assert_eq!(ids(m.idle_hosts()), vec![1, 3]);
    let picks: Vec<Pick> = (0..22).map(|_| m.get_host(&cfg, None, 0)).collect();
    let mut want = Vec::new();
    for _ in 0..2 {
        // Ten idle picks (access_cnt 1..=10), then the probe.
        want.extend([1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 2].map(host));
    }
    assert_eq!(picks, want);
}

#[test]
fn probe_cadence_follows_probe_num() {
    let cfg = LbConfig {
        probe_num: 2,
        ..LbConfig::default()
    };
    let mut m = module_with(&[1, 2], 0, &cfg);
    overload(&mut m, 2, 0, &cfg);
    let picks: Vec<Pick> = (0..6).map(|_| m.get_host(&cfg, None, 0)).collect();
    assert_eq!(picks, [1, 1, 2, 1, 1, 2].map(host));
}
