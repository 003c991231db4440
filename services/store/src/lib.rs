//! Route and call-status stores for Lars: the `RouteData` / `RouteVersion` /
//! `RouteChange` tables the DNS service serves from and the admin tools
//! write to, and the `ServerCallStatus` table the reporter fills.
//!
//! Services hold a `Box<dyn RouteStore>` or `Box<dyn StatusStore>` from
//! [`open_route_store`] / [`open_status_store`], chosen by typed
//! [`StoreSettings`] (the daemons read them from their INI files). Two
//! backends: MySQL / MariaDB (as the original) and an embedded SQLite file
//! (the default, needing no server).
//!
//! ```no_run
//! use lars_proto::ModuleId;
//! use lars_store::{open_route_store, StoreSettings};
//! let settings = StoreSettings::Sqlite { path: "data/lars.db".into() };
//! let mut routes = open_route_store(&settings)?;
//! let version = routes.add_host(ModuleId::new(1, 1), "10.0.0.1:9001".parse().unwrap())?;
//! assert_eq!(routes.version()?, version);
//! # Ok::<(), lars_store::StoreError>(())
//! ```
//!
//! # Layout
//!
//! * `error.rs` — [`StoreError`].
//! * `config.rs` — [`StoreSettings`], [`MysqlSettings`].
//! * `types.rs` — [`RouteRow`], [`Route`], [`RouteMap`], [`LastChange`],
//!   [`CallStatus`].
//! * `edit.rs` — [`RouteEdit`] and the one edit transaction both backends run.
//! * `store.rs` — the [`RouteStore`] and [`StatusStore`] traits and the
//!   `open_*` functions.
//! * `sql.rs` — all SQL text; the schema files themselves are in `sql/`.
//! * `grants.rs` — [`DbRole`], [`DbUser`]: the MySQL users of a
//!   least-privilege setup and their rights (pure); created by
//!   [`MysqlStore::init_users`] (`mysql/users.rs`).
//! * `checkpoint.rs` — [`CheckpointPolicy`]: when SQLite's write-ahead log
//!   is truncated (pure).
//! * `sqlite.rs` — [`SqliteStore`] (`sqlite/wal.rs`: its log kept small);
//!   `mysql.rs` — [`MysqlStore`].
#![warn(missing_docs)]

mod checkpoint;
mod config;
mod edit;
mod error;
mod grants;
mod mysql;
mod sql;
mod sqlite;
mod store;
mod types;

pub use crate::checkpoint::{
    CheckpointOutcome, CheckpointPolicy, WAL_IDLE_AFTER, WAL_RETRY_AFTER, WAL_TRUNCATE_AT,
};
pub use crate::config::{check_db_name, MysqlSettings, StoreSettings, PASSWD_ENV};
pub use crate::edit::RouteEdit;
pub use crate::error::StoreError;
pub use crate::grants::{check_password, DbRole, DbUser};
pub use crate::mysql::{
    MysqlStore, PasswordOutcome, UserSpec, CONNECT_TIMEOUT, IDLE_PING, IO_TIMEOUT,
};
pub use crate::sql::{DEMO_ROUTES, MYSQL_SCHEMA, SQLITE_SCHEMA};
pub use crate::sqlite::{SqliteStore, BUSY_TIMEOUT, JOURNAL_SIZE_LIMIT, WAL_AUTOCHECKPOINT_PAGES};
pub use crate::store::{open_route_store, open_status_store, seed_demo, RouteStore, StatusStore};
pub use crate::types::{group_routes, CallStatus, LastChange, RouteMap, RouteRow};
pub use lars_proto::Route;
