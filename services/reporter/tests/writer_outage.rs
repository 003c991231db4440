//! The writers' outage handling, driven by an in-memory store that can be
//! switched off: no database timing involved.

mod util;

use std::time::{Duration, Instant};

use lars_reporter::ReporterService;
use lars_store::StoreSettings;
use lars_testkit::client::FrameClient;
use lars_testkit::wait_until;

use util::fake::FakeDb;
use util::*;

fn fake_config() -> lars_reporter::ReporterConfig {
    config(StoreSettings::Sqlite {
        path: "/nonexistent/only-a-name.db".into(),
    })
}

/// Opening fails at start: the service starts, accepts, and stores
/// everything once the store can be opened, in batches of at most
/// `batch_size` rows.
#[test]
fn store_unopenable_at_start_then_up() {
    let db = FakeDb::new(true);
    let mut cfg = fake_config();
    cfg.batch_size = 100;
    cfg.db_thread_cnt = 2;
    let service = ReporterService::start_with(cfg, db.opener()).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let reports = modules(1, 120, 10, 1);
    send_all(&mut client, &reports);
    wait_accepted(&service, 1200);
    assert!(wait_until(WAIT, || service.stats().write_failures >= 2));
    // Accepted reports reach the writers' pending sets through their
    // queues, so the count may still be catching up here.
    assert!(
        wait_until(WAIT, || service.stats().pending_keys == 1200),
        "{:?}",
        service.stats()
    );

    db.set_down(false);
    let want = latest(&reports);
    assert!(wait_until(WAIT, || db.rows() == want));
    assert!(db.largest_batch() <= 100, "{}", db.largest_batch());
    let stats = service.stop();
    assert_eq!((stats.rows_written, stats.rows_lost), (1200, 0));
    assert!(stats.batches_written >= 12, "{stats:?}");
}

/// Writes fail mid-run; updates keep coalescing; after recovery every key
/// holds its latest value.
#[test]
fn failed_writes_are_retried_with_newer_values_winning() {
    let db = FakeDb::new(false);
    let service = ReporterService::start_with(fake_config(), db.opener()).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let mut all = modules(1, 50, 4, 1);
    send_all(&mut client, &all);
    assert!(wait_until(WAIT, || db.rows() == latest(&all)));

    db.set_down(true);
    for round in 2..=6 {
        let r = modules(1 + round, 40, 4, round as u32);
        send_all(&mut client, &r);
        all.extend(r);
        std::thread::sleep(Duration::from_millis(60));
    }
    wait_accepted(&service, 200 + 5 * 160);
    assert!(service.stats().write_failures > 0);
    db.set_down(false);
    assert!(wait_until(WAIT, || db.rows() == latest(&all)));
    assert_eq!(service.stop().rows_lost, 0);
}

/// `max_pending_keys` bounds what a writer holds while the store is down:
/// updates of held keys are kept, new keys beyond the bound dropped and
/// counted.
#[test]
fn key_bound_drops_new_keys_only() {
    let db = FakeDb::new(true);
    let mut cfg = fake_config();
    cfg.db_thread_cnt = 1;
    cfg.max_pending_keys = 50;
    let service = ReporterService::start_with(cfg, db.opener()).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let held = modules(1, 10, 5, 1);
    let updates = modules(1, 10, 5, 2);
    let beyond = modules(100, 4, 5, 1);
    send_all(&mut client, &held);
    send_all(&mut client, &beyond);
    send_all(&mut client, &updates);
    wait_accepted(&service, 120);
    assert!(wait_until(WAIT, || service.stats().updates_dropped == 20));
    assert_eq!(service.stats().pending_keys, 50);

    db.set_down(false);
    let mut want = held.clone();
    want.extend(updates);
    assert!(wait_until(WAIT, || db.rows() == latest(&want)));
    assert_eq!(service.stop().rows_lost, 0);
}

/// Stopping while the store is down gives up after `shutdown_timeout` and
/// reports how many rows were lost.
#[test]
fn stop_with_store_down_is_bounded_and_counts_losses() {
    let db = FakeDb::new(true);
    let mut cfg = fake_config();
    cfg.shutdown_timeout = Duration::from_millis(500);
    let service = ReporterService::start_with(cfg, db.opener()).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    send_all(&mut client, &modules(1, 30, 3, 1));
    wait_accepted(&service, 90);
    let started = Instant::now();
    let stats = service.stop();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(took >= Duration::from_millis(400), "{took:?}");
    assert_eq!((stats.rows_lost, stats.rows_written), (90, 0));
    assert!(db.rows().is_empty());
}

/// A store call that does not return (a server that stopped answering in
/// the middle of a write) does not hold the stop up: it returns by
/// `shutdown_timeout`, counting the keys the blocked writer holds, those
/// being written and those that arrived since.
#[test]
fn stop_with_a_hung_store_call_returns_by_the_deadline() {
    let db = FakeDb::new(false);
    let mut cfg = fake_config();
    cfg.db_thread_cnt = 1;
    cfg.shutdown_timeout = Duration::from_millis(500);
    let service = ReporterService::start_with(cfg, db.opener()).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let stored = modules(1, 30, 3, 1);
    send_all(&mut client, &stored);
    assert!(wait_until(WAIT, || db.rows() == latest(&stored)));

    db.set_hung(true);
    send_all(&mut client, &modules(1, 10, 3, 2));
    assert!(wait_until(WAIT, || db.hung_calls() == 1));
    send_all(&mut client, &modules(100, 5, 3, 1));
    assert!(
        wait_until(WAIT, || service.stats().pending_keys == 45),
        "{:?}",
        service.stats()
    );

    let started = Instant::now();
    let stats = service.stop();
    let took = started.elapsed();
    db.set_hung(false);
    assert!(took < Duration::from_millis(1500), "stop took {took:?}");
    assert!(took >= Duration::from_millis(400), "{took:?}");
    assert_eq!((stats.rows_written, stats.rows_lost), (90, 45));
}
