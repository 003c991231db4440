//! The MySQL backend against a real MariaDB server (127.0.0.1:3306, root,
//! no password, unless the `LARS_TEST_MYSQL_*` variables say otherwise):
//! the shared behaviour checks of `util`, then what only MySQL does
//! (reconnecting, connect errors, database creation). Each test uses a
//! database of its own, dropped at the end. A server that is not running
//! fails these tests; it does not skip them.

mod util;

use lars_store::{MysqlSettings, MysqlStore, StoreError};
use mysql::prelude::Queryable;
use util::{host, m, mysql_fixture, Fixture};

all_behaviour_tests!(mysql_fixture());

#[test]
fn open_creates_the_database_and_describes_it_without_password() {
    let fx = mysql_fixture();
    let mut store = fx.routes();
    let exists: Option<String> = fx
        .admin()
        .exec_first(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = ?",
            (fx.db_name(),),
        )
        .unwrap();
    assert_eq!(exists.as_deref(), Some(fx.db_name()));
    assert_eq!(store.describe(), fx.config.to_string());
    assert!(store.describe().ends_with(&format!("/{}", fx.db_name())));
    assert_eq!(store.version().unwrap(), 0);
}

#[test]
fn a_lost_connection_is_an_error_then_the_next_call_reconnects() {
    let fx = mysql_fixture();
    let mut store = fx.routes();
    store.add_host(m(1, 1), host("10.0.0.1:80")).unwrap();
    fx.kill_connections();
    let err = store.version().unwrap_err();
    assert!(matches!(err, StoreError::Mysql { .. }), "{err:?}");
    let msg = err.to_string();
    let target_end = format!("/{}: read route version: ", fx.db_name());
    assert!(
        msg.starts_with("mysql ") && msg.contains(&target_end),
        "{msg}"
    );
    assert!(err.is_connectivity(), "{err:?}");
    assert_eq!(store.version().unwrap(), 1, "reconnected");

    // The same inside a write transaction: nothing half-written.
    fx.kill_connections();
    assert!(store.add_host(m(1, 1), host("10.0.0.2:80")).is_err());
    assert_eq!(store.version().unwrap(), 1);
    assert_eq!(store.add_host(m(1, 1), host("10.0.0.2:80")).unwrap(), 2);
}

#[test]
fn an_unreachable_server_is_a_prompt_connect_error_naming_it() {
    // Port 1 on loopback refuses at once.
    let settings = MysqlSettings {
        port: 1,
        passwd: "secret".into(),
        db_name: "lars_x".into(),
        ..MysqlSettings::default()
    };
    let err = MysqlStore::open(&settings).err().unwrap();
    assert!(err.is_connectivity(), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.starts_with("mysql 127.0.0.1:1/lars_x: connect: "),
        "{msg}"
    );
    assert!(!msg.contains("secret"), "{msg}");
}

#[test]
fn database_names_must_be_plain_identifiers() {
    let settings = MysqlSettings {
        db_name: "x`; DROP DATABASE mysql; --".into(),
        ..MysqlSettings::default()
    };
    let err = MysqlStore::open(&settings).err().unwrap();
    assert!(matches!(err, StoreError::BadDbName { .. }), "{err:?}");
}

#[test]
fn a_database_made_before_weights_is_migrated_on_connect() {
    let fx = mysql_fixture();
    let mut admin = fx.admin();
    admin
        .query_drop(format!("CREATE DATABASE `{}`", fx.db_name()))
        .unwrap();
    admin.select_db(fx.db_name()).unwrap();
    admin
        .query_drop(
            "CREATE TABLE RouteData (id int unsigned NOT NULL AUTO_INCREMENT, modid int NOT NULL, \
             cmdid int NOT NULL, serverip int unsigned NOT NULL, serverport int unsigned NOT NULL, \
             PRIMARY KEY (id))",
        )
        .unwrap();
    admin
        .query_drop(
            "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (1, 1, 167772161, 80)",
        )
        .unwrap();
    let mut store = fx.routes();
    let rows = store.list_routes(None, None).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].weight, lars_proto::Weight::ONE, "old rows weigh 1");
    let weight = lars_proto::Weight::new(4).unwrap();
    store
        .set_weight(m(1, 1), host("10.0.0.1:80"), weight)
        .unwrap();
    // A second connection finds the column and leaves the data alone.
    let mut again = fx.routes();
    assert_eq!(again.list_routes(None, None).unwrap()[0].weight, weight);
}
