//! The MySQL / MariaDB backend: [`MysqlStore`], one `mysql` connection
//! implementing both [`RouteStore`] and
//! [`StatusStore`](crate::store::StatusStore) (in `mysql/status.rs`).
//!
//! Every (re)connect creates the database if it is missing and applies the
//! schema, so a fresh server needs no manual setup. Connect, read and write
//! timeouts bound every call. A call that loses the connection returns an
//! error and drops it; the next call reconnects. A connection idle for more
//! than [`IDLE_PING`] is pinged before use, so a server-side idle timeout
//! does not cost a failed call.

use crate::config::{check_db_name, MysqlSettings};
use crate::error::StoreError;
use crate::sql;
use crate::store::RouteStore;
use crate::types::{checked_row, group_routes, HostChange, RouteMap, RouteRow};
use lars_proto::ModuleId;
use mysql::prelude::Queryable;
use mysql::{from_row_opt, Conn, Opts, OptsBuilder, Params, Row, TxOpts, Value};
use std::time::{Duration, Instant};

mod status;

/// How long a TCP connect to the server may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one read or write on the connection may block.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection idle for longer than this is pinged before it is used.
pub const IDLE_PING: Duration = Duration::from_secs(30);

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

/// How a route change transaction ended, when the database did not fail.
enum Change {
    Done(u64),
    Refused,
    NoVersionRow,
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
        // The name was checked by `check_db_name`: a plain identifier.
        let create = format!(
            "CREATE DATABASE IF NOT EXISTS `{}` DEFAULT CHARACTER SET utf8mb4",
            self.db_name
        );
        conn.query_drop(create)
            .map_err(|e| self.error("create database", e))?;
        conn.select_db(&self.db_name)
            .map_err(|e| self.error("select database", e))?;
        for stmt in sql::split_statements(sql::MYSQL_SCHEMA) {
            conn.query_drop(stmt)
                .map_err(|e| self.error("apply schema", e))?;
        }
        Ok(conn)
    }

    /// Runs `f` on the connection; a connectivity error drops the connection
    /// so the next call reconnects.
    fn run<T>(
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

    fn error(&self, action: &str, source: mysql::Error) -> StoreError {
        StoreError::Mysql {
            target: self.target.clone(),
            action: action.to_string(),
            source,
        }
    }

    fn bad_data(&self, action: &str, reason: &str) -> StoreError {
        StoreError::BadData {
            store: self.described.clone(),
            action: action.to_string(),
            reason: reason.to_string(),
        }
    }

    /// [`RouteStore::change_host`]: one transaction that bumps the version
    /// (its row lock serialises writers), changes RouteData and records the
    /// change.
    fn apply_change(&mut self, change: HostChange) -> Result<u64, StoreError> {
        let action = change.action();
        let key = change.params();
        let module = change.module;
        let outcome = self.run(&action, |conn| {
            let mut tx = conn.start_transaction(TxOpts::default())?;
            tx.exec_drop(sql::BUMP_VERSION, ())?;
            if tx.affected_rows() == 0 {
                tx.rollback()?;
                return Ok(Change::NoVersionRow);
            }
            let refused = if change.add {
                let found: Option<Row> = tx.exec_first(sql::FIND_HOST, key)?;
                found.is_some() || {
                    tx.exec_drop(sql::INSERT_HOST, key)?;
                    false
                }
            } else {
                tx.exec_drop(sql::DELETE_HOST, key)?;
                tx.affected_rows() == 0
            };
            if refused {
                tx.rollback()?;
                return Ok(Change::Refused);
            }
            let row: Option<Row> = tx.exec_first(sql::SELECT_VERSION, ())?;
            let version: u64 = match row {
                Some(row) => from_row_opt(row)?,
                None => return Ok(Change::NoVersionRow),
            };
            tx.exec_drop(sql::INSERT_CHANGE, (module.modid, module.cmdid, version))?;
            tx.commit()?;
            Ok(Change::Done(version))
        })?;
        match outcome {
            Change::Done(version) => Ok(version),
            Change::Refused => Err(change.refused(self.described.clone())),
            Change::NoVersionRow => {
                Err(self.bad_data(&action, "table RouteVersion has no row id 1"))
            }
        }
    }
}

/// Positional parameters; `Params::Empty` when there are none.
fn positional(values: Vec<i32>) -> Params {
    if values.is_empty() {
        Params::Empty
    } else {
        Params::Positional(values.into_iter().map(Value::from).collect())
    }
}

impl RouteStore for MysqlStore {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn version(&mut self) -> Result<u64, StoreError> {
        let action = "read route version";
        let row: Option<Row> = self.run(action, |conn| conn.exec_first(sql::SELECT_VERSION, ()))?;
        match row {
            Some(row) => from_row_opt(row).map_err(|e| self.error(action, e.into())),
            None => Err(self.bad_data(action, "table RouteVersion has no row id 1")),
        }
    }

    fn load_routes(&mut self) -> Result<RouteMap, StoreError> {
        Ok(group_routes(self.list_routes(None, None)?))
    }

    fn changed_modules(&mut self, up_to_version: u64) -> Result<Vec<ModuleId>, StoreError> {
        self.run("read changed modules", |conn| {
            let rows: Vec<Row> = conn.exec(sql::CHANGED_MODULES, (up_to_version,))?;
            rows.into_iter()
                .map(|row| {
                    let (modid, cmdid) = from_row_opt(row)?;
                    Ok(ModuleId::new(modid, cmdid))
                })
                .collect()
        })
    }

    fn delete_changes(&mut self, up_to_version: u64) -> Result<u64, StoreError> {
        let action = format!("delete changes up to version {up_to_version}");
        self.run(&action, |conn| {
            conn.exec_drop(sql::DELETE_CHANGES, (up_to_version,))?;
            Ok(conn.affected_rows())
        })
    }

    fn clear_changes(&mut self) -> Result<(), StoreError> {
        self.run("clear changes", |conn| conn.query_drop(sql::CLEAR_CHANGES))
    }

    fn change_host(&mut self, change: HostChange) -> Result<u64, StoreError> {
        self.apply_change(change)
    }

    fn list_routes(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<RouteRow>, StoreError> {
        let (query, params) = sql::list_routes(modid, cmdid);
        let rows = self.run("read routes", |conn| {
            let rows: Vec<Row> = conn.exec(query, positional(params))?;
            rows.into_iter()
                .map(|row| from_row_opt::<(i32, i32, u32, i64)>(row).map_err(mysql::Error::from))
                .collect::<mysql::Result<Vec<_>>>()
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(m, c, ip, port)| {
                checked_row(&self.described, ModuleId::new(m, c), ip, port)
            })
            .collect())
    }
}
