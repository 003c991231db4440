//! Routes too large to send: a module whose `GetRouteResponse` would not
//! fit one frame (written into the store by hand, past the host limit the
//! stores enforce) is not served from the new snapshot. Its subscribers
//! keep the last route they had: the new snapshot carries the previous
//! snapshot's route of that module, or none. Each such module is logged
//! once per route version.

use std::collections::HashMap;

use lars_proto::{ModuleId, MAX_BODY_LEN};
use lars_store::RouteMap;

/// A route left out of a snapshot because it does not fit a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oversized {
    /// The module.
    pub module: ModuleId,
    /// Its hosts in the store.
    pub hosts: usize,
    /// The bytes its answer would take.
    pub bytes: usize,
    /// Whether the previous route of the module is served instead (else
    /// the module is not served).
    pub kept_previous: bool,
}

/// Replaces every route of `next` that does not fit a frame by the route
/// `previous` has for the module, or removes it; says which.
pub fn keep_deliverable(next: &mut RouteMap, previous: &RouteMap) -> Vec<Oversized> {
    let mut found: Vec<Oversized> = next
        .iter()
        .filter(|(module, route)| !route.fits_a_frame(**module))
        .map(|(module, route)| Oversized {
            module: *module,
            hosts: route.hosts.len(),
            bytes: route.encoded_len(*module),
            kept_previous: previous.contains_key(module),
        })
        .collect();
    found.sort_by_key(|o| o.module);
    for o in &found {
        match previous.get(&o.module) {
            Some(route) => next.insert(o.module, route.clone()),
            None => next.remove(&o.module),
        };
    }
    found
}

/// Logs each oversized module once per route version.
#[derive(Debug, Default)]
pub struct OversizeLog {
    reported: HashMap<ModuleId, u64>,
}

impl OversizeLog {
    /// Logs the modules of `found` not yet reported at `version`.
    pub fn report(&mut self, version: u64, found: &[Oversized]) {
        self.reported
            .retain(|m, _| found.iter().any(|o| o.module == *m));
        for o in found {
            if self.reported.insert(o.module, version) == Some(version) {
                continue;
            }
            let served = if o.kept_previous {
                "serving its last route that fitted"
            } else {
                "not serving it"
            };
            log::error!(
                "module {}: route of {} hosts needs {} bytes, over the {MAX_BODY_LEN}-byte frame \
                 (route version {version}); {served}",
                o.module,
                o.hosts,
                o.bytes
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::{HostAddr, Route, RouteHost};

    fn route(hosts: u32) -> Route {
        Route {
            hosts: (0..hosts)
                .map(|i| RouteHost::new(HostAddr::from_number(0x0a00_0000 + i, 80)))
                .collect(),
            ..Route::default()
        }
    }

    #[test]
    fn an_oversized_route_gives_way_to_the_previous_one_or_to_none() {
        let (kept, gone, fine) = (
            ModuleId::new(1, 1),
            ModuleId::new(2, 1),
            ModuleId::new(3, 1),
        );
        let previous = RouteMap::from([(kept, route(2)), (fine, route(1))]);
        // 10.x.y.z:80 takes 9 bytes a host: 7300 hosts are 65 700+ bytes.
        let mut next = RouteMap::from([(kept, route(7300)), (gone, route(7300)), (fine, route(3))]);
        let found = keep_deliverable(&mut next, &previous);
        let summary: Vec<(ModuleId, usize, bool)> = found
            .iter()
            .map(|o| (o.module, o.hosts, o.kept_previous))
            .collect();
        assert_eq!(summary, [(kept, 7300, true), (gone, 7300, false)]);
        assert!(found.iter().all(|o| o.bytes > MAX_BODY_LEN));
        assert_eq!(next[&kept], route(2));
        assert!(!next.contains_key(&gone));
        assert_eq!(next[&fine], route(3));
    }
}
