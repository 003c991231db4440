//! The routes served: an immutable snapshot swapped in whole, and the diff
//! between two snapshots (pure functions, no I/O).
//!
//! Readers clone an `Arc` under a read lock held for a pointer copy; a
//! reload builds the next snapshot outside the lock and swaps it in, so a
//! reader never waits for a load and never sees a half-built map.

use std::sync::Arc;

use lars_proto::{GetRouteResponse, HostAddr, ModuleId};
use lars_store::RouteMap;
use parking_lot::RwLock;

/// One consistent view of every route.
#[derive(Debug, Default)]
pub struct RouteSnapshot {
    /// `RouteVersion.version` the routes were loaded at.
    pub version: u64,
    /// Module → hosts (sorted).
    pub routes: RouteMap,
}

impl RouteSnapshot {
    /// The hosts of `module` (empty when unknown).
    pub fn hosts(&self, module: ModuleId) -> &[HostAddr] {
        self.routes.get(&module).map_or(&[], Vec::as_slice)
    }
}

/// The current snapshot, shared by the worker threads and the refresher.
#[derive(Debug, Default)]
pub struct SharedSnapshot {
    current: RwLock<Arc<RouteSnapshot>>,
}

impl SharedSnapshot {
    /// Starts with `snapshot`.
    pub fn new(snapshot: RouteSnapshot) -> SharedSnapshot {
        SharedSnapshot {
            current: RwLock::new(Arc::new(snapshot)),
        }
    }

    /// The current snapshot. Safe from any thread; never waits for a load.
    pub fn load(&self) -> Arc<RouteSnapshot> {
        self.current.read().clone()
    }

    /// Installs `next`, returning the previous snapshot.
    pub fn swap(&self, next: Arc<RouteSnapshot>) -> Arc<RouteSnapshot> {
        std::mem::replace(&mut *self.current.write(), next)
    }
}

/// The modules whose host lists differ between `old` and `new` (present in
/// one only, or with different hosts), sorted.
pub fn diff_routes(old: &RouteMap, new: &RouteMap) -> Vec<ModuleId> {
    let mut changed: Vec<ModuleId> = new
        .iter()
        .filter(|(key, hosts)| old.get(key) != Some(hosts))
        .map(|(key, _)| *key)
        .chain(old.keys().filter(|key| !new.contains_key(key)).copied())
        .collect();
    changed.sort_unstable();
    changed
}

/// The `GetRouteResponse` for a module.
pub fn route_response(module: ModuleId, hosts: &[HostAddr]) -> GetRouteResponse {
    GetRouteResponse {
        modid: module.modid,
        cmdid: module.cmdid,
        host: hosts.iter().map(|h| h.to_wire()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(modid: i32) -> ModuleId {
        ModuleId::new(modid, 1)
    }

    fn map(entries: &[(i32, &[&str])]) -> RouteMap {
        entries
            .iter()
            .map(|(modid, hosts)| {
                (
                    m(*modid),
                    hosts.iter().map(|h| h.parse().unwrap()).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn diff_finds_added_removed_and_changed_modules() {
        let old = map(&[
            (1, &["0.0.0.1:1"]),
            (2, &["0.0.0.2:2"]),
            (3, &["0.0.0.3:3"]),
        ]);
        let new = map(&[
            (1, &["0.0.0.1:1"]),
            (2, &["0.0.0.2:2", "0.0.0.2:3"]),
            (4, &["0.0.0.4:4"]),
        ]);
        assert_eq!(diff_routes(&old, &new), vec![m(2), m(3), m(4)]);
        assert!(diff_routes(&new, &new).is_empty());
    }

    #[test]
    fn swap_replaces_whole_snapshot_and_old_readers_keep_theirs() {
        let shared = SharedSnapshot::new(RouteSnapshot {
            version: 1,
            routes: map(&[(1, &["0.0.0.10:1"])]),
        });
        let before = shared.load();
        let old = shared.swap(Arc::new(RouteSnapshot {
            version: 2,
            routes: RouteMap::new(),
        }));
        assert_eq!(old.version, 1);
        assert_eq!(before.hosts(m(1)).len(), 1);
        assert_eq!(shared.load().version, 2);
        assert!(shared.load().hosts(m(1)).is_empty());
    }

    #[test]
    fn response_carries_negative_wire_ips() {
        let host = "192.168.1.177:7777".parse().unwrap();
        let resp = route_response(ModuleId::new(1, 2), &[host]);
        assert_eq!((resp.modid, resp.cmdid), (1, 2));
        assert_eq!(resp.host[0].ip, -1_062_731_343);
        assert_eq!(resp.host[0].port, 7777);
    }
}
