//! Cost of the load-balancing hot path: one `get_host` plus one `report`,
//! on a module of 10 hosts, directly on [`ModuleLb`] and through a
//! [`RouteTable`] of 100 modules (what an agent UDP thread does per call).
//!
//! Run: `cargo bench -p lars-agent --bench lb_core`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use lars_agent::lb::{CallOutcome, LbConfig, ModuleLb, Pick, RouteTable};
use lars_proto::{HostAddr, ModuleId};

const HOSTS: u32 = 10;

fn route() -> Vec<HostAddr> {
    (0..HOSTS)
        .map(|i| HostAddr::from_number(0x0a00_0000 + i, 8000 + i as u16))
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

fn bench_module(c: &mut Criterion) {
    let cfg = LbConfig::default();
    let mut m = ModuleLb::new_pulling(ModuleId::new(1, 1));
    m.apply_route(&route(), 0, &cfg);
    let mut n: u64 = 0;
    c.bench_function("module get_host+report (10 hosts)", |b| {
        b.iter(|| {
            n += 1;
            // Time advances every 1024 calls so windows close now and then.
            let now = n >> 10;
            if let Pick::Host(host) = m.get_host(&cfg) {
                m.report(host, outcome(n), now, &cfg);
            }
            black_box(&m);
        })
    });
}

fn bench_table(c: &mut Criterion) {
    let mut t = RouteTable::new(LbConfig::default());
    for modid in 0..100 {
        t.get_host(ModuleId::new(modid, 1), 0);
        t.apply_route(ModuleId::new(modid, 1), &route(), 0);
    }
    t.take_pull_requests();
    let mut n: u64 = 0;
    c.bench_function("table get_host+report (100 modules x 10 hosts)", |b| {
        b.iter(|| {
            n += 1;
            // Stay inside update_timeout so no re-pull is queued.
            let now = (n >> 10) % 10;
            let module = ModuleId::new((n % 100) as i32, 1);
            if let Pick::Host(host) = t.get_host(black_box(module), now) {
                t.report(module, host, outcome(n), now);
            }
        })
    });
}

criterion_group!(benches, bench_module, bench_table);
criterion_main!(benches);
