//! Cost of the load-balancing hot path: one `get_host` plus one `report`,
//! on a module of 10 hosts, directly on [`ModuleLb`] and through a
//! [`RouteTable`] of 100 modules (what an agent UDP thread does per call).
//!
//! Run: `cargo bench -p lars-agent --bench lb_core`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use lars_agent::lb::{LbConfig, ModuleLb, Pick, RouteTable, RET_SUCC};

const HOSTS: u32 = 10;

fn route() -> Vec<(u32, u16)> {
    (0..HOSTS)
        .map(|i| (0x0a00_0000 + i, 8000 + i as u16))
        .collect()
}

fn bench_module(c: &mut Criterion) {
    let cfg = LbConfig::default();
    let mut m = ModuleLb::new_pulling(1, 1);
    m.apply_route(&route(), 0, &cfg);
    let mut n: u64 = 0;
    c.bench_function("module get_host+report (10 hosts)", |b| {
        b.iter(|| {
            n += 1;
            // Time advances every 1024 calls so windows close now and then;
            // one call in 16 fails, as a mildly unhealthy service would.
            let now = n >> 10;
            if let Pick::Host(ip, port) = m.get_host(&cfg) {
                m.report(ip, port, n & 15 != 0, now, &cfg);
            }
            black_box(&m);
        })
    });
}

fn bench_table(c: &mut Criterion) {
    let cfg = LbConfig::default();
    let mut t = RouteTable::new();
    for modid in 0..100 {
        t.get_host(modid, 1, 0, &cfg);
        t.apply_route(modid, 1, &route(), 0, &cfg);
    }
    t.take_pull_requests();
    let mut n: u64 = 0;
    c.bench_function("table get_host+report (100 modules x 10 hosts)", |b| {
        b.iter(|| {
            n += 1;
            // Stay inside update_timeout so no re-pull is queued.
            let now = (n >> 10) % 10;
            let modid = (n % 100) as i32;
            let (_, host) = t.get_host(black_box(modid), 1, now, &cfg);
            if let Some((ip, port)) = host {
                let ret = if n & 15 == 0 { 1 } else { RET_SUCC };
                t.report(modid, 1, ip, port, ret, now, &cfg);
            }
        })
    });
}

criterion_group!(benches, bench_module, bench_table);
criterion_main!(benches);
