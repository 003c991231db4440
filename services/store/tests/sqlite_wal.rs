//! The SQLite store's write-ahead log: cut to nothing after a write that
//! leaves it at 16 MiB, and once the writer has been idle for a second;
//! the reads of lars-dns and `lars status` leave no snapshot open that
//! would hold a checkpoint back.

use std::time::{Duration, Instant};

use lars_proto::{HostAddr, ModuleId};
use lars_store::{CallStatus, CheckpointOutcome, RouteStore, SqliteStore, StatusStore};
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

const MB: u64 = 1024 * 1024;

/// 500 rows of distinct keys, the `batch`-th such set: every batch adds
/// new rows, so each one writes fresh pages to the log.
fn batch(batch: u32) -> Vec<CallStatus> {
    (0..500)
        .map(|i| {
            let n = batch * 500 + i;
            CallStatus {
                module: ModuleId::new((n / 100) as i32, 1),
                host: HostAddr::from_number(0x0A00_0000 + n, 9000),
                caller: std::net::Ipv4Addr::new(10, 1, 1, 1),
                succ_cnt: n,
                err_cnt: 1,
                ts: 1_700_000_000,
                overload: false,
            }
        })
        .collect()
}

fn sqlite_fixture() -> TempSqlite {
    TempSqlite::new("store_wal")
}

/// A writer that has written one batch, and a reader inside a transaction
/// that keeps the snapshot of that moment.
fn writer_and_old_reader(fx: &TempSqlite) -> (SqliteStore, rusqlite::Connection) {
    let mut writer = SqliteStore::open(fx.path(), false).unwrap();
    writer.upsert_statuses(&batch(0)).unwrap();
    let reader = rusqlite::Connection::open(fx.path()).unwrap();
    reader
        .execute_batch("BEGIN; SELECT COUNT(*) FROM ServerCallStatus;")
        .unwrap();
    (writer, reader)
}

/// One writer: SQLite's passive checkpoint after each commit of more than
/// 1000 pages catches up, and the log starts over instead of growing.
#[test]
fn a_lone_writer_keeps_the_log_small() {
    let fx = sqlite_fixture();
    let mut store = SqliteStore::open(fx.path(), false).unwrap();
    let mut largest = 0;
    for n in 0..300 {
        store.upsert_statuses(&batch(n)).unwrap();
        largest = largest.max(store.wal_bytes());
    }
    // 1000 pages of 4 KiB, and one batch over them.
    assert!(largest < 5 * MB, "the log reached {largest} bytes");
}

#[test]
fn an_idle_writer_truncates_the_log_after_a_second() {
    let fx = sqlite_fixture();
    let mut store = SqliteStore::open(fx.path(), false).unwrap();
    let written = Instant::now();
    store.upsert_statuses(&batch(0)).unwrap();
    assert!(store.wal_bytes() > 0);
    store.maintain().unwrap();
    if written.elapsed() < Duration::from_millis(900) {
        assert!(store.wal_bytes() > 0, "truncated right after a write");
    }
    assert!(
        wait_until(Duration::from_secs(5), || {
            store.maintain().unwrap();
            store.wal_bytes() == 0
        }),
        "the log still holds {} bytes",
        store.wal_bytes()
    );
    assert!(written.elapsed() >= Duration::from_secs(1));
}

/// lars-dns reads the version, the routes and the changed modules; `lars
/// status` reads the statistics. Their handles stay open, as the daemon's
/// does between polls; a checkpoint must still reach the end of the log
/// at once, which it could not if one of them had left a read
/// transaction open.
#[test]
fn readers_hold_no_snapshot_between_calls() {
    let fx = sqlite_fixture();
    let mut writer = SqliteStore::open(fx.path(), true).unwrap();
    writer.upsert_statuses(&batch(0)).unwrap();
    let mut dns = SqliteStore::open(fx.path(), false).unwrap();
    let mut status = SqliteStore::open(fx.path(), false).unwrap();
    assert_eq!(dns.version().unwrap(), 0);
    assert_eq!(dns.load_routes().unwrap().len(), 3, "the demo modules");
    assert!(dns.changed_modules(u64::MAX).unwrap().is_empty());
    assert_eq!(status.read_statuses(None, None).unwrap().len(), 500);
    writer
        .add_host(ModuleId::new(9, 9), "10.0.0.9:9000".parse().unwrap())
        .unwrap();
    writer.upsert_statuses(&batch(1)).unwrap();
    assert!(writer.wal_bytes() > 0);

    let started = Instant::now();
    assert_eq!(
        writer.truncate_wal(started).unwrap(),
        CheckpointOutcome::Truncated
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it waited for a reader"
    );
    assert_eq!(writer.wal_bytes(), 0);
    assert_eq!(dns.version().unwrap(), 1);
    assert_eq!(status.read_statuses(None, None).unwrap().len(), 1000);
}

/// A reader that keeps an old snapshot holds every checkpoint back, and
/// the log grows past 16 MiB: the writes go on (the checkpoint they ask
/// for stops early, after the busy timeout), and once the reader is gone
/// the next write after the retry pause cuts the log to nothing.
#[test]
fn a_log_a_reader_held_back_is_cut_by_the_next_write() {
    let fx = sqlite_fixture();
    let (mut writer, reader) = writer_and_old_reader(&fx);
    let mut n = 1;
    while writer.wal_bytes() < 16 * MB {
        writer.upsert_statuses(&batch(n)).unwrap();
        n += 1;
        assert!(n < 2000, "the log does not grow");
    }
    reader.execute_batch("COMMIT").unwrap();
    drop(reader);
    assert!(
        writer.wal_bytes() >= 16 * MB,
        "kept while the reader held on"
    );
    let cut = wait_until(Duration::from_secs(10), || {
        writer.upsert_statuses(&batch(n)).unwrap();
        n += 1;
        writer.wal_bytes() == 0
    });
    assert!(cut, "the log still holds {} bytes", writer.wal_bytes());
}

/// A reader that keeps its snapshot past the busy timeout makes the
/// checkpoint stop early: the write that asked for it still succeeds and
/// the log is kept.
#[test]
fn a_long_reader_stops_the_checkpoint_not_the_write() {
    let fx = sqlite_fixture();
    let (mut writer, reader) = writer_and_old_reader(&fx);
    writer.upsert_statuses(&batch(1)).unwrap();
    assert_eq!(
        writer.truncate_wal(Instant::now()).unwrap(),
        CheckpointOutcome::StoppedEarly
    );
    assert!(writer.wal_bytes() > 0);
    reader.execute_batch("COMMIT").unwrap();
    assert_eq!(
        writer.truncate_wal(Instant::now()).unwrap(),
        CheckpointOutcome::Truncated
    );
    assert_eq!(writer.wal_bytes(), 0);
}
