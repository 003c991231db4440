//! Per-test stores: a fresh SQLite file or a fresh MariaDB database, so
//! tests run in parallel without sharing state. The MariaDB server is the
//! one [`mysql_server`] names; when it is not there the test fails, it
//! never skips.

use std::path::PathBuf;
use std::time::Duration;

use lars_store::{MysqlSettings, StoreSettings};
use mysql::prelude::Queryable;

use crate::scratch::{unique, ScratchDir};

/// A SQLite store in a new temporary directory (removed on drop).
pub struct TempSqlite {
    _dir: ScratchDir,
    path: PathBuf,
    /// The settings pointing at the file.
    pub config: StoreSettings,
}

impl TempSqlite {
    /// A new, not yet created, database file.
    pub fn new(prefix: &str) -> TempSqlite {
        let dir = ScratchDir::new(prefix);
        let path = dir.join("lars.db");
        TempSqlite {
            config: StoreSettings::Sqlite { path: path.clone() },
            path,
            _dir: dir,
        }
    }

    /// The database file.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The directory the file is in (removed on drop).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// The `[store]` lines of a config file for this store.
    pub fn ini(&self) -> String {
        format!(
            "[store]\nbackend = sqlite\nsqlite_path = {}\n",
            self.path.display()
        )
    }
}

/// A MariaDB database of this test's own, dropped on drop.
///
/// The server is `127.0.0.1:3306`, user `root`, password `LARS_DB_PASSWD`
/// (empty when unset), unless `LARS_TEST_MYSQL_HOST`, `LARS_TEST_MYSQL_PORT`
/// or `LARS_TEST_MYSQL_USER` say otherwise. An unreachable server fails the
/// test that asks for a connection: MySQL tests never skip.
pub struct TempMysql {
    /// The settings naming the database (created by the store on first
    /// open).
    pub config: StoreSettings,
    /// The server, without a database.
    server: MysqlSettings,
    db_name: String,
}

/// Password for the test server: `LARS_DB_PASSWD`, or empty.
pub fn mysql_password() -> String {
    std::env::var(lars_store::PASSWD_ENV).unwrap_or_default()
}

/// The test server (see [`TempMysql`]), without a database name.
pub fn mysql_server() -> MysqlSettings {
    let env = |key: &str, default: &str| std::env::var(key).unwrap_or(default.to_string());
    MysqlSettings {
        host: env("LARS_TEST_MYSQL_HOST", "127.0.0.1"),
        port: env("LARS_TEST_MYSQL_PORT", "3306")
            .parse()
            .expect("LARS_TEST_MYSQL_PORT is a port"),
        user: env("LARS_TEST_MYSQL_USER", "root"),
        passwd: mysql_password(),
        db_name: String::new(),
    }
}

impl TempMysql {
    /// A fresh database name on the test server.
    pub fn new(prefix: &str) -> TempMysql {
        let server = mysql_server();
        let db_name = unique(prefix);
        let config = StoreSettings::Mysql(MysqlSettings {
            db_name: db_name.clone(),
            ..server.clone()
        });
        TempMysql {
            config,
            server,
            db_name,
        }
    }

    /// The database's name.
    pub fn db_name(&self) -> &str {
        &self.db_name
    }

    /// The `[store]`/`[mysql]` lines of a config file for this database.
    pub fn ini(&self) -> String {
        let StoreSettings::Mysql(m) = &self.config else {
            unreachable!("a TempMysql holds MySQL settings")
        };
        format!(
            "[store]\nbackend = mysql\n[mysql]\ndb_host = {}\ndb_port = {}\ndb_user = {}\ndb_name = {}\n",
            m.host, m.port, m.user, m.db_name
        )
    }

    /// A plain connection to the server (no database selected); panics
    /// with a message saying how to start the server when it is down.
    pub fn admin(&self) -> mysql::Conn {
        self.try_admin().unwrap_or_else(|e| {
            panic!(
                "MariaDB/MySQL is not reachable as {:?}: {e}. The MySQL tests need a running \
                 server: run scripts/ensure-mariadb.sh (make test does), or set \
                 LARS_TEST_MYSQL_HOST/PORT/USER and LARS_DB_PASSWD",
                self.server
            )
        })
    }

    fn try_admin(&self) -> mysql::Result<mysql::Conn> {
        let s = &self.server;
        let opts = mysql::OptsBuilder::new()
            .ip_or_hostname(Some(s.host.as_str()))
            .tcp_port(s.port)
            .user(Some(s.user.as_str()))
            .pass(Some(s.passwd.as_str()))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(Duration::from_secs(3)));
        mysql::Conn::new(opts)
    }

    /// Kills every server connection using this database and waits (at
    /// most 10 s) until the server has closed them.
    pub fn kill_connections(&self) {
        let mut admin = self.admin();
        let list = "SELECT id FROM information_schema.processlist WHERE db = ?";
        let ids: Vec<u64> = admin.exec(list, (&self.db_name,)).unwrap();
        assert!(!ids.is_empty(), "no connection uses {}", self.db_name);
        for id in ids {
            admin.query_drop(format!("KILL CONNECTION {id}")).unwrap();
        }
        let gone = crate::wait_until(Duration::from_secs(10), || {
            admin
                .exec::<u64, _, _>(list, (&self.db_name,))
                .unwrap()
                .is_empty()
        });
        assert!(gone, "killed connections of {} still listed", self.db_name);
    }
}

impl Drop for TempMysql {
    fn drop(&mut self) {
        if let Ok(mut conn) = self.try_admin() {
            let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.db_name));
        }
    }
}

/// The same MySQL database reached on 127.0.0.1:`port` (e.g. through a
/// [`crate::proxy::TcpProxy`]); SQLite settings are returned unchanged.
pub fn via_port(config: &StoreSettings, port: u16) -> StoreSettings {
    match config.clone() {
        StoreSettings::Mysql(m) => StoreSettings::Mysql(MysqlSettings {
            host: "127.0.0.1".into(),
            port,
            ..m
        }),
        sqlite => sqlite,
    }
}
