//! The store traits — [`RouteStore`] for the DNS service and the admin
//! tools, [`StatusStore`] for the reporter — and the functions that open the
//! backend a [`StoreSettings`] names.
//!
//! A store handle is one connection used by one thread at a time (`&mut
//! self`, `Send`); a service that writes from several threads opens one
//! handle per thread.

use lars_proto::{HostAddr, ModuleId, RouteHost, RoutePolicy, Weight};

use crate::config::StoreSettings;
use crate::edit::RouteEdit;
use crate::error::StoreError;
use crate::mysql::MysqlStore;
use crate::sqlite::SqliteStore;
use crate::types::{CallStatus, LastChange, RouteMap, RouteRow};

/// The routes: `RouteData`, `RouteVersion` and `RouteChange`.
///
/// Every change goes through [`add_host`](Self::add_host) /
/// [`del_host`](Self::del_host), each one transaction that changes
/// `RouteData`, bumps the version and records the module in `RouteChange`,
/// so a reader that sees the new version also sees the change.
pub trait RouteStore: Send {
    /// The store for log lines: `sqlite data/lars.db`,
    /// `mysql root@127.0.0.1:3306/lars_dns`. Never the password.
    fn describe(&self) -> String;

    /// `RouteVersion.version` of row id 1.
    fn version(&mut self) -> Result<u64, StoreError>;

    /// Every route, grouped by module (hosts sorted, no duplicates), with
    /// its policy.
    fn load_routes(&mut self) -> Result<RouteMap, StoreError> {
        let rows = self.list_routes(None, None)?;
        let policies = self.list_policies(None, None)?;
        Ok(crate::types::group_routes(rows, policies))
    }

    /// The distinct modules in `RouteChange` with `version <= up_to_version`,
    /// sorted.
    fn changed_modules(&mut self, up_to_version: u64) -> Result<Vec<ModuleId>, StoreError>;

    /// Deletes the `RouteChange` rows with `version <= up_to_version`;
    /// returns how many there were.
    fn delete_changes(&mut self, up_to_version: u64) -> Result<u64, StoreError>;

    /// Deletes every `RouteChange` row (the DNS service does at start).
    fn clear_changes(&mut self) -> Result<(), StoreError>;

    /// Applies `edit` to `module`'s route, bumps the version and records
    /// the module in `RouteChange`, in one transaction; returns the new
    /// version. An edit the route does not allow (adding a host it has,
    /// removing or weighing one it has not) is refused
    /// ([`StoreError::HostExists`], [`StoreError::HostAbsent`]) and writes
    /// nothing.
    fn edit_route(&mut self, module: ModuleId, edit: RouteEdit) -> Result<u64, StoreError>;

    /// Adds `host` with weight 1 to `module` ([`edit_route`](Self::edit_route)).
    fn add_host(&mut self, module: ModuleId, host: HostAddr) -> Result<u64, StoreError> {
        self.edit_route(module, RouteEdit::AddHost(RouteHost::new(host)))
    }

    /// Removes `host` from `module` ([`edit_route`](Self::edit_route)).
    fn del_host(&mut self, module: ModuleId, host: HostAddr) -> Result<u64, StoreError> {
        self.edit_route(module, RouteEdit::DelHost(host))
    }

    /// Sets the weight of `host` of `module` ([`edit_route`](Self::edit_route)).
    fn set_weight(
        &mut self,
        module: ModuleId,
        host: HostAddr,
        weight: Weight,
    ) -> Result<u64, StoreError> {
        self.edit_route(module, RouteEdit::SetWeight(RouteHost { host, weight }))
    }

    /// Sets `module`'s policy and panic threshold
    /// ([`edit_route`](Self::edit_route)).
    fn set_policy(&mut self, module: ModuleId, policy: RoutePolicy) -> Result<u64, StoreError> {
        self.edit_route(module, RouteEdit::SetPolicy(policy))
    }

    /// The `RouteData` rows, optionally only those of one modid and/or cmdid,
    /// sorted by module then host.
    fn list_routes(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<RouteRow>, StoreError>;

    /// The policies set with [`set_policy`](Self::set_policy), optionally
    /// only those of one modid and/or cmdid, sorted by module. A module not
    /// listed uses the default policy.
    fn list_policies(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<(ModuleId, RoutePolicy)>, StoreError>;

    /// The last change of each module's route (the version it made and
    /// when), optionally only those of one modid and/or cmdid, sorted by
    /// module. Kept when [`delete_changes`](Self::delete_changes) consumes
    /// the `RouteChange` rows; a module never edited since the table
    /// existed is not listed.
    fn last_changes(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<LastChange>, StoreError>;
}

/// The call statistics: `ServerCallStatus`.
pub trait StatusStore: Send {
    /// The store for log lines; never the password.
    fn describe(&self) -> String;

    /// Inserts or updates one row per (modid, cmdid, ip, port, caller), in
    /// one transaction: all rows are stored or none. Rows are sent as
    /// multi-row statements of at most 500 rows; when `rows` holds one key
    /// twice, the later row wins.
    fn upsert_statuses(&mut self, rows: &[CallStatus]) -> Result<(), StoreError>;

    /// The stored rows, optionally only those of one modid and/or cmdid,
    /// sorted by key.
    fn read_statuses(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<CallStatus>, StoreError>;

    /// Housekeeping while there is nothing to write; a writer calls it
    /// about once a second while idle. The SQLite store truncates its
    /// write-ahead log here once writes have stopped
    /// ([`CheckpointPolicy`](crate::CheckpointPolicy)); the default does
    /// nothing.
    fn maintain(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Opens the route store `settings` names, creating the database and
/// schema if needed.
///
/// A SQLite file created by this call gets the demo routes
/// ([`crate::DEMO_ROUTES`]), so a first run has something to serve; a MySQL
/// database never does (see [`seed_demo`]).
pub fn open_route_store(settings: &StoreSettings) -> Result<Box<dyn RouteStore>, StoreError> {
    Ok(match settings {
        StoreSettings::Sqlite { path } => Box::new(SqliteStore::open(path, true)?),
        StoreSettings::Mysql(mysql) => Box::new(MysqlStore::open(mysql)?),
    })
}

/// Opens the status store `settings` names, creating the database and
/// schema if needed (a SQLite file created here gets the demo routes too, exactly as
/// with [`open_route_store`], whichever service starts first).
pub fn open_status_store(settings: &StoreSettings) -> Result<Box<dyn StatusStore>, StoreError> {
    Ok(match settings {
        StoreSettings::Sqlite { path } => Box::new(SqliteStore::open(path, true)?),
        StoreSettings::Mysql(mysql) => Box::new(MysqlStore::open(mysql)?),
    })
}

/// Applies the demo routes ([`crate::DEMO_ROUTES`]) to the store
/// `settings` names, for `make run` and the admin tool; returns how many rows were
/// inserted (0 when they are all there already). Bumps no version.
pub fn seed_demo(settings: &StoreSettings) -> Result<u64, StoreError> {
    match settings {
        StoreSettings::Sqlite { path } => SqliteStore::open(path, false)?.seed_demo(),
        StoreSettings::Mysql(mysql) => MysqlStore::open(mysql)?.seed_demo(),
    }
}
