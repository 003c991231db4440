//! Route and call-status stores for Lars: the `RouteData` / `RouteVersion` /
//! `RouteChange` tables the DNS service serves from and the admin tools
//! write to, and the `ServerCallStatus` table the reporter fills.
//!
//! Services hold a `Box<dyn RouteStore>` or `Box<dyn StatusStore>` from
//! [`open_route_store`] / [`open_status_store`], chosen by a
//! [`StoreConfig`] read from the `[store]` and `[mysql]` sections of their
//! configuration file. Two backends: MySQL / MariaDB (as the original) and
//! an embedded SQLite file (the default, needing no server).
//!
//! ```no_run
//! use lars_store::{open_route_store, parse_host, StoreConfig};
//! let cfg = StoreConfig::Sqlite { path: "data/lars.db".into() };
//! let mut routes = open_route_store(&cfg)?;
//! let version = routes.add_host(1, 1, parse_host("10.0.0.1:9001")?)?;
//! assert_eq!(routes.version()?, version);
//! # Ok::<(), lars_store::StoreError>(())
//! ```
//!
//! # Layout
//!
//! * `error.rs` — [`StoreError`].
//! * `config.rs` — [`StoreConfig`] from an INI file.
//! * `types.rs` — [`HostAddr`], [`module_key`], [`RouteRow`], [`RouteMap`],
//!   [`CallStatus`], [`parse_host`].
//! * `store.rs` — the [`RouteStore`] and [`StatusStore`] traits and the
//!   `open_*` functions.
//! * `sql.rs` — all SQL text; the schema files themselves are in `sql/`.
//! * `sqlite.rs` — [`SqliteStore`]; `mysql.rs` — [`MysqlStore`].
#![warn(missing_docs)]

mod config;
mod error;
mod mysql;
mod sql;
mod sqlite;
mod store;
mod types;

pub use crate::config::{StoreConfig, PASSWD_ENV};
pub use crate::error::StoreError;
pub use crate::mysql::{MysqlStore, CONNECT_TIMEOUT, IDLE_PING, IO_TIMEOUT};
pub use crate::sql::{DEMO_ROUTES, MYSQL_SCHEMA, SQLITE_SCHEMA};
pub use crate::sqlite::{SqliteStore, BUSY_TIMEOUT};
pub use crate::store::{open_route_store, open_status_store, seed_demo, RouteStore, StatusStore};
pub use crate::types::{
    group_routes, module_key, parse_host, split_module_key, CallStatus, HostAddr, RouteMap,
    RouteRow,
};
