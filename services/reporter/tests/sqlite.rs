//! The report service against a real SQLite file (a fresh one per test).

mod util;

use std::time::Duration;

use lars_proto::msgid;
use lars_reporter::ReporterService;
use lars_store::StoreSettings;
use lars_testkit::client::FrameClient;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

use util::*;

scenario_tests!(TempSqlite::new("rep_sqlite"));

/// Another connection holds the database's write lock: the writers block
/// in the store while the network keeps accepting and coalescing; once
/// the lock is released the table ends with the latest values.
#[test]
fn locked_database_loses_nothing_and_ends_with_latest_values() {
    let db = TempSqlite::new("rep_sqlite_lock");
    let StoreSettings::Sqlite { path } = &db.config else {
        unreachable!()
    };
    let service = ReporterService::start(config(db.config.clone())).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let first = modules(1, 40, 5, 1);
    send_all(&mut client, &first);
    assert_table(&db.config, &latest(&first));

    let locker = rusqlite::Connection::open(path).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // Updates of half the modules, and new modules; then updates again.
    let mut all = first.clone();
    for round in [
        modules(1, 20, 5, 2),
        modules(100, 20, 5, 2),
        modules(11, 20, 5, 3),
    ] {
        send_all(&mut client, &round);
        all.extend(round);
    }
    wait_accepted(&service, 500);
    assert!(
        wait_until(WAIT, || service.stats().pending_keys > 0),
        "{:?}",
        service.stats()
    );
    let stored: i64 = locker
        .query_row("SELECT COUNT(*) FROM ServerCallStatus", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 200, "nothing written while the lock is held");
    locker.execute_batch("COMMIT").unwrap();

    assert_table(&db.config, &latest(&all));
    let stats = service.stop();
    assert_eq!((stats.results, stats.rows_lost), (500, 0));
    assert_eq!((stats.messages_dropped, stats.updates_dropped), (0, 0));
}

/// Garbage bodies and unknown msgids are dropped; the same connection
/// keeps working.
#[test]
fn garbage_and_unknown_msgids_do_not_stop_ingest() {
    let db = TempSqlite::new("rep_sqlite_garbage");
    let service = ReporterService::start(config(db.config.clone())).unwrap();
    let mut client = FrameClient::connect(service.local_addr()).unwrap();
    let mut garbage = Vec::new();
    for (id, body) in [
        (
            msgid::REPORT_STATUS_REQUEST,
            &[0xff_u8, 0xff, 0xff, 0xff][..],
        ),
        (msgid::REPORT_STATUS_REQUEST, &[0x22, 0x10, 0x01][..]),
        (99, &b"what is this"[..]),
        (msgid::GET_ROUTE_REQUEST, &[0x08, 0x01][..]),
    ] {
        garbage.extend_from_slice(&id.to_le_bytes());
        garbage.extend_from_slice(&(body.len() as i32).to_le_bytes());
        garbage.extend_from_slice(body);
    }
    client.send_bytes(&garbage).unwrap();
    let good = modules(500, 3, 2, 1);
    send_all(&mut client, &good);
    assert_table(&db.config, &latest(&good));
    assert!(!client.closed_within(Duration::from_millis(100)));
    let more = modules(600, 1, 2, 1);
    send_all(&mut client, &more);
    assert!(wait_until(WAIT, || service.stats().results == 8));
    let stats = service.stop();
    assert_eq!((stats.messages, stats.rows_lost), (4, 0));
}

/// A SQLite path that can never be written (a regular file where its
/// directory should be; even root cannot) stops the start, naming it.
#[test]
fn an_unwritable_sqlite_path_stops_the_service() {
    let scratch = lars_testkit::ScratchDir::new("rep_sqlite_unwritable");
    std::fs::write(scratch.path().join("file"), "").unwrap();
    let path = scratch.path().join("file").join("lars.db");
    let err = ReporterService::start(config(StoreSettings::Sqlite { path: path.clone() }))
        .err()
        .expect("an unwritable path stops the start");
    let text = err.to_string();
    assert!(text.contains("create directory"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");
}
