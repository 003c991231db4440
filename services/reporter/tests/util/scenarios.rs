//! Scenarios run against every real backend (SQLite and MariaDB).

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use lars_proto::ModuleId;
use lars_reporter::ReporterService;
use lars_store::{CallStatus, StoreSettings};
use lars_testkit::client::FrameClient;

use super::*;

/// One report with hosts at and above 128.0.0.0 reaches ServerCallStatus
/// with every column right; a result with an impossible port is skipped.
pub fn report_reaches_the_table(store: StoreSettings) {
    let service = ReporterService::start(config(store.clone())).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let req = report(
        7,
        3,
        1_700_000_123,
        &[
            (Ipv4Addr::new(192, 168, 1, 177), 7777, 10, 2, true),
            (Ipv4Addr::new(10, 0, 0, 1), 80, 5, 0, false),
            (Ipv4Addr::new(10, 0, 0, 2), 70_000, 1, 1, false),
        ],
    );
    send_all(&mut client, &[req]);
    let want = vec![
        CallStatus {
            module: ModuleId::new(7, 3),
            host: "10.0.0.1:80".parse().unwrap(),
            caller: "200.1.2.3".parse().unwrap(),
            succ_cnt: 5,
            err_cnt: 0,
            ts: 1_700_000_123,
            overload: false,
        },
        CallStatus {
            module: ModuleId::new(7, 3),
            host: "192.168.1.177:7777".parse().unwrap(),
            caller: "200.1.2.3".parse().unwrap(),
            succ_cnt: 10,
            err_cnt: 2,
            ts: 1_700_000_123,
            overload: true,
        },
    ];
    assert_table(&store, &want);
    let stats = service.stop();
    assert_eq!((stats.messages, stats.results), (1, 2));
    assert_eq!(stats.results_rejected, 1);
    assert_eq!(stats.rows_lost, 0);
}

/// Ten reports for one key, sent back to back while flushes run every
/// 50 ms, leave the tenth.
pub fn last_of_ten_reports_wins(store: StoreSettings) {
    let service = ReporterService::start(config(store.clone())).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let host = Ipv4Addr::new(172, 16, 0, 9);
    let reports: Vec<_> = (1..=10u32)
        .map(|n| {
            report(
                42,
                1,
                1_700_000_000 + n,
                &[(host, 8080, n, 10 - n, n % 2 == 0)],
            )
        })
        .collect();
    for r in &reports {
        send_all(&mut client, std::slice::from_ref(r));
        std::thread::sleep(Duration::from_millis(15));
    }
    let tenth = CallStatus {
        module: ModuleId::new(42, 1),
        host: "172.16.0.9:8080".parse().unwrap(),
        caller: "200.1.2.3".parse().unwrap(),
        succ_cnt: 10,
        err_cnt: 0,
        ts: 1_700_000_010,
        overload: true,
    };
    assert_table(&store, &[tenth]);
    assert_eq!(service.stop().rows_lost, 0);
}

/// 200 messages of 10 results each: 2000 distinct keys arrive intact.
pub fn two_thousand_keys_arrive_intact(store: StoreSettings) {
    let service = ReporterService::start(config(store.clone())).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let reports = modules(1000, 200, 10, 1);
    send_all(&mut client, &reports);
    let want = latest(&reports);
    assert_eq!(want.len(), 2000);
    assert_table(&store, &want);
    let stats = service.stop();
    assert_eq!((stats.messages, stats.results), (200, 2000));
    assert_eq!((stats.messages_dropped, stats.updates_dropped), (0, 0));
}

/// With a 60 s flush interval only the flush at stop can write: `stop()`
/// stores everything accepted.
pub fn stop_flushes_pending_rows(store: StoreSettings) {
    let mut cfg = config(store.clone());
    cfg.flush_interval = Duration::from_secs(60);
    let service = ReporterService::start(cfg).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let reports = modules(3000, 30, 5, 4);
    send_all(&mut client, &reports);
    wait_accepted(&service, 150);
    std::thread::sleep(Duration::from_millis(100));
    // The table exists (once the writer opened the store) and is empty.
    assert!(
        wait_until(WAIT, || read_all(&store) == Some(vec![])),
        "nothing flushed yet: {:?}",
        read_all(&store)
    );
    assert!(wait_until(WAIT, || service.stats().pending_keys == 150));
    let started = Instant::now();
    let stats = service.stop();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        (stats.rows_written, stats.rows_lost, stats.pending_keys),
        (150, 0, 0)
    );
    assert_eq!(read_all(&store).unwrap(), latest(&reports));
}
