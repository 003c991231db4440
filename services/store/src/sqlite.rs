//! The SQLite backend: [`SqliteStore`], one `rusqlite` connection to a
//! database file, implementing both [`RouteStore`] and [`StatusStore`].
//!
//! The file is opened in WAL mode with a 5 s busy timeout, so an admin tool
//! can write routes while a daemon reads them; every write runs in a
//! `BEGIN IMMEDIATE` transaction, which takes the write lock up front and so
//! serialises writers from several processes; within one process the
//! writers of a file also take turns behind a gate (`sqlite/gate.rs`). The
//! log is kept small (`sqlite/wal.rs`): checkpointed after commits,
//! truncated after a write that leaves it at 16 MiB and once the writer is
//! idle.

use crate::checkpoint::CheckpointPolicy;
use crate::edit::{self, EditTx, Outcome, Param, RouteEdit};
use crate::error::StoreError;
use crate::sql;
use crate::store::RouteStore;
use crate::types::{checked_policy, checked_row, LastChange, RouteRow};
use lars_proto::{ModuleId, RoutePolicy};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::time::Duration;

mod gate;
mod status;
mod wal;

use gate::WriteGate;

pub use wal::{JOURNAL_SIZE_LIMIT, WAL_AUTOCHECKPOINT_PAGES};

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
    /// When to truncate the write-ahead log.
    checkpoints: CheckpointPolicy,
    /// Taken around every write transaction and checkpoint.
    gate: WriteGate,
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
        wal::configure(&conn).map_err(fail("set the write-ahead log's limits"))?;
        conn.execute_batch(sql::SQLITE_SCHEMA)
            .map_err(fail("apply schema"))?;
        let gate = WriteGate::for_file(&path);
        let mut store = SqliteStore {
            conn,
            path,
            path_text,
            checkpoints: CheckpointPolicy::default(),
            gate,
        };
        store.migrate()?;
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
        self.gated(|store| {
            let path = &store.path_text;
            let fail = |source| sqlite_error(path, "apply demo routes", source);
            let tx = store
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(fail)?;
            let mut inserted = 0;
            for stmt in sql::split_statements(sql::DEMO_ROUTES) {
                inserted += tx.execute(&stmt, []).map_err(fail)? as u64;
            }
            tx.commit().map_err(fail)?;
            Ok(inserted)
        })
    }

    /// Runs the write `write` behind the file's [`WriteGate`], then, still
    /// behind it, the checkpoint the policy asks for after a write.
    fn gated<T>(
        &mut self,
        write: impl FnOnce(&mut SqliteStore) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let gate = self.gate.clone();
        let _held = gate.enter();
        let out = write(self)?;
        self.after_write();
        Ok(out)
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

    /// [`RouteStore::edit_route`]: one `BEGIN IMMEDIATE` transaction
    /// ([`edit::run`]).
    fn apply_edit(&mut self, module: ModuleId, edit: RouteEdit) -> Result<u64, StoreError> {
        let action = edit.action(module);
        let store = self.describe_store();
        let path = &self.path_text;
        let fail = |source| sqlite_error(path, &action, source);
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let now = edit::unix_now();
        match edit::run(&mut EditOnSqlite(&mut tx), module, edit, now).map_err(fail)? {
            Outcome::Done(version) => {
                tx.commit().map_err(fail)?;
                Ok(version)
            }
            Outcome::Refused => Err(edit.refused(module, store)),
            Outcome::Full => Err(edit.full(module, store)),
            Outcome::NoVersionRow => Err(no_version_row(store, action)),
        }
    }

    /// Adds the columns a database made by an older version lacks.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let has_weight: i64 = self
            .conn
            .query_row(sql::HAS_WEIGHT_SQLITE, [], |r| r.get(0))
            .map_err(|e| self.error("check for RouteData.weight", e))?;
        if has_weight == 0 {
            log::info!("{}: adding RouteData.weight", self.describe_store());
            self.conn
                .execute(sql::ADD_WEIGHT_SQLITE, [])
                .map_err(|e| self.error("add RouteData.weight", e))?;
        }
        Ok(())
    }
}

/// An edit transaction's statements on a SQLite transaction.
struct EditOnSqlite<'a, 'c>(&'a mut rusqlite::Transaction<'c>);

fn sqlite_params(params: &[Param]) -> Vec<Value> {
    params
        .iter()
        .map(|p| match *p {
            Param::Int(v) => Value::Integer(v),
            Param::Text(t) => Value::Text(t.to_string()),
        })
        .collect()
}

impl EditTx for EditOnSqlite<'_, '_> {
    type Error = rusqlite::Error;

    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, rusqlite::Error> {
        let n = self
            .0
            .execute(sql, params_from_iter(sqlite_params(params)))?;
        Ok(n as u64)
    }

    fn exists(&mut self, sql: &str, params: &[Param]) -> Result<bool, rusqlite::Error> {
        let mut stmt = self.0.prepare_cached(sql)?;
        stmt.exists(params_from_iter(sqlite_params(params)))
    }

    fn value(&mut self, sql: &str, params: &[Param]) -> Result<Option<i64>, rusqlite::Error> {
        self.0
            .query_row(sql, params_from_iter(sqlite_params(params)), |r| r.get(0))
            .optional()
    }
}

pub(crate) fn sqlite_error(path: &str, action: &str, source: rusqlite::Error) -> StoreError {
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
        self.gated(|store| {
            store
                .conn
                .execute(sql::DELETE_CHANGES, [version_param(up_to_version)])
                .map(|n| n as u64)
                .map_err(|e| {
                    store.error(&format!("delete changes up to version {up_to_version}"), e)
                })
        })
    }

    fn clear_changes(&mut self) -> Result<(), StoreError> {
        self.gated(|store| {
            store
                .conn
                .execute(sql::CLEAR_CHANGES, [])
                .map(drop)
                .map_err(|e| store.error("clear changes", e))
        })
    }

    fn edit_route(&mut self, module: ModuleId, edit: RouteEdit) -> Result<u64, StoreError> {
        self.gated(|store| store.apply_edit(module, edit))
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
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(fail)?;
        let mut out = Vec::new();
        for row in rows {
            let (m, c, ip, port, weight) = row.map_err(fail)?;
            out.extend(checked_row(&store, ModuleId::new(m, c), ip, port, weight));
        }
        Ok(out)
    }

    fn list_policies(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<(ModuleId, RoutePolicy)>, StoreError> {
        let fail = |e| self.error("read policies", e);
        let store = self.describe_store();
        let (query, params) = sql::list_policies(modid, cmdid);
        let mut stmt = self.conn.prepare_cached(&query).map_err(fail)?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                let module = ModuleId::new(r.get(0)?, r.get(1)?);
                Ok((module, r.get::<_, String>(2)?, r.get::<_, i64>(3)?))
            })
            .map_err(fail)?;
        let mut out = Vec::new();
        for row in rows {
            let (module, policy, panic) = row.map_err(fail)?;
            out.push(checked_policy(&store, module, &policy, panic));
        }
        Ok(out)
    }

    fn last_changes(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<LastChange>, StoreError> {
        let fail = |e| self.error("read last route changes", e);
        let (query, params) = sql::last_changes(modid, cmdid);
        let mut stmt = self.conn.prepare_cached(&query).map_err(fail)?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok(LastChange {
                    module: ModuleId::new(r.get(0)?, r.get(1)?),
                    version: r.get(2)?,
                    unix_s: r.get(3)?,
                })
            })
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }
}
