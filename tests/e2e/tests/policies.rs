//! The load-balancing policies through the real daemons: routes, weights
//! and policies written with `lars route`, served by lars-dns from SQLite,
//! applied by lars-agent and asked for over UDP by `LarsClient`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use lars_api::{HostAddr, LarsClient, ModuleId, Policy, RetCode, Route};
use lars_e2e::{client_at, Stack, Store};
use lars_testkit::stores::TempSqlite;

const T: Duration = Duration::from_millis(1000);

fn stack() -> Stack {
    Stack::start(Store::Sqlite(TempSqlite::new("e2e-policy")), "")
}

fn addr(text: &str) -> HostAddr {
    text.parse().unwrap()
}

/// Writes module `m`'s hosts `10.9.0.i:80` with `weights` and its
/// `policy` (e.g. `["wrr"]`, `["rr", "--panic", "50"]`) into the store.
fn define(stack: &Stack, m: ModuleId, weights: &[u32], policy: &[&str]) -> Vec<HostAddr> {
    let (modid, cmdid) = (m.modid.to_string(), m.cmdid.to_string());
    let hosts: Vec<HostAddr> = (1..=weights.len())
        .map(|i| addr(&format!("10.9.0.{i}:80")))
        .collect();
    for (host, weight) in hosts.iter().zip(weights) {
        let (host, weight) = (host.to_string(), weight.to_string());
        stack.route_ok(&["add", &modid, &cmdid, &host, "--weight", &weight]);
    }
    let mut args = vec!["policy", &modid, &cmdid];
    args.extend_from_slice(policy);
    stack.route_ok(&args);
    hosts
}

/// The agent's route of `m` once `done` accepts it (10 s at most); how
/// long that took.
fn wait_route(client: &mut LarsClient, m: ModuleId, done: impl Fn(&Route) -> bool) -> Duration {
    let t0 = Instant::now();
    loop {
        if let Ok(route) = client.get_route_detail(m) {
            if done(&route) {
                return t0.elapsed();
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "route of {m} never arrived"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn pick(client: &mut LarsClient, m: ModuleId, key: Option<u64>) -> HostAddr {
    let answer = match key {
        Some(key) => client.get_host_by_key(m, key),
        None => client.get_host(m),
    };
    match answer.unwrap() {
        (RetCode::Succ, Some(host)) => host,
        other => panic!("get_host {m}: {other:?}"),
    }
}

/// `n` picks of `m`, each reported a success; how often each host came.
fn picks_with_success(client: &mut LarsClient, m: ModuleId, n: u32) -> HashMap<HostAddr, u32> {
    let mut counts = HashMap::new();
    for _ in 0..n {
        let host = pick(client, m, None);
        client.report(m, host, RetCode::Succ).unwrap();
        *counts.entry(host).or_default() += 1;
    }
    counts
}

#[test]
fn wrr_weights_and_a_weight_change_reach_the_agent() {
    let stack = stack();
    let mut client = stack.client(T);
    let m = ModuleId::new(500, 1);
    let hosts = define(&stack, m, &[1, 2, 3], &["wrr"]);
    wait_route(&mut client, m, |r| {
        r.hosts.len() == 3 && r.policy.policy == Policy::Wrr
    });
    let counts = picks_with_success(&mut client, m, 6_000);
    let got: Vec<u32> = hosts.iter().map(|h| counts[h]).collect();
    assert_eq!(got, [1_000, 2_000, 3_000]);

    stack.route_ok(&["weight", "500", "1", "10.9.0.1:80", "5"]);
    let took = wait_route(&mut client, m, |r| {
        r.hosts
            .iter()
            .any(|h| h.host == hosts[0] && h.weight.get() == 5)
    });
    assert!(
        took < Duration::from_secs(2),
        "the new weight took {took:?}"
    );
    let counts = picks_with_success(&mut client, m, 1_000);
    let got: Vec<u32> = hosts.iter().map(|h| counts[h]).collect();
    assert_eq!(got, [500, 200, 300]);
}

#[test]
fn hash_keys_agree_across_agents_spread_by_weight_and_move_little() {
    let mut stack = stack();
    let second_base = stack.start_extra_agent();
    let (mut a, mut b) = (stack.client(T), client_at(second_base, T));
    let m = ModuleId::new(501, 1);
    let hosts = define(&stack, m, &[1, 2, 1], &["hash"]);
    for client in [&mut a, &mut b] {
        wait_route(client, m, |r| {
            r.hosts.len() == 3 && r.policy.policy == Policy::Hash
        });
    }
    let owners: Vec<HostAddr> = (0..10_000).map(|k| pick(&mut a, m, Some(k))).collect();
    for k in 0..2_000 {
        assert_eq!(pick(&mut b, m, Some(k)), owners[k as usize], "key {k}");
    }
    for (host, want) in hosts.iter().zip([2_500.0, 5_000.0, 2_500.0]) {
        let got = owners.iter().filter(|o| *o == host).count() as f64;
        assert!((got - want).abs() <= want * 0.10, "{host}: {got} keys");
    }

    // A fourth host: only keys that go to it move, at most 30 %.
    stack.route_ok(&["add", "501", "1", "10.9.0.4:80"]);
    let fourth = addr("10.9.0.4:80");
    wait_route(&mut a, m, |r| r.hosts.len() == 4);
    let after: Vec<HostAddr> = (0..10_000).map(|k| pick(&mut a, m, Some(k))).collect();
    let moved = owners.iter().zip(&after).filter(|(o, n)| o != n);
    assert!(moved.clone().all(|(_, n)| *n == fourth));
    assert!(moved.count() <= 3_000);

    // Overloading one host moves only its keys (probes aside).
    let hot = hosts[1];
    for _ in 0..20 {
        a.report(m, hot, RetCode::Overload).unwrap();
    }
    let mut probes = 0;
    for (k, owner) in after.iter().enumerate().take(3_300) {
        let got = pick(&mut a, m, Some(k as u64));
        if got == hot {
            probes += 1;
        } else if *owner != hot {
            assert_eq!(got, *owner, "key {k} moved though its host is idle");
        }
    }
    // One probe every probe_num + 1 = 11 picks.
    assert!(
        (299..=301).contains(&probes),
        "{probes} probes in 3300 picks"
    );
}

#[test]
fn ewma_prefers_the_fast_host() {
    let stack = stack();
    let mut client = stack.client(T);
    let m = ModuleId::new(502, 1);
    let hosts = define(&stack, m, &[1, 1, 1], &["ewma"]);
    wait_route(&mut client, m, |r| {
        r.hosts.len() == 3 && r.policy.policy == Policy::Ewma
    });
    let latency = |h: &HostAddr| match hosts.iter().position(|x| x == h) {
        Some(0) => Duration::from_millis(1),
        Some(1) => Duration::from_millis(10),
        _ => Duration::from_millis(50),
    };
    for host in hosts.iter().chain(&hosts) {
        client
            .report_with_latency(m, *host, RetCode::Succ, latency(host))
            .unwrap();
    }
    let mut counts = HashMap::<HostAddr, u32>::new();
    for _ in 0..3_000 {
        let host = pick(&mut client, m, None);
        client
            .report_with_latency(m, host, RetCode::Succ, latency(&host))
            .unwrap();
        *counts.entry(host).or_default() += 1;
    }
    let (fast, slow) = (
        counts[&hosts[0]],
        counts.get(&hosts[2]).copied().unwrap_or(0),
    );
    assert!(fast > 1_800, "1 ms host: {counts:?}");
    assert!(slow < 300, "50 ms host: {counts:?}");
}

#[test]
fn panic_mode_picks_overloaded_hosts_until_the_threshold_is_turned_off() {
    let stack = stack();
    let mut client = stack.client(T);
    let m = ModuleId::new(503, 1);
    let hosts = define(&stack, m, &[1, 1, 1], &["rr", "--panic", "50"]);
    wait_route(&mut client, m, |r| {
        r.hosts.len() == 3 && r.policy.panic_threshold == 50
    });
    for hot in &hosts[..2] {
        for _ in 0..20 {
            client.report(m, *hot, RetCode::Overload).unwrap();
        }
    }
    let picked: Vec<HostAddr> = (0..30).map(|_| pick(&mut client, m, None)).collect();
    for host in &hosts {
        assert!(picked.contains(host), "{host} never picked in panic mode");
    }

    stack.route_ok(&["policy", "503", "1", "rr"]);
    let took = wait_route(&mut client, m, |r| r.policy.panic_threshold == 0);
    assert!(
        took < Duration::from_secs(2),
        "the new policy took {took:?}"
    );
    let picked: Vec<HostAddr> = (0..22).map(|_| pick(&mut client, m, None)).collect();
    let overloaded = picked.iter().filter(|h| **h != hosts[2]).count();
    assert_eq!(
        overloaded, 2,
        "only the probes reach overloaded hosts: {picked:?}"
    );
}
