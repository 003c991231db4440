//! The report service against the MariaDB server on 127.0.0.1:3306 (a
//! fresh database per test). These tests fail, never skip, when the
//! server is absent. Outages are made with a [`TcpProxy`] in front of it.

mod util;

use lars_reporter::ReporterService;
use lars_store::StoreSettings;
use lars_testkit::client::FrameClient;
use lars_testkit::proxy::TcpProxy;
use lars_testkit::stores::{via_port, TempMysql};
use lars_testkit::wait_until;

use util::*;

scenario_tests!(TempMysql::new("rep_mysql"));

/// A database reached through `proxy`, and the same database reached
/// directly (for the test's own reads).
fn behind_proxy(prefix: &str, proxy: &TcpProxy) -> (TempMysql, StoreSettings) {
    let mut db = TempMysql::new(prefix);
    let direct = db.config.clone();
    db.config = via_port(&direct, proxy.addr().port());
    (db, direct)
}

/// The store goes away during ingest: reports keep being accepted, the
/// writers retry, and once it is back the table holds the latest value of
/// every key.
#[test]
fn outage_during_ingest_loses_no_key() {
    let mut proxy = TcpProxy::start("127.0.0.1:3306".parse().unwrap()).unwrap();
    let (_db, direct) = behind_proxy("rep_mysql_outage", &proxy);
    let service = ReporterService::start(config(_db.config.clone())).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let first = modules(1, 60, 5, 1);
    send_all(&mut client, &first);
    assert_table(&direct, &latest(&first));

    proxy.cut();
    let mut all = first.clone();
    let during = [modules(1, 30, 5, 2), modules(200, 30, 5, 2)];
    for round in during {
        send_all(&mut client, &round);
        all.extend(round);
    }
    assert!(
        wait_until(WAIT, || service.stats().write_failures > 0),
        "the writers noticed the outage: {:?}",
        service.stats()
    );
    let again = modules(21, 30, 5, 3);
    send_all(&mut client, &again);
    all.extend(again);
    wait_accepted(&service, 750);
    let stats = service.stats();
    assert!(stats.pending_keys > 0, "{stats:?}");
    assert_eq!(read_all(&direct).unwrap().len(), 300, "nothing new stored");

    proxy.restore().unwrap();
    assert_table(&direct, &latest(&all));
    let stats = service.stop();
    assert_eq!((stats.results, stats.rows_lost), (750, 0));
    assert_eq!((stats.messages_dropped, stats.updates_dropped), (0, 0));
}

/// The store is unreachable when the service starts: it starts anyway,
/// accepts reports, and writes them once the store is back.
#[test]
fn store_down_at_start_then_restored() {
    let mut proxy = TcpProxy::start("127.0.0.1:3306".parse().unwrap()).unwrap();
    let (db, direct) = behind_proxy("rep_mysql_down", &proxy);
    proxy.cut();
    let service = ReporterService::start(config(db.config.clone())).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let mut all = modules(1, 50, 4, 1);
    all.extend(modules(1, 50, 4, 2));
    send_all(&mut client, &all);
    wait_accepted(&service, 400);
    // Accepted reports reach the writers' pending sets through their queues.
    assert!(wait_until(WAIT, || service.stats().pending_keys == 200));
    let stats = service.stats();
    assert_eq!(
        (stats.pending_keys, stats.rows_written),
        (200, 0),
        "{stats:?}"
    );
    assert!(
        wait_until(WAIT, || service.stats().write_failures > 0),
        "{stats:?}"
    );

    proxy.restore().unwrap();
    assert_table(&direct, &latest(&all));
    assert_eq!(service.stop().rows_lost, 0);
}

/// A user the server refuses is permanent: the service does not start,
/// and the error names the store and the refusal.
#[test]
fn access_denied_at_start_stops_the_service() {
    let db = TempMysql::new("rep_mysql_denied");
    let StoreSettings::Mysql(mut settings) = db.config.clone() else {
        unreachable!("TempMysql is MySQL")
    };
    settings.user = "lars_no_such_user".into();
    settings.passwd = "wrong".into();
    let err = ReporterService::start(config(StoreSettings::Mysql(settings)))
        .err()
        .expect("a refused user stops the start");
    let text = err.to_string();
    assert!(text.contains("1045"), "access denied: {text}");
    assert!(text.contains(db.db_name()), "{text}");
}
