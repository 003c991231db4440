//! The MySQL / MariaDB backend: [`MysqlStore`], one `mysql` connection
//! implementing both [`RouteStore`] and
//! [`StatusStore`](crate::store::StatusStore) (in `mysql/status.rs`), and
//! creating the users of a least-privilege setup (`mysql/users.rs`).
//!
//! Every (re)connect creates the database if it is missing and applies the
//! schema when a table of it is missing, so a fresh server needs no manual
//! setup; a least-privilege user (`lars db init`), who may not create
//! tables, uses the schema as it is. Connect, read and write
//! timeouts bound every call. A call that loses the connection returns an
//! error and drops it; the next call reconnects. A connection idle for more
//! than [`IDLE_PING`] is pinged before use, so a server-side idle timeout
//! does not cost a failed call.

use crate::config::{check_db_name, MysqlSettings};
use crate::error::StoreError;
use crate::sql;
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Params, TxOpts, Value};
use std::time::{Duration, Instant};

mod routes;
mod status;
mod users;

pub use users::{PasswordOutcome, UserSpec};

/// How long a TCP connect to the server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one read or write on the connection may block.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection idle for longer than this is pinged before it is used.
pub const IDLE_PING: Duration = Duration::from_secs(30);

/// ER_BAD_DB_ERROR: unknown database.
const ER_BAD_DB_ERROR: u16 = 1049;

/// The server's "access denied" errors: to a database (1044), a table
/// (1142), a column (1143), or for a statement (1227).
const ACCESS_DENIED: [u16; 4] = [1044, 1142, 1143, 1227];

/// The server's error code, when the server refused the statement.
fn server_code(e: &mysql::Error) -> Option<u16> {
    match e {
        mysql::Error::MySqlError(e) => Some(e.code),
        _ => None,
    }
}

/// A Lars store in a MySQL / MariaDB database.
///
/// Not shared between threads: open one per thread (`Send`, not `Sync`).
pub struct MysqlStore {
    /// Connection options without a database (it may not exist yet).
    opts: Opts,
    db_name: String,
    /// `host:port/db_name`, for error messages.
    target: String,
    /// `user@host:port/db_name`, for logs.
    described: String,
    /// `None` after a lost connection: the next call reconnects.
    conn: Option<Conn>,
    last_used: Instant,
}

impl MysqlStore {
    /// Connects to the server `settings` name, creates the database if it
    /// is missing and applies the schema. Never adds demo data (see
    /// [`seed_demo`](Self::seed_demo)).
    pub fn open(settings: &MysqlSettings) -> Result<MysqlStore, StoreError> {
        let MysqlSettings {
            host,
            port,
            user,
            passwd,
            db_name,
        } = settings;
        check_db_name(db_name).map_err(|reason| StoreError::BadDbName {
            name: db_name.to_string(),
            reason: reason.to_string(),
        })?;
        let opts = OptsBuilder::new()
            .ip_or_hostname(Some(host))
            .tcp_port(*port)
            .user(Some(user))
            .pass(Some(passwd))
            .prefer_socket(false)
            .tcp_connect_timeout(Some(CONNECT_TIMEOUT))
            .read_timeout(Some(IO_TIMEOUT))
            .write_timeout(Some(IO_TIMEOUT));
        let mut store = MysqlStore {
            opts: opts.into(),
            db_name: db_name.to_string(),
            target: format!("{host}:{port}/{db_name}"),
            described: format!("mysql {user}@{host}:{port}/{db_name}"),
            conn: None,
            last_used: Instant::now(),
        };
        store.connected()?;
        Ok(store)
    }

    /// Applies the demo routes ([`crate::DEMO_ROUTES`]) in one transaction;
    /// returns how many rows were inserted (0 if all were there). Bumps no
    /// version.
    pub fn seed_demo(&mut self) -> Result<u64, StoreError> {
        self.run("apply demo routes", |conn| {
            let mut tx = conn.start_transaction(TxOpts::default())?;
            let mut inserted = 0;
            for stmt in sql::split_statements(sql::DEMO_ROUTES) {
                tx.query_drop(stmt)?;
                inserted += tx.affected_rows();
            }
            tx.commit()?;
            Ok(inserted)
        })
    }

    /// The open connection, after (re)connecting if there is none and
    /// pinging it if it sat idle.
    fn connected(&mut self) -> Result<&mut Conn, StoreError> {
        if self.last_used.elapsed() > IDLE_PING {
            if let Some(conn) = self.conn.as_mut() {
                if conn.ping().is_err() {
                    log::info!("mysql {}: idle connection lost, reconnecting", self.target);
                    self.conn = None;
                }
            }
        }
        self.last_used = Instant::now();
        if self.conn.is_none() {
            let conn = self.connect()?;
            self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("connection was just set"))
    }

    /// A new connection to the database, created along with its schema if
    /// missing.
    fn connect(&self) -> Result<Conn, StoreError> {
        let mut conn = Conn::new(self.opts.clone()).map_err(|e| self.error("connect", e))?;
        if let Err(e) = conn.select_db(&self.db_name) {
            if server_code(&e) != Some(ER_BAD_DB_ERROR) {
                return Err(self.error("select database", e));
            }
            // The name was checked by `check_db_name`: a plain identifier.
            let create = format!(
                "CREATE DATABASE IF NOT EXISTS `{}` DEFAULT CHARACTER SET utf8mb4",
                self.db_name
            );
            conn.query_drop(create)
                .map_err(|e| self.error("create database", e))?;
            conn.select_db(&self.db_name)
                .map_err(|e| self.error("select database", e))?;
        }
        self.ensure_schema(&mut conn)?;
        self.migrate(&mut conn)?;
        Ok(conn)
    }

    /// Applies the schema when a table of it is not among those the user
    /// sees. A user with rights on some tables only (see
    /// [`DbRole`](crate::DbRole)) may not create the others: the schema is
    /// then left as it is, to `lars db init`.
    fn ensure_schema(&self, conn: &mut Conn) -> Result<(), StoreError> {
        let visible: Vec<String> = conn
            .query(sql::VISIBLE_TABLES_MYSQL)
            .map_err(|e| self.error("list tables", e))?;
        let missing: Vec<String> = sql::schema_tables(sql::MYSQL_SCHEMA)
            .into_iter()
            .filter(|table| !visible.contains(table))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        for stmt in sql::split_statements(sql::MYSQL_SCHEMA) {
            match conn.query_drop(stmt) {
                Ok(()) => {}
                Err(e) if server_code(&e).is_some_and(|code| ACCESS_DENIED.contains(&code)) => {
                    log::info!(
                        "{}: tables {} are not visible and the user may not create them; \
                         using the schema as it is (`lars db init` manages it)",
                        self.described,
                        missing.join(", ")
                    );
                    return Ok(());
                }
                Err(e) => return Err(self.error("apply schema", e)),
            }
        }
        Ok(())
    }

    /// Adds the columns a database made by an older version lacks. The
    /// column is looked up in `information_schema` first (MySQL 8 has no
    /// `ADD COLUMN IF NOT EXISTS`), and only in a `RouteData` the user
    /// sees; a concurrent migration that added it in between is not an
    /// error.
    fn migrate(&self, conn: &mut Conn) -> Result<(), StoreError> {
        let columns: Option<(u64, u64)> = conn
            .query_first(sql::ROUTE_DATA_COLUMNS_MYSQL)
            .map_err(|e| self.error("check for RouteData.weight", e))?;
        if let Some((columns, 0)) = columns.filter(|&(columns, _)| columns > 0) {
            log::info!(
                "{}: adding RouteData.weight to its {columns} columns",
                self.described
            );
            match conn.query_drop(sql::ADD_WEIGHT_MYSQL) {
                Ok(()) => {}
                // ER_DUP_FIELDNAME: another process added it meanwhile.
                Err(mysql::Error::MySqlError(e)) if e.code == 1060 => {}
                Err(e) => return Err(self.error("add RouteData.weight", e)),
            }
        }
        Ok(())
    }

    /// Runs `f` on the connection; a connectivity error drops the connection
    /// so the next call reconnects.
    pub(crate) fn run<T>(
        &mut self,
        action: &str,
        f: impl FnOnce(&mut Conn) -> mysql::Result<T>,
    ) -> Result<T, StoreError> {
        let result = f(self.connected()?);
        self.last_used = Instant::now();
        result.map_err(|e| {
            // A server error can also mean the session is gone (MariaDB
            // answers a killed connection's next query with error 1927), so
            // any error other than a lost connection costs one ping.
            let lost = e.is_connectivity_error()
                || self.conn.as_mut().is_some_and(|conn| conn.ping().is_err());
            if lost {
                log::warn!("mysql {}: {action}: connection lost: {e}", self.target);
                self.conn = None;
            }
            self.error(action, e)
        })
    }

    pub(crate) fn error(&self, action: &str, source: mysql::Error) -> StoreError {
        StoreError::Mysql {
            target: self.target.clone(),
            action: action.to_string(),
            source,
        }
    }

    pub(crate) fn bad_data(&self, action: &str, reason: &str) -> StoreError {
        StoreError::BadData {
            store: self.described.clone(),
            action: action.to_string(),
            reason: reason.to_string(),
        }
    }
}

/// Positional parameters; `Params::Empty` when there are none.
fn positional(values: Vec<impl Into<Value>>) -> Params {
    if values.is_empty() {
        Params::Empty
    } else {
        Params::Positional(values.into_iter().map(Into::into).collect())
    }
}
