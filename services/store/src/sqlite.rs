//! The SQLite backend: [`SqliteStore`], one `rusqlite` connection to a
//! database file, implementing both [`RouteStore`] and [`StatusStore`].
//!
//! The file is opened in WAL mode with a 5 s busy timeout, so an admin tool
//! can write routes while a daemon reads them; every write runs in a
//! `BEGIN IMMEDIATE` transaction, which takes the write lock up front and so
//! serialises writers from several processes.

use crate::error::StoreError;
use crate::sql::{self, Dialect};
use crate::store::{RouteStore, StatusStore};
use crate::types::{checked_row, group_routes, CallStatus, HostChange, RouteMap, RouteRow};
use lars_proto::{HostAddr, ModuleId};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension, TransactionBehavior};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a statement waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A Lars store in a SQLite database file.
///
/// Not shared between threads: open one per thread (`Send`, not `Sync`).
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    /// `path` as text, for error messages.
    path_text: String,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file `path` and its parent
    /// directories, and applies the schema.
    ///
    /// With `seed_demo`, a file that did not exist before this call gets the
    /// demo routes ([`crate::DEMO_ROUTES`]); an existing file is never
    /// seeded, even when its `RouteData` is empty.
    pub fn open(path: impl AsRef<Path>, seed_demo: bool) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let path_text = path.display().to_string();
        let created = !path.exists();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.display().to_string(),
                action: format!("sqlite {path_text}: create directory"),
                source,
            })?;
        }
        let fail = |action: &str| {
            let path = path_text.clone();
            let action = action.to_string();
            move |source| StoreError::Sqlite {
                path,
                action,
                source,
            }
        };
        let conn = Connection::open(&path).map_err(fail("open"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(fail("set busy_timeout"))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(fail("set journal_mode = WAL"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            log::warn!("sqlite {path_text}: journal_mode is {mode}, not wal");
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL")
            .map_err(fail("set synchronous = NORMAL"))?;
        conn.execute_batch(sql::SQLITE_SCHEMA)
            .map_err(fail("apply schema"))?;
        let mut store = SqliteStore {
            conn,
            path,
            path_text,
        };
        if seed_demo && created && store.route_count()? == 0 {
            let n = store.seed_demo()?;
            log::info!(
                "sqlite {}: new database, seeded {n} demo routes",
                store.path_text
            );
        }
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies the demo routes ([`crate::DEMO_ROUTES`]) in one transaction;
    /// returns how many rows were inserted (0 if all were there). Bumps no
    /// version.
    pub fn seed_demo(&mut self) -> Result<u64, StoreError> {
        let path = &self.path_text;
        let fail = |source| sqlite_error(path, "apply demo routes", source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let mut inserted = 0;
        for stmt in sql::split_statements(sql::DEMO_ROUTES) {
            inserted += tx.execute(&stmt, []).map_err(fail)? as u64;
        }
        tx.commit().map_err(fail)?;
        Ok(inserted)
    }

    fn route_count(&self) -> Result<i64, StoreError> {
        self.conn
            .query_row(sql::COUNT_ROUTES, [], |r| r.get(0))
            .map_err(|e| self.error("count routes", e))
    }

    fn error(&self, action: &str, source: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path_text, action, source)
    }

    fn bad_data(&self, action: &str, reason: String) -> StoreError {
        StoreError::BadData {
            store: self.describe_store(),
            action: action.to_string(),
            reason,
        }
    }

    fn describe_store(&self) -> String {
        format!("sqlite {}", self.path_text)
    }

    /// [`RouteStore::change_host`]: one transaction that changes RouteData,
    /// bumps the version and records the change.
    fn apply_change(&mut self, change: HostChange) -> Result<u64, StoreError> {
        let action = change.action();
        let store = self.describe_store();
        let path = &self.path_text;
        let fail = |source| sqlite_error(path, &action, source);
        let key = change.params();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        if tx.execute(sql::BUMP_VERSION, []).map_err(fail)? == 0 {
            return Err(no_version_row(store, action));
        }
        let refused = if change.add {
            let exists = tx
                .query_row(sql::FIND_HOST, key, |r| r.get::<_, i64>(0))
                .optional()
                .map_err(fail)?;
            exists.is_some() || {
                tx.execute(sql::INSERT_HOST, key).map_err(fail)?;
                false
            }
        } else {
            tx.execute(sql::DELETE_HOST, key).map_err(fail)? == 0
        };
        if refused {
            return Err(change.refused(store));
        }
        let version: i64 = tx
            .query_row(sql::SELECT_VERSION, [], |r| r.get(0))
            .map_err(fail)?;
        let module = change.module;
        tx.execute(sql::INSERT_CHANGE, (module.modid, module.cmdid, version))
            .map_err(fail)?;
        tx.commit().map_err(fail)?;
        u64::try_from(version).map_err(|_| StoreError::BadData {
            store,
            action,
            reason: format!("RouteVersion.version is negative ({version})"),
        })
    }
}

fn sqlite_error(path: &str, action: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_string(),
        action: action.to_string(),
        source,
    }
}

fn no_version_row(store: String, action: String) -> StoreError {
    StoreError::BadData {
        store,
        action,
        reason: "table RouteVersion has no row id 1".to_string(),
    }
}

/// A version bound as SQLite's signed integer (versions never come near
/// `i64::MAX`; larger bounds mean "everything").
fn version_param(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl RouteStore for SqliteStore {
    fn describe(&self) -> String {
        self.describe_store()
    }

    fn version(&mut self) -> Result<u64, StoreError> {
        let action = "read route version";
        let v: Option<i64> = self
            .conn
            .query_row(sql::SELECT_VERSION, [], |r| r.get(0))
            .optional()
            .map_err(|e| self.error(action, e))?;
        let v = v.ok_or_else(|| no_version_row(self.describe_store(), action.to_string()))?;
        u64::try_from(v).map_err(|_| self.bad_data(action, format!("version {v} is negative")))
    }

    fn load_routes(&mut self) -> Result<RouteMap, StoreError> {
        Ok(group_routes(self.list_routes(None, None)?))
    }

    fn changed_modules(&mut self, up_to_version: u64) -> Result<Vec<ModuleId>, StoreError> {
        let fail = |e| self.error("read changed modules", e);
        let mut stmt = self
            .conn
            .prepare_cached(sql::CHANGED_MODULES)
            .map_err(fail)?;
        let rows = stmt
            .query_map([version_param(up_to_version)], |r| {
                Ok(ModuleId::new(r.get(0)?, r.get(1)?))
            })
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }

    fn delete_changes(&mut self, up_to_version: u64) -> Result<u64, StoreError> {
        self.conn
            .execute(sql::DELETE_CHANGES, [version_param(up_to_version)])
            .map(|n| n as u64)
            .map_err(|e| self.error(&format!("delete changes up to version {up_to_version}"), e))
    }

    fn clear_changes(&mut self) -> Result<(), StoreError> {
        self.conn
            .execute(sql::CLEAR_CHANGES, [])
            .map(drop)
            .map_err(|e| self.error("clear changes", e))
    }

    fn change_host(&mut self, change: HostChange) -> Result<u64, StoreError> {
        self.apply_change(change)
    }

    fn list_routes(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<RouteRow>, StoreError> {
        let fail = |e| self.error("read routes", e);
        let store = self.describe_store();
        let (query, params) = sql::list_routes(modid, cmdid);
        let mut stmt = self.conn.prepare_cached(&query).map_err(fail)?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(fail)?;
        let mut out = Vec::new();
        for row in rows {
            let (m, c, ip, port) = row.map_err(fail)?;
            out.extend(checked_row(&store, ModuleId::new(m, c), ip, port));
        }
        Ok(out)
    }
}

impl StatusStore for SqliteStore {
    fn describe(&self) -> String {
        self.describe_store()
    }

    fn upsert_statuses(&mut self, rows: &[CallStatus]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let action = format!("upsert {} call statuses", rows.len());
        let path = &self.path_text;
        let fail = |source| sqlite_error(path, &action, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let mut values = Vec::with_capacity(sql::UPSERT_CHUNK.min(rows.len()) * 9);
        for chunk in rows.chunks(sql::UPSERT_CHUNK) {
            values.clear();
            for s in chunk {
                values.extend([
                    Value::Integer(s.module.modid.into()),
                    Value::Integer(s.module.cmdid.into()),
                    Value::Integer(s.host.ip_number().into()),
                    Value::Integer(s.host.port.into()),
                    Value::Integer(u32::from(s.caller).into()),
                    Value::Integer(s.succ_cnt.into()),
                    Value::Integer(s.err_cnt.into()),
                    Value::Integer(s.ts.into()),
                    Value::Text(sql::overload_flag(s.overload).to_string()),
                ]);
            }
            let query = sql::upsert_statuses(Dialect::Sqlite, chunk.len());
            let mut stmt = tx.prepare_cached(&query).map_err(fail)?;
            stmt.execute(params_from_iter(values.drain(..)))
                .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    fn read_statuses(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<CallStatus>, StoreError> {
        let fail = |e| self.error("read call statuses", e);
        let (query, params) = sql::read_statuses(modid, cmdid);
        let mut stmt = self.conn.prepare_cached(&query).map_err(fail)?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok(CallStatus {
                    module: ModuleId::new(r.get(0)?, r.get(1)?),
                    host: HostAddr::from_number(r.get(2)?, r.get(3)?),
                    caller: Ipv4Addr::from(r.get::<_, u32>(4)?),
                    succ_cnt: r.get(5)?,
                    err_cnt: r.get(6)?,
                    ts: r.get(7)?,
                    overload: r.get::<_, String>(8)? == "1",
                })
            })
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }
}
