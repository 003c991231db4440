//! Shared helpers for the store integration tests: a fixture per backend,
//! each owning a private database (a SQLite file in its own temporary
//! directory, or a MariaDB database named `lars_test_<pid>_<n>`) that is
//! removed when the fixture drops, and the behaviour checks both backends
//! must pass, run through `Box<dyn RouteStore>` / `Box<dyn StatusStore>`.
#![allow(dead_code)]

use lars_proto::{HostAddr, ModuleId};
use lars_store::{CallStatus, RouteStore, SqliteStore, StatusStore, StoreSettings};
use lars_testkit::stores::{TempMysql, TempSqlite};

/// A private, empty database of one backend.
pub trait Fixture {
    /// A new handle on the route tables.
    fn routes(&self) -> Box<dyn RouteStore>;
    /// A new handle on the status table.
    fn statuses(&self) -> Box<dyn StatusStore>;
    /// The settings that name this database.
    fn config(&self) -> StoreSettings;
}

/// A SQLite file (not created yet) in a fresh temporary directory.
pub fn sqlite_fixture() -> TempSqlite {
    TempSqlite::new("store_test")
}

/// A MariaDB database of its own on the test server (not created yet).
pub fn mysql_fixture() -> TempMysql {
    TempMysql::new("lars_test")
}

impl Fixture for TempSqlite {
    fn routes(&self) -> Box<dyn RouteStore> {
        Box::new(SqliteStore::open(self.path(), false).expect("open sqlite route store"))
    }
    fn statuses(&self) -> Box<dyn StatusStore> {
        Box::new(SqliteStore::open(self.path(), false).expect("open sqlite status store"))
    }
    fn config(&self) -> StoreSettings {
        self.config.clone()
    }
}

impl Fixture for TempMysql {
    fn routes(&self) -> Box<dyn RouteStore> {
        lars_store::open_route_store(&self.config).expect("open mysql route store")
    }
    fn statuses(&self) -> Box<dyn StatusStore> {
        lars_store::open_status_store(&self.config).expect("open mysql status store")
    }
    fn config(&self) -> StoreSettings {
        self.config.clone()
    }
}

/// Module `modid/cmdid`.
pub fn m(modid: i32, cmdid: i32) -> ModuleId {
    ModuleId::new(modid, cmdid)
}

/// `a.b.c.d:port` as a host; panics on a typo in a test.
pub fn host(text: &str) -> HostAddr {
    text.parse().unwrap()
}

/// A call status with every field derived from `n` and `gen`, so a row is
/// recognisable and an update changes every non-key field.
pub fn status(n: u32, gen: u32) -> CallStatus {
    CallStatus {
        module: m((n % 7) as i32, (n / 7) as i32),
        host: HostAddr::from_number(0xC0A8_0000 + n, (n % 60000 + 1) as u16),
        caller: (0xFFFF_FF00 - n).into(),
        succ_cnt: n * 3 + gen,
        err_cnt: n + gen,
        ts: 1_700_000_000 + gen,
        overload: (n + gen) % 2 == 1,
    }
}

/// Statuses sorted by their key, as `read_statuses` returns them.
pub fn sorted_by_key(mut rows: Vec<CallStatus>) -> Vec<CallStatus> {
    rows.sort_by_key(|s| (s.module, s.host, s.caller));
    rows
}

mod checks;
mod last_changes;
mod route_size;
pub use checks::*;
pub use last_changes::*;
pub use route_size::*;

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
            weights_are_stored_and_changed_like_hosts,
            policies_are_stored_per_module,
            last_changes_keep_each_modules_latest_edit,
            a_full_route_takes_no_more_hosts,
        );
    };
}
