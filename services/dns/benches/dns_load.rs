//! DNS service benchmark: reload time and peak memory of a 100 000-row
//! route table (10 000 modules × 10 hosts) from MariaDB, then GetRoute
//! requests per second served to 8 connections doing ping-pong.
//!
//! `cargo bench -p lars-dns --bench dns_load` (LARS_BENCH_SECS=5 default;
//! needs MariaDB on 127.0.0.1:3306).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lars_dns::{DnsConfig, DnsService};
use lars_proto::{msgid, GetRouteRequest, GetRouteResponse};
use lars_reactor::ServerConfig;
use lars_store::open_route_store;
use lars_testkit::client::FrameClient;
use lars_testkit::proc_status_kib;
use lars_testkit::stores::TempMysql;
use mysql::prelude::Queryable;

const MODULES: i32 = 10_000;
const HOSTS: i32 = 10;

fn rss_kib(field: &str) -> u64 {
    proc_status_kib(field).unwrap_or(0)
}

fn fill(db: &TempMysql) {
    // Create the schema through the store, then bulk-insert directly.
    let mut store = open_route_store(&db.config).expect("open MariaDB store");
    store.version().expect("schema in place");
    let mut conn = db.admin();
    conn.select_db(db.db_name())
        .expect("select the bench database");
    for chunk in 0..(MODULES / 100) {
        let values: Vec<String> = (chunk * 100..(chunk + 1) * 100)
            .flat_map(|m| {
                (0..HOSTS)
                    .map(move |h| format!("({m},1,{},{})", 0x0a00_0000 + m * 16 + h, 8000 + h))
            })
            .collect();
        conn.query_drop(format!(
            "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES {}",
            values.join(",")
        ))
        .expect("bulk insert");
    }
}

fn main() {
    let secs = std::env::var("LARS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let db = TempMysql::new("lars_bench_dns");
    fill(&db);
    let mut store = open_route_store(&db.config).unwrap();
    // Reset the peak-RSS mark so VmHWM covers the reload only.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_before = rss_kib("VmRSS:");
    let start = Instant::now();
    let routes = store.load_routes().unwrap();
    let took = start.elapsed();
    let rows: usize = routes.values().map(|route| route.hosts.len()).sum();
    println!(
        "reload: {rows} rows in {} modules loaded in {:.1} ms; RSS {} KiB -> {} KiB (peak during the load {} KiB)",
        routes.len(),
        took.as_secs_f64() * 1000.0,
        rss_before,
        rss_kib("VmRSS:"),
        rss_kib("VmHWM:")
    );
    drop(routes);

    let mut server = ServerConfig::new("lars-dns", "127.0.0.1:0".parse().unwrap());
    server.threads = 2;
    let dns = DnsService::start(DnsConfig {
        server,
        store: db.config.clone(),
        poll_interval: Duration::from_secs(1),
        reload_interval: Duration::from_secs(3600),
        store_connect_attempts: 1,
        max_subscriptions_per_conn: 100_000,
        metrics_listen: None,
    })
    .unwrap();
    let addr = dns.local_addr();
    let stop = Arc::new(AtomicBool::new(false));
    let total = Arc::new(AtomicU64::new(0));
    let clients: Vec<_> = (0..8)
        .map(|i| {
            let (stop, total) = (stop.clone(), total.clone());
            std::thread::spawn(move || {
                let mut c = FrameClient::connect(addr).unwrap();
                let mut n = 0u64;
                let mut m = i * 1000;
                while !stop.load(Ordering::Relaxed) {
                    m = (m + 1) % MODULES;
                    c.send(
                        msgid::GET_ROUTE_REQUEST,
                        &GetRouteRequest {
                            modid: m,
                            cmdid: 1,
                            ..Default::default()
                        },
                    )
                    .unwrap();
                    let r: GetRouteResponse = c
                        .recv_msg(msgid::GET_ROUTE_RESPONSE, Duration::from_secs(5))
                        .unwrap()
                        .expect("answer");
                    assert_eq!(r.host.len(), HOSTS as usize);
                    n += 1;
                }
                total.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().unwrap();
    }
    let n = total.load(Ordering::Relaxed);
    println!(
        "GetRoute: 8 connections, 2 worker loops: {:.0} requests/s ({} subscriptions)",
        n as f64 / t0.elapsed().as_secs_f64(),
        dns.subscription_count()
    );
}
