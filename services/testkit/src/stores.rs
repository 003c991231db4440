//! Per-test stores: a fresh SQLite file or a fresh MariaDB database, so
//! tests run in parallel without sharing state. The MariaDB server is the
//! one on 127.0.0.1:3306 (user root, password from `LARS_DB_PASSWD` or
//! empty); when it is not there the test fails, it never skips.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use lars_store::StoreConfig;

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A SQLite store in a new temporary directory (removed on drop).
pub struct TempSqlite {
    dir: PathBuf,
    /// The store config pointing at the file.
    pub config: StoreConfig,
}

impl TempSqlite {
    /// A new, not yet created, database file.
    pub fn new(prefix: &str) -> TempSqlite {
        let dir = std::env::temp_dir().join(unique(prefix));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        let config = StoreConfig::Sqlite {
            path: dir.join("lars.db"),
        };
        TempSqlite { dir, config }
    }

    /// The `[store]` lines of a config file for this store.
    pub fn ini(&self) -> String {
        match &self.config {
            StoreConfig::Sqlite { path } => format!(
                "[store]\nbackend = sqlite\nsqlite_path = {}\n",
                path.display()
            ),
            _ => unreachable!("sqlite config"),
        }
    }
}

impl Drop for TempSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A MariaDB database of this test's own (dropped on drop).
pub struct TempMysql {
    /// The store config naming the database.
    pub config: StoreConfig,
    db_name: String,
}

/// Password for the test server.
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
            config: StoreConfig::Mysql {
                host: host.to_string(),
                port,
                user: "root".into(),
                passwd: mysql_password(),
                db_name: db_name.clone(),
            },
            db_name,
        }
    }

    /// The `[store]`/`[mysql]` lines of a config file for this database.
    pub fn ini(&self) -> String {
        match &self.config {
            StoreConfig::Mysql { host, port, user, db_name, .. } => format!(
                "[store]\nbackend = mysql\n[mysql]\ndb_host = {host}\ndb_port = {port}\ndb_user = {user}\ndb_name = {db_name}\n"
            ),
            _ => unreachable!("mysql config"),
        }
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
/// [`crate::proxy::TcpProxy`]); a SQLite config is returned unchanged.
pub fn via_port(config: &StoreConfig, port: u16) -> StoreConfig {
    match config.clone() {
        StoreConfig::Mysql {
            user,
            passwd,
            db_name,
            ..
        } => StoreConfig::Mysql {
            host: "127.0.0.1".into(),
            port,
            user,
            passwd,
            db_name,
        },
        sqlite => sqlite,
    }
}
