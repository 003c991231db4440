//! The SQLite backend against real database files: the shared behaviour
//! checks of `util`, then what only SQLite does (file creation, first-run
//! demo seeding, WAL so a writer does not wait for a reader).

mod util;

use lars_store::{open_route_store, RouteStore, SqliteStore, StoreError};
use util::{host, m, sqlite_fixture, Fixture};

all_behaviour_tests!(sqlite_fixture());

#[test]
fn open_creates_parent_directories_and_uses_wal() {
    let fx = sqlite_fixture();
    let nested = fx.dir().join("a/b/lars.db");
    let store = SqliteStore::open(&nested, false).unwrap();
    assert_eq!(store.path(), nested);
    assert_eq!(
        RouteStore::describe(&store),
        format!("sqlite {}", nested.display())
    );
    let raw = rusqlite::Connection::open(&nested).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_new_file_is_seeded_only_when_asked() {
    let fx = sqlite_fixture();
    let mut store = SqliteStore::open(fx.path(), true).unwrap();
    assert_eq!(store.list_routes(None, None).unwrap().len(), 6);
    assert_eq!(store.version().unwrap(), 0);
    for h in ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"] {
        store.del_host(m(1, 1), host(h)).unwrap();
    }
    drop(store);
    // An existing file is never seeded again.
    let mut again = SqliteStore::open(fx.path(), true).unwrap();
    assert_eq!(again.list_routes(None, None).unwrap().len(), 3);

    let unseeded = fx.dir().join("unseeded.db");
    assert!(SqliteStore::open(&unseeded, false)
        .unwrap()
        .list_routes(None, None)
        .unwrap()
        .is_empty());
    let mut reopened = SqliteStore::open(&unseeded, true).unwrap();
    assert!(
        reopened.load_routes().unwrap().is_empty(),
        "existing empty file not seeded"
    );
}

#[test]
fn open_route_store_seeds_a_new_file() {
    let fx = sqlite_fixture();
    let mut store = open_route_store(&fx.config()).unwrap();
    assert_eq!(store.load_routes().unwrap().len(), 3);
}

#[test]
fn a_writer_does_not_wait_for_an_open_reader() {
    let fx = sqlite_fixture();
    let mut store = fx.routes();
    let reader = rusqlite::Connection::open(fx.path()).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let before: i64 = reader
        .query_row("SELECT COUNT(*) FROM RouteData", [], |r| r.get(0))
        .unwrap();
    let started = std::time::Instant::now();
    store.add_host(m(1, 1), host("10.0.0.1:80")).unwrap();
    assert!(
        started.elapsed() < lars_store::BUSY_TIMEOUT,
        "writer waited for the reader"
    );
    let during: i64 = reader
        .query_row("SELECT COUNT(*) FROM RouteData", [], |r| r.get(0))
        .unwrap();
    assert_eq!(before, during, "the reader keeps its snapshot");
    reader.execute_batch("COMMIT").unwrap();
    assert_eq!(fx.routes().version().unwrap(), 1);
}

#[test]
fn unusable_paths_are_named_in_the_error() {
    let fx = sqlite_fixture();
    std::fs::create_dir_all(fx.dir()).unwrap();
    let file = fx.dir().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let err = SqliteStore::open(file.join("lars.db"), false)
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with(&format!(
            "sqlite {}/lars.db: create directory",
            file.display()
        )),
        "{msg}"
    );

    let not_a_db = fx.dir().join("garbage.db");
    std::fs::write(&not_a_db, vec![b'x'; 4096]).unwrap();
    let msg = SqliteStore::open(&not_a_db, false)
        .err()
        .unwrap()
        .to_string();
    assert!(
        msg.starts_with(&format!("sqlite {}: ", not_a_db.display())),
        "{msg}"
    );
}

#[test]
fn a_database_made_before_weights_is_migrated_on_open() {
    let fx = sqlite_fixture();
    std::fs::create_dir_all(fx.dir()).unwrap();
    let old = rusqlite::Connection::open(fx.path()).unwrap();
    old.execute_batch(
        "CREATE TABLE RouteData (id INTEGER PRIMARY KEY AUTOINCREMENT, modid INTEGER NOT NULL, \
         cmdid INTEGER NOT NULL, serverip INTEGER NOT NULL, serverport INTEGER NOT NULL);
         INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (1, 1, 167772161, 80);",
    )
    .unwrap();
    drop(old);
    let mut store = SqliteStore::open(fx.path(), false).unwrap();
    let rows = store.list_routes(None, None).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].weight, lars_proto::Weight::ONE, "old rows weigh 1");
    let weight = lars_proto::Weight::new(4).unwrap();
    store
        .set_weight(m(1, 1), host("10.0.0.1:80"), weight)
        .unwrap();
    drop(store);
    // Opening again finds the column and leaves the data alone.
    let mut again = SqliteStore::open(fx.path(), false).unwrap();
    assert_eq!(again.list_routes(None, None).unwrap()[0].weight, weight);
}
