//! [`Db`]: the console's way to the store, through lars-store only. One
//! route-store handle and one status-store handle, each behind a mutex and
//! used on tokio's blocking threads (the store calls block). A handle that
//! could not be opened is opened again on the next request, so the console
//! keeps running while the store is away and says so on its pages.
//!
//! Changes go through [`RouteStore::edit_route`]: one transaction that
//! changes the route, bumps the version and records the change, exactly
//! like `lars route`.

use std::sync::{Arc, Mutex, MutexGuard};

use lars_proto::ModuleId;
use lars_store::{
    open_route_store, open_status_store, CallStatus, RouteEdit, RouteStore, StatusStore,
    StoreError, StoreSettings,
};

use crate::model::{summarize, ModuleRoute, ModuleSummary};

/// Why a store call did not give an answer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The store refused or failed (its message names it and the action).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The blocking task was lost (a panic in a store call).
    #[error("store call failed: {0}")]
    Task(String),
}

/// The store handles; see the module docs. Safe from any task.
pub struct Db {
    settings: StoreSettings,
    routes: Mutex<Option<Box<dyn RouteStore>>>,
    statuses: Mutex<Option<Box<dyn StatusStore>>>,
}

impl Db {
    /// A `Db` on the store `settings` names; opens nothing yet.
    pub fn new(settings: StoreSettings) -> Arc<Db> {
        Arc::new(Db {
            settings,
            routes: Mutex::new(None),
            statuses: Mutex::new(None),
        })
    }

    /// The store, for logs and pages (`sqlite data/lars.db`; never a
    /// password).
    pub fn describe(&self) -> String {
        self.settings.to_string()
    }

    /// Opens both handles now (at start, so a bad store shows in the log
    /// at once).
    pub async fn warm_up(self: &Arc<Self>) -> Result<(), DbError> {
        self.with_routes(|_| Ok(())).await?;
        self.with_statuses(|_| Ok(())).await
    }

    /// Every module, or those of `modid`, for the Modules page.
    pub async fn modules(
        self: &Arc<Self>,
        modid: Option<i32>,
    ) -> Result<Vec<ModuleSummary>, DbError> {
        self.with_routes(move |r| {
            let rows = r.list_routes(modid, None)?;
            let policies = r.list_policies(modid, None)?;
            let changes = r.last_changes(modid, None)?;
            Ok(summarize(&rows, &policies, &changes))
        })
        .await
    }

    /// `module`'s route, policy, last change and the store's version.
    pub async fn module(self: &Arc<Self>, module: ModuleId) -> Result<ModuleRoute, DbError> {
        let ids = (Some(module.modid), Some(module.cmdid));
        self.with_routes(move |r| {
            let version = r.version()?;
            let hosts = r
                .list_routes(ids.0, ids.1)?
                .into_iter()
                .map(|row| lars_proto::RouteHost {
                    host: row.host,
                    weight: row.weight,
                })
                .collect();
            let policy = r.list_policies(ids.0, ids.1)?.first().map(|(_, p)| *p);
            let last_change = r.last_changes(ids.0, ids.1)?.first().copied();
            Ok(ModuleRoute {
                hosts,
                policy: policy.unwrap_or_default(),
                last_change,
                version,
            })
        })
        .await
    }

    /// Applies `edit` to `module` in one transaction; the new version.
    pub async fn edit(self: &Arc<Self>, module: ModuleId, edit: RouteEdit) -> Result<u64, DbError> {
        self.with_routes(move |r| r.edit_route(module, edit)).await
    }

    /// The reporter's rows of `module`.
    pub async fn statuses(self: &Arc<Self>, module: ModuleId) -> Result<Vec<CallStatus>, DbError> {
        self.with_statuses(move |s| s.read_statuses(Some(module.modid), Some(module.cmdid)))
            .await
    }

    async fn with_routes<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut (dyn RouteStore + 'static)) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, DbError> {
        self.with_handle(|db| &db.routes, open_route_store, f).await
    }

    async fn with_statuses<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&mut (dyn StatusStore + 'static)) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, DbError> {
        self.with_handle(|db| &db.statuses, open_status_store, f)
            .await
    }

    /// Runs `f` on a blocking thread with the handle in `slot`, opened
    /// with `open` if there is none.
    async fn with_handle<S: ?Sized + 'static, T: Send + 'static>(
        self: &Arc<Self>,
        slot: fn(&Db) -> &Mutex<Option<Box<S>>>,
        open: fn(&StoreSettings) -> Result<Box<S>, StoreError>,
        f: impl FnOnce(&mut S) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, DbError> {
        let db = Arc::clone(self);
        let run = move || {
            let mut guard = lock(slot(&db));
            if guard.is_none() {
                *guard = Some(open(&db.settings)?);
            }
            f(guard.as_deref_mut().expect("opened above"))
        };
        match tokio::task::spawn_blocking(run).await {
            Ok(result) => result.map_err(DbError::Store),
            Err(e) => Err(DbError::Task(e.to_string())),
        }
    }
}

/// A handle's lock; a panic in an earlier call drops the handle, so the
/// next call opens a fresh one.
fn lock<S: ?Sized>(m: &Mutex<Option<Box<S>>>) -> MutexGuard<'_, Option<Box<S>>> {
    m.lock().unwrap_or_else(|poisoned| {
        let mut guard = poisoned.into_inner();
        *guard = None;
        m.clear_poison();
        guard
    })
}
