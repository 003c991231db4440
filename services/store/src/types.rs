//! The values stores read and write: route rows, routes with their
//! policies, call statuses. Pure data, no I/O.
//!
//! Modules and hosts are [`ModuleId`] and [`HostAddr`] from lars-proto; the
//! database keeps an address as its unsigned 32-bit number
//! (docs/PROTOCOL.md §5), converted in the backends.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use lars_proto::{HostAddr, ModuleId, Policy, Route, RouteHost, RoutePolicy, Weight};

/// One row of `RouteData`: a host of a module and its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteRow {
    /// The module.
    pub module: ModuleId,
    /// The host.
    pub host: HostAddr,
    /// Its weight.
    pub weight: Weight,
}

/// Every route: module → its route (hosts sorted by address, each once). A
/// module without hosts has no entry.
pub type RouteMap = HashMap<ModuleId, Route>;

/// Groups route rows by module into a [`RouteMap`], sorting each module's
/// hosts and keeping one row per host, and gives each module its policy
/// from `policies` (the default for a module not listed).
///
/// ```
/// use lars_proto::{ModuleId, Policy, RouteHost, RoutePolicy, Weight};
/// use lars_store::{group_routes, RouteRow};
/// let module = ModuleId::new(1, 1);
/// let host = "10.0.0.1:80".parse().unwrap();
/// let row = RouteRow { module, host, weight: Weight::ONE };
/// let hash = RoutePolicy::new(Policy::Hash, 0).unwrap();
/// let routes = group_routes([row, row], [(module, hash)]);
/// assert_eq!(routes[&module].hosts, vec![RouteHost::new(host)]);
/// assert_eq!(routes[&module].policy, hash);
/// ```
pub fn group_routes(
    rows: impl IntoIterator<Item = RouteRow>,
    policies: impl IntoIterator<Item = (ModuleId, RoutePolicy)>,
) -> RouteMap {
    let mut map = RouteMap::new();
    for row in rows {
        map.entry(row.module).or_default().hosts.push(RouteHost {
            host: row.host,
            weight: row.weight,
        });
    }
    for route in map.values_mut() {
        route.hosts.sort_unstable();
        route.hosts.dedup_by_key(|h| h.host);
    }
    for (module, policy) in policies {
        if let Some(route) = map.get_mut(&module) {
            route.policy = policy;
        }
    }
    map
}

/// A route row as read from the database, whose port and weight columns
/// are wider than their values: `None` (and a warning naming the row) when
/// the port is not in `1..=65535`, so one bad row does not stop a whole
/// load; a weight out of range is clamped, with a warning.
pub(crate) fn checked_row(
    store: &str,
    module: ModuleId,
    ip: u32,
    port: i64,
    weight: i64,
) -> Option<RouteRow> {
    let Ok(port @ 1..=65535) = u16::try_from(port) else {
        log::warn!(
            "{store}: RouteData row {module} {}:{port}: port not in 1..=65535, skipped",
            Ipv4Addr::from(ip)
        );
        return None;
    };
    let host = HostAddr::from_number(ip, port);
    let weight = u32::try_from(weight)
        .ok()
        .and_then(|w| Weight::new(w).ok())
        .unwrap_or_else(|| {
            log::warn!("{store}: RouteData row {module} {host}: weight {weight} clamped");
            Weight::from_wire(weight.clamp(1, i64::from(Weight::MAX)) as u32)
        });
    Some(RouteRow {
        module,
        host,
        weight,
    })
}

/// A `ModulePolicy` row as read from the database: an unknown policy name
/// or a threshold out of range is logged and replaced by the default.
pub(crate) fn checked_policy(
    store: &str,
    module: ModuleId,
    policy: &str,
    panic_threshold: i64,
) -> (ModuleId, RoutePolicy) {
    let parsed = policy
        .parse::<Policy>()
        .and_then(|p| RoutePolicy::new(p, u32::try_from(panic_threshold).unwrap_or(u32::MAX)));
    match parsed {
        Ok(route_policy) => (module, route_policy),
        Err(e) => {
            log::warn!("{store}: ModulePolicy row {module}: {e}; using rr without panic mode");
            (module, RoutePolicy::default())
        }
    }
}

/// One row of `RouteLastChange`: the last change of a module's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LastChange {
    /// The module.
    pub module: ModuleId,
    /// The route version the change made.
    pub version: u64,
    /// When it was made, in Unix seconds.
    pub unix_s: u64,
}

/// One row of `ServerCallStatus`: how calls from `caller` to one host of a
/// module went, as last reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CallStatus {
    /// The module.
    pub module: ModuleId,
    /// The host called.
    pub host: HostAddr,
    /// The reporting agent's address.
    pub caller: Ipv4Addr,
    /// Successful calls counted in the current window.
    pub succ_cnt: u32,
    /// Failed calls counted in the current window.
    pub err_cnt: u32,
    /// When the agent sent the report, in Unix seconds.
    pub ts: u32,
    /// Whether the agent considers the host overloaded (stored as `'1'`/`'0'`).
    pub overload: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(text: &str) -> HostAddr {
        text.parse().unwrap()
    }

    fn row(m: i32, c: i32, h: &str, weight: u32) -> RouteRow {
        RouteRow {
            module: ModuleId::new(m, c),
            host: host(h),
            weight: Weight::new(weight).unwrap(),
        }
    }

    #[test]
    fn group_routes_sorts_and_dedups_per_module_and_attaches_policies() {
        let map = group_routes(
            [
                row(1, 1, "0.0.0.3:1", 1),
                row(1, 1, "0.0.0.1:2", 5),
                row(1, 2, "0.0.0.9:9", 1),
                row(1, 1, "0.0.0.3:1", 1),
                row(1, 1, "0.0.0.1:1", 1),
            ],
            [
                (
                    ModuleId::new(1, 2),
                    RoutePolicy::new(Policy::Wrr, 10).unwrap(),
                ),
                (
                    ModuleId::new(9, 9),
                    RoutePolicy::new(Policy::Hash, 0).unwrap(),
                ),
            ],
        );
        assert_eq!(map.len(), 2, "a policy alone makes no route");
        let hosts: Vec<(String, u32)> = map[&ModuleId::new(1, 1)]
            .hosts
            .iter()
            .map(|h| (h.host.to_string(), h.weight.get()))
            .collect();
        let want = [("0.0.0.1:1", 1), ("0.0.0.1:2", 5), ("0.0.0.3:1", 1)];
        assert_eq!(hosts, want.map(|(h, w)| (h.to_string(), w)));
        assert_eq!(map[&ModuleId::new(1, 1)].policy, RoutePolicy::default());
        assert_eq!(map[&ModuleId::new(1, 2)].policy.policy, Policy::Wrr);
    }

    #[test]
    fn rows_with_impossible_ports_are_skipped_and_weights_clamped() {
        let m = ModuleId::new(1, 1);
        assert!(checked_row("t", m, 1, 0, 1).is_none());
        assert!(checked_row("t", m, 1, 70000, 1).is_none());
        assert_eq!(
            checked_row("t", m, 1, 80, 1).unwrap().host,
            host("0.0.0.1:80")
        );
        assert_eq!(checked_row("t", m, 1, 80, 0).unwrap().weight, Weight::ONE);
        assert_eq!(
            checked_row("t", m, 1, 80, 99_999).unwrap().weight.get(),
            10_000
        );
    }

    #[test]
    fn unknown_policies_fall_back_to_the_default() {
        let m = ModuleId::new(1, 1);
        assert_eq!(checked_policy("t", m, "ewma", 20).1.policy, Policy::Ewma);
        assert_eq!(
            checked_policy("t", m, "random", 0).1,
            RoutePolicy::default()
        );
        assert_eq!(checked_policy("t", m, "wrr", 300).1, RoutePolicy::default());
    }
}
