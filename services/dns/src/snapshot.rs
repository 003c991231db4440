//! The routes served: an immutable snapshot swapped in whole, and the diff
//! between two snapshots (pure functions, no I/O).
//!
//! Readers clone an `Arc` under a read lock held for a pointer copy; a
//! reload builds the next snapshot outside the lock and swaps it in, so a
//! reader never waits for a load and never sees a half-built map.

use std::sync::Arc;

use lars_proto::{GetRouteResponse, ModuleId};
use lars_store::{Route, RouteMap};
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
    /// The route of `module`, if it has hosts.
    pub fn route(&self, module: ModuleId) -> Option<&Route> {
        self.routes.get(&module)
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

/// The modules whose routes differ between `old` and `new` (present in one
/// only, or with different hosts, weights or policy), sorted.
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

/// The `GetRouteResponse` for a module: its route
/// ([`Route::to_response`]: defaults left out, so a route that uses no
/// weight and no policy is the original's bytes), or no hosts (`None`: the
/// module is unknown or has none).
pub fn route_response(module: ModuleId, route: Option<&Route>) -> GetRouteResponse {
    match route {
        Some(route) => route.to_response(module),
        None => Route::default().to_response(module),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::{Policy, RouteHost, RoutePolicy, Weight};

    fn m(modid: i32) -> ModuleId {
        ModuleId::new(modid, 1)
    }

    fn route(hosts: &[&str]) -> Route {
        Route {
            hosts: hosts
                .iter()
                .map(|h| RouteHost::new(h.parse().unwrap()))
                .collect(),
            ..Route::default()
        }
    }

    fn map(entries: &[(i32, Route)]) -> RouteMap {
        entries
            .iter()
            .map(|(modid, r)| (m(*modid), r.clone()))
            .collect()
    }

    #[test]
    fn diff_finds_added_removed_and_changed_modules() {
        let mut reweighed = route(&["0.0.0.5:5"]);
        let old = map(&[
            (1, route(&["0.0.0.1:1"])),
            (2, route(&["0.0.0.2:2"])),
            (3, route(&["0.0.0.3:3"])),
            (5, reweighed.clone()),
            (6, route(&["0.0.0.6:6"])),
        ]);
        reweighed.hosts[0].weight = Weight::new(2).unwrap();
        let mut repolicied = route(&["0.0.0.6:6"]);
        repolicied.policy = RoutePolicy::new(Policy::Wrr, 0).unwrap();
        let new = map(&[
            (1, route(&["0.0.0.1:1"])),
            (2, route(&["0.0.0.2:2", "0.0.0.2:3"])),
            (4, route(&["0.0.0.4:4"])),
            (5, reweighed),
            (6, repolicied),
        ]);
        assert_eq!(diff_routes(&old, &new), vec![m(2), m(3), m(4), m(5), m(6)]);
        assert!(diff_routes(&new, &new).is_empty());
    }

    #[test]
    fn swap_replaces_whole_snapshot_and_old_readers_keep_theirs() {
        let shared = SharedSnapshot::new(RouteSnapshot {
            version: 1,
            routes: map(&[(1, route(&["0.0.0.10:1"]))]),
        });
        let before = shared.load();
        let old = shared.swap(Arc::new(RouteSnapshot {
            version: 2,
            routes: RouteMap::new(),
        }));
        assert_eq!(old.version, 1);
        assert!(before.route(m(1)).is_some());
        assert_eq!(shared.load().version, 2);
        assert!(shared.load().route(m(1)).is_none());
    }

    #[test]
    fn a_plain_route_is_the_original_response() {
        let plain = route(&["192.168.1.177:7777"]);
        let resp = route_response(ModuleId::new(1, 2), Some(&plain));
        assert_eq!((resp.modid, resp.cmdid), (1, 2));
        assert_eq!(
            (resp.host[0].ip, resp.host[0].port, resp.host[0].weight),
            (-1_062_731_343, 7777, 0)
        );
        assert_eq!((resp.policy, resp.panic_threshold), (0, 0));
        assert!(route_response(ModuleId::new(1, 2), None).host.is_empty());
    }

    #[test]
    fn weights_and_policy_travel_with_the_route() {
        let mut weighted = route(&["10.0.0.1:80"]);
        weighted.hosts[0].weight = Weight::new(7).unwrap();
        weighted.policy = RoutePolicy::new(Policy::Hash, 30).unwrap();
        let resp = route_response(ModuleId::new(1, 2), Some(&weighted));
        assert_eq!(resp.host[0].weight, 7);
        assert_eq!((resp.policy, resp.panic_threshold), (2, 30));
    }
}
