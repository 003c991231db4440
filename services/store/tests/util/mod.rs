//! Shared helpers for the store integration tests: a fixture per backend,
//! each owning a private database (a SQLite file in its own temporary
//! directory, or a MariaDB database named `lars_test_<pid>_<n>`) that is
//! removed when the fixture drops, and the behaviour checks both backends
//! must pass, run through `Box<dyn RouteStore>` / `Box<dyn StatusStore>`.
#![allow(dead_code)]

use lars_store::{CallStatus, HostAddr, RouteStore, SqliteStore, StatusStore, StoreConfig};
use mysql::prelude::Queryable;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

static NEXT_ID: AtomicU32 = AtomicU32::new(0);

/// A name unique to this process and call.
pub fn unique_name(prefix: &str) -> String {
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}_{}_{n}", std::process::id())
}

/// A private, empty database of one backend.
pub trait Fixture {
    /// A new handle on the route tables.
    fn routes(&self) -> Box<dyn RouteStore>;
    /// A new handle on the status table.
    fn statuses(&self) -> Box<dyn StatusStore>;
    /// The configuration that names this database.
    fn config(&self) -> StoreConfig;
}

/// A SQLite file in a fresh temporary directory, deleted on drop.
pub struct SqliteFixture {
    pub dir: PathBuf,
    pub path: PathBuf,
}

impl SqliteFixture {
    /// A fixture whose database file does not exist yet.
    pub fn new() -> SqliteFixture {
        let dir = std::env::temp_dir().join(unique_name("lars_store_test"));
        let path = dir.join("lars.db");
        SqliteFixture { dir, path }
    }
}

impl Fixture for SqliteFixture {
    fn routes(&self) -> Box<dyn RouteStore> {
        Box::new(SqliteStore::open(&self.path, false).expect("open sqlite route store"))
    }
    fn statuses(&self) -> Box<dyn StatusStore> {
        Box::new(SqliteStore::open(&self.path, false).expect("open sqlite status store"))
    }
    fn config(&self) -> StoreConfig {
        StoreConfig::Sqlite {
            path: self.path.clone(),
        }
    }
}

impl Drop for SqliteFixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A MariaDB database of its own on the test server, dropped on drop.
///
/// The server is `127.0.0.1:3306`, user `root`, empty password, unless
/// `LARS_TEST_MYSQL_HOST`, `LARS_TEST_MYSQL_PORT`, `LARS_TEST_MYSQL_USER` or
/// `LARS_DB_PASSWD` say otherwise. An unreachable server fails the test.
pub struct MysqlFixture {
    pub cfg: StoreConfig,
    pub db_name: String,
}

impl MysqlFixture {
    /// A fixture whose database does not exist yet (dropped if left over).
    pub fn new() -> MysqlFixture {
        let env = |key: &str, default: &str| std::env::var(key).unwrap_or(default.to_string());
        let db_name = unique_name("lars_test");
        let cfg = StoreConfig::Mysql {
            host: env("LARS_TEST_MYSQL_HOST", "127.0.0.1"),
            port: env("LARS_TEST_MYSQL_PORT", "3306")
                .parse()
                .expect("LARS_TEST_MYSQL_PORT is a port"),
            user: env("LARS_TEST_MYSQL_USER", "root"),
            passwd: env("LARS_DB_PASSWD", ""),
            db_name: db_name.clone(),
        };
        let fixture = MysqlFixture { cfg, db_name };
        fixture
            .admin()
            .query_drop(format!("DROP DATABASE IF EXISTS `{}`", fixture.db_name))
            .expect("drop left-over test database");
        fixture
    }

    /// A plain connection to the server (no database selected); panics
    /// with a message saying how to start the server when it is down.
    pub fn admin(&self) -> mysql::Conn {
        self.try_admin().unwrap_or_else(|e| {
            panic!(
                "MariaDB/MySQL is not reachable as {}: {e}. The MySQL store tests need a \
                 running server (start it with `start-stop-daemon --start --oknodo --background \
                 --exec /usr/sbin/mariadbd`, or set LARS_TEST_MYSQL_HOST/PORT/USER, LARS_DB_PASSWD)",
                self.cfg
            )
        })
    }

    fn try_admin(&self) -> mysql::Result<mysql::Conn> {
        let StoreConfig::Mysql {
            host,
            port,
            user,
            passwd,
            ..
        } = &self.cfg
        else {
            unreachable!()
        };
        let opts = mysql::OptsBuilder::new()
            .ip_or_hostname(Some(host.as_str()))
            .tcp_port(*port)
            .user(Some(user.as_str()))
            .pass(Some(passwd.as_str()))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(Duration::from_secs(3)));
        mysql::Conn::new(opts)
    }

    /// Kills every server connection using this fixture's database and
    /// waits until the server has closed them.
    pub fn kill_connections(&self) {
        let mut admin = self.admin();
        let list = "SELECT id FROM information_schema.processlist WHERE db = ?";
        let ids: Vec<u64> = admin.exec(list, (&self.db_name,)).unwrap();
        assert!(!ids.is_empty(), "no connection uses {}", self.db_name);
        for id in ids {
            admin.query_drop(format!("KILL CONNECTION {id}")).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !admin
            .exec::<u64, _, _>(list, (&self.db_name,))
            .unwrap()
            .is_empty()
        {
            assert!(Instant::now() < deadline, "killed connections still listed");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Fixture for MysqlFixture {
    fn routes(&self) -> Box<dyn RouteStore> {
        lars_store::open_route_store(&self.cfg).expect("open mysql route store")
    }
    fn statuses(&self) -> Box<dyn StatusStore> {
        lars_store::open_status_store(&self.cfg).expect("open mysql status store")
    }
    fn config(&self) -> StoreConfig {
        self.cfg.clone()
    }
}

impl Drop for MysqlFixture {
    fn drop(&mut self) {
        if let Ok(mut admin) = self.try_admin() {
            let _ = admin.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.db_name));
        }
    }
}

/// `a.b.c.d:port` as a host; panics on a typo in a test.
pub fn host(text: &str) -> HostAddr {
    lars_store::parse_host(text).unwrap()
}

/// A call status with every field derived from `n` and `gen`, so a row is
/// recognisable and an update changes every non-key field.
pub fn status(n: u32, gen: u32) -> CallStatus {
    CallStatus {
        modid: (n % 7) as i32,
        cmdid: (n / 7) as i32,
        ip: 0xC0A8_0000 + n,
        port: (n % 60000 + 1) as u16,
        caller: 0xFFFF_FF00 - n,
        succ_cnt: n * 3 + gen,
        err_cnt: n + gen,
        ts: 1_700_000_000 + gen,
        overload: (n + gen) % 2 == 1,
    }
}

/// Statuses sorted by their key, as `read_statuses` returns them.
pub fn sorted_by_key(mut rows: Vec<CallStatus>) -> Vec<CallStatus> {
    rows.sort_by_key(|s| (s.modid, s.cmdid, s.ip, s.port, s.caller));
    rows
}

mod checks;
pub use checks::*;

/// One `#[test]` per behaviour check of `checks.rs`, each on a fresh fixture
/// made by `$fixture`.
#[macro_export]
macro_rules! behaviour_tests {
    ($fixture:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                let fx = $fixture;
                $crate::util::$check(&fx);
            }
        )*
    };
}

/// Every behaviour check, for [`behaviour_tests!`].
#[macro_export]
macro_rules! all_behaviour_tests {
    ($fixture:expr) => {
        $crate::behaviour_tests!(
            $fixture;
            schema_is_idempotent,
            add_del_list,
            add_twice_is_an_error_and_writes_nothing,
            del_absent_is_an_error_and_writes_nothing,
            changes_are_tagged_with_their_version,
            load_routes_groups_hosts_per_module,
            high_ips_round_trip,
            upsert_inserts_then_updates,
            upsert_many_rows_in_one_call,
            concurrent_writers_get_distinct_versions,
            demo_seed_is_explicit_and_idempotent,
        );
    };
}
