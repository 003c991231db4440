//! Cost of the load-balancing hot path: one `get_host` plus one `report`,
//! directly on [`ModuleLb`] under each policy (10 hosts; 100 hosts of
//! weights 1–10 for `hash`), and through a [`RouteTable`] of 100 modules
//! (what an agent UDP thread does per call). Also prints the memory of the
//! `hash` ring of 100 hosts.
//!
//! Run: `cargo bench -p lars-agent --bench lb_core`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use lars_agent::lb::{CallOutcome, HashRing, Latency, LbConfig, ModuleLb, Pick, RouteTable};
use lars_proto::{HostAddr, ModuleId, Policy, RouteHost, RoutePolicy, Weight};

const HOSTS: u32 = 10;

fn host(i: u32) -> HostAddr {
    HostAddr::from_number(0x0a00_0000 + i, 8000 + (i % 1000) as u16)
}

fn route() -> Vec<RouteHost> {
    (0..HOSTS).map(|i| RouteHost::new(host(i))).collect()
}

/// 100 hosts with weights 1..=10.
fn weighted_route() -> Vec<RouteHost> {
    (0..100)
        .map(|i| RouteHost {
            host: host(i),
            weight: Weight::new(i % 10 + 1).unwrap(),
        })
        .collect()
}

/// One call in 16 fails, as a mildly unhealthy service would.
fn outcome(n: u64) -> CallOutcome {
    if n & 15 == 0 {
        CallOutcome::Failure
    } else {
        CallOutcome::Success
    }
}

fn policy(policy: Policy) -> RoutePolicy {
    RoutePolicy {
        policy,
        panic_threshold: 0,
    }
}

/// One pick and one report per iteration on a module of `hosts` under
/// `policy`; with `timed`, a latency goes with every report (as a client
/// calling `report_with_latency` sends; the original's client sends none).
fn bench_policy(c: &mut Criterion, name: &str, hosts: &[RouteHost], chosen: Policy, timed: bool) {
    let cfg = LbConfig::default();
    let mut m = ModuleLb::with_seed(ModuleId::new(1, 1), 7);
    m.apply_route(hosts, policy(chosen), 0, &cfg);
    let mut n: u64 = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            n += 1;
            // Time advances every 1024 calls so windows close now and then.
            let now = n >> 10;
            // Only `hash` requests carry a key, as callers would send them.
            let key = (chosen == Policy::Hash).then(|| mix(n));
            if let Pick::Host(host) = m.get_host(&cfg, key, now) {
                let latency = timed.then(|| Latency {
                    micros: 1_000 + (mix(n) >> 52) as u32,
                    at_ms: n,
                });
                m.report(host, outcome(n), latency, now, &cfg);
            }
            black_box(&m);
        })
    });
}

/// A cheap spread of request keys, so `hash` does not hit one host.
fn mix(n: u64) -> u64 {
    n.wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

fn bench_policies(c: &mut Criterion) {
    let plain = route();
    let cases = [
        ("module get_host+report rr (10 hosts)", Policy::Rr, false),
        (
            "module get_host+report rr, timed reports (10 hosts)",
            Policy::Rr,
            true,
        ),
        ("module get_host+report wrr (10 hosts)", Policy::Wrr, false),
        (
            "module get_host+report ewma, timed reports (10 hosts)",
            Policy::Ewma,
            true,
        ),
    ];
    for (name, chosen, timed) in cases {
        bench_policy(c, name, &plain, chosen, timed);
    }
    let weighted = weighted_route();
    bench_policy(
        c,
        "module get_host+report hash (100 hosts, weights 1-10)",
        &weighted,
        Policy::Hash,
        false,
    );
    let ring_hosts: Vec<(HostAddr, u32)> =
        weighted.iter().map(|h| (h.host, h.weight.get())).collect();
    let ring = HashRing::new(&ring_hosts);
    println!(
        "hash ring of 100 hosts, weights 1-10: {} points, {} bytes",
        ring.len(),
        ring.memory_bytes()
    );
}

fn bench_table(c: &mut Criterion) {
    let mut t = RouteTable::new(LbConfig::default());
    for modid in 0..100 {
        t.get_host(ModuleId::new(modid, 1), None, 0);
        t.apply_route(ModuleId::new(modid, 1), &route(), RoutePolicy::default(), 0);
    }
    t.take_pull_requests();
    let mut n: u64 = 0;
    c.bench_function("table get_host+report (100 modules x 10 hosts)", |b| {
        b.iter(|| {
            n += 1;
            // Stay inside update_timeout so no re-pull is queued.
            let now = (n >> 10) % 10;
            let module = ModuleId::new((n % 100) as i32, 1);
            if let Pick::Host(host) = t.get_host(black_box(module), None, now) {
                t.report(module, host, outcome(n), None, now);
            }
        })
    });
}

criterion_group!(benches, bench_policies, bench_table);
criterion_main!(benches);
