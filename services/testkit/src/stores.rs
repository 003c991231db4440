//! Per-test stores: a fresh SQLite file or a fresh MariaDB database, so
//! tests run in parallel without sharing state. The MariaDB server is the
//! one on 127.0.0.1:3306 (user root, password from `LARS_DB_PASSWD` or
//! empty); when it is not there the test fails, it never skips.

use std::path::PathBuf;

use lars_store::{MysqlSettings, StoreSettings};

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

    /// The `[store]` lines of a config file for this store.
    pub fn ini(&self) -> String {
        format!(
            "[store]\nbackend = sqlite\nsqlite_path = {}\n",
            self.path.display()
        )
    }
}

/// A MariaDB database of this test's own (dropped on drop).
pub struct TempMysql {
    /// The settings naming the database.
    pub config: StoreSettings,
    db_name: String,
}

/// Password for the test server: `LARS_DB_PASSWD`, or empty.
pub fn mysql_password() -> String {
    std::env::var(lars_store::PASSWD_ENV).unwrap_or_default()
}

impl TempMysql {
    /// A fresh database name on the local server (created by the store on
    /// first open); `port` lets a test go through a proxy.
    pub fn new(prefix: &str) -> TempMysql {
        Self::via(prefix, "127.0.0.1", 3306)
    }

    /// Like [`TempMysql::new`] but connecting through `host:port`.
    pub fn via(prefix: &str, host: &str, port: u16) -> TempMysql {
        let db_name = unique(prefix);
        TempMysql {
            config: StoreSettings::Mysql(MysqlSettings {
                host: host.to_string(),
                port,
                user: "root".into(),
                passwd: mysql_password(),
                db_name: db_name.clone(),
            }),
            db_name,
        }
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
}

impl Drop for TempMysql {
    fn drop(&mut self) {
        use mysql::prelude::Queryable;
        let opts = mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(3306)
            .user(Some("root"))
            .pass(Some(mysql_password()));
        if let Ok(mut conn) = mysql::Conn::new(opts) {
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
