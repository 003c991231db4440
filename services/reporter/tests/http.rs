//! The report service's HTTP endpoint over real HTTP: counters follow the
//! reports accepted and the rows written; the store's state and `/healthz`
//! follow a store that goes down (an in-memory store switched off).

mod util;

use std::time::Duration;

use lars_reporter::ReporterService;
use lars_store::StoreSettings;
use lars_testkit::client::FrameClient;
use lars_testkit::http::{http_get, Exposition};
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

use util::fake::FakeDb;
use util::*;

fn with_metrics(store: StoreSettings) -> lars_reporter::ReporterConfig {
    let mut c = config(store);
    c.metrics_listen = Some("127.0.0.1:0".parse().unwrap());
    c
}

#[test]
fn counters_follow_reports_and_rows_written() {
    let db = TempSqlite::new("reporter_http");
    let service = ReporterService::start(with_metrics(db.config.clone())).unwrap();
    let http = service.http_addr().expect("[metrics] listen is set");
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    // 30 modules of 2 hosts: 30 messages, 60 results, 60 rows.
    let reports = modules(1, 30, 2, 1);
    send_all(&mut client, &reports);
    wait_accepted(&service, 60);
    assert!(wait_until(WAIT, || {
        Exposition::scrape(http).value("lars_reporter_rows_written_total", &[]) == Some(60.0)
    }));
    let e = Exposition::scrape(http);
    assert_eq!(e.value("lars_reporter_messages_total", &[]), Some(30.0));
    assert_eq!(
        e.value("lars_reporter_results_accepted_total", &[]),
        Some(60.0)
    );
    assert_eq!(
        e.value("lars_reporter_messages_dropped_total", &[]),
        Some(0.0)
    );
    assert!(e.value("lars_reporter_transactions_total", &[]).unwrap() >= 1.0);
    assert!(
        e.histogram_count("lars_reporter_flush_duration_seconds")
            .unwrap()
            >= 1.0
    );
    assert_eq!(e.value("lars_reporter_connections", &[]), Some(1.0));
    assert_eq!(e.value("lars_reporter_store_up", &[]), Some(1.0));
    // One pending-keys gauge per writer (3), all drained.
    for writer in ["0", "1", "2"] {
        assert_eq!(
            e.value("lars_reporter_pending_keys", &[("writer", writer)]),
            Some(0.0)
        );
    }
    assert_eq!(
        e.value("lars_build_info", &[("daemon", "lars-reporter")]),
        Some(1.0)
    );
    assert_eq!(http_get(http, "/healthz"), (200, "ok\n".to_string()));
    service.stop();
}

#[test]
fn a_store_down_longer_than_unhealthy_after_fails_healthz() {
    let fake = FakeDb::new(false);
    let mut cfg = with_metrics(StoreSettings::Sqlite {
        path: "/nonexistent/only-a-name.db".into(),
    });
    cfg.unhealthy_after = Duration::from_millis(300);
    let service = ReporterService::start_with(cfg, fake.opener()).unwrap();
    let http = service.http_addr().unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    fake.set_down(true);
    send_all(&mut client, &modules(1, 5, 2, 1));
    assert!(wait_until(WAIT, || {
        Exposition::scrape(http).value("lars_reporter_store_up", &[]) == Some(0.0)
    }));
    let e = Exposition::scrape(http);
    assert!(e.value("lars_reporter_write_failures_total", &[]).unwrap() >= 1.0);
    assert_eq!(
        e.sum("lars_reporter_pending_keys", &[]),
        10.0,
        "held while down"
    );
    assert!(wait_until(WAIT, || http_get(http, "/healthz").0 == 503));
    let (_, reason) = http_get(http, "/healthz");
    assert!(
        reason.starts_with("status store unreachable for "),
        "{reason}"
    );

    fake.set_down(false);
    assert!(wait_until(WAIT, || http_get(http, "/healthz").0 == 200));
    assert_eq!(
        Exposition::scrape(http).value("lars_reporter_store_up", &[]),
        Some(1.0)
    );
    service.stop();
}
