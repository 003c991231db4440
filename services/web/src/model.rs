//! What the pages show of the store, built from its rows: the module list
//! with host counts, policies and last changes, one module's route, and
//! the reporter's statistics per host. Pure: rows in, values out.

use std::collections::BTreeMap;

use lars_proto::{HostAddr, ModuleId, RouteHost, RoutePolicy};
use lars_store::{CallStatus, LastChange, RouteRow};

use crate::chart::Bar;

/// One line of the Modules page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleSummary {
    /// The module.
    pub module: ModuleId,
    /// How many hosts its route has.
    pub hosts: usize,
    /// Its policy (the default when none was set).
    pub policy: RoutePolicy,
    /// Its route's last change, when recorded.
    pub last_change: Option<LastChange>,
}

/// One module's route as the Module page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleRoute {
    /// The hosts with their weights, sorted by address.
    pub hosts: Vec<RouteHost>,
    /// Its policy.
    pub policy: RoutePolicy,
    /// Its route's last change, when recorded.
    pub last_change: Option<LastChange>,
    /// The store's route version now.
    pub version: u64,
}

/// Every module that has hosts, a policy or a recorded change, sorted: a
/// module whose last host was removed stays listed (with 0 hosts) so it
/// can be found again.
pub fn summarize(
    rows: &[RouteRow],
    policies: &[(ModuleId, RoutePolicy)],
    changes: &[LastChange],
) -> Vec<ModuleSummary> {
    let mut map: BTreeMap<ModuleId, ModuleSummary> = BTreeMap::new();
    for row in rows {
        summary(&mut map, row.module).hosts += 1;
    }
    for (module, policy) in policies {
        summary(&mut map, *module).policy = *policy;
    }
    for change in changes {
        summary(&mut map, change.module).last_change = Some(*change);
    }
    map.into_values().collect()
}

fn summary(map: &mut BTreeMap<ModuleId, ModuleSummary>, module: ModuleId) -> &mut ModuleSummary {
    map.entry(module).or_insert(ModuleSummary {
        module,
        hosts: 0,
        policy: RoutePolicy::default(),
        last_change: None,
    })
}

/// The reporter's rows of one host, every caller's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostStats {
    /// The host.
    pub host: HostAddr,
    /// Its rows, one per caller, sorted by caller.
    pub rows: Vec<CallStatus>,
}

impl HostStats {
    /// Whether any caller reported the host overloaded.
    pub fn overloaded(&self) -> bool {
        self.rows.iter().any(|r| r.overload)
    }
}

/// `rows` grouped per host, hosts sorted by address.
pub fn stats_per_host(rows: &[CallStatus]) -> Vec<HostStats> {
    let mut map: BTreeMap<HostAddr, Vec<CallStatus>> = BTreeMap::new();
    for row in rows {
        map.entry(row.host).or_default().push(*row);
    }
    map.into_iter()
        .map(|(host, mut rows)| {
            rows.sort_by_key(|r| r.caller);
            HostStats { host, rows }
        })
        .collect()
}

/// The chart of the Statistics page: per host, the successes and errors
/// of the current window summed over its callers.
pub fn stats_bars(hosts: &[HostStats]) -> Vec<Bar> {
    hosts
        .iter()
        .map(|h| Bar {
            label: h.host.to_string(),
            succ: h.rows.iter().map(|r| u64::from(r.succ_cnt)).sum(),
            err: h.rows.iter().map(|r| u64::from(r.err_cnt)).sum(),
            overloaded: h.overloaded(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::{Policy, Weight};

    fn m(modid: i32, cmdid: i32) -> ModuleId {
        ModuleId::new(modid, cmdid)
    }

    fn row(module: ModuleId, host: &str) -> RouteRow {
        RouteRow {
            module,
            host: host.parse().unwrap(),
            weight: Weight::ONE,
        }
    }

    #[test]
    fn modules_come_from_routes_policies_and_changes() {
        let hash = RoutePolicy::new(Policy::Hash, 20).unwrap();
        let rows = [
            row(m(2, 1), "10.0.0.1:80"),
            row(m(1, 1), "10.0.0.1:80"),
            row(m(1, 1), "10.0.0.2:80"),
        ];
        let changes = [
            LastChange {
                module: m(1, 1),
                version: 9,
                unix_s: 1_700_000_000,
            },
            LastChange {
                module: m(3, 3),
                version: 4,
                unix_s: 1_600_000_000,
            },
        ];
        let list = summarize(&rows, &[(m(2, 1), hash)], &changes);
        let brief: Vec<(ModuleId, usize, Policy, Option<u64>)> = list
            .iter()
            .map(|s| {
                (
                    s.module,
                    s.hosts,
                    s.policy.policy,
                    s.last_change.map(|c| c.version),
                )
            })
            .collect();
        assert_eq!(
            brief,
            [
                (m(1, 1), 2, Policy::Rr, Some(9)),
                (m(2, 1), 1, Policy::Hash, None),
                (m(3, 3), 0, Policy::Rr, Some(4)),
            ]
        );
        assert_eq!(list[1].policy.panic_threshold, 20);
    }

    #[test]
    fn statistics_group_per_host_and_sum_for_the_chart() {
        let status = |host: &str, caller: [u8; 4], succ, err, overload| CallStatus {
            module: m(1, 1),
            host: host.parse().unwrap(),
            caller: caller.into(),
            succ_cnt: succ,
            err_cnt: err,
            ts: 1_700_000_000,
            overload,
        };
        let rows = [
            status("10.0.0.2:80", [10, 1, 0, 2], 5, 9, true),
            status("10.0.0.1:80", [10, 1, 0, 2], 100, 1, false),
            status("10.0.0.2:80", [10, 1, 0, 1], 7, 0, false),
        ];
        let hosts = stats_per_host(&rows);
        assert_eq!(hosts.len(), 2);
        assert_eq!(hosts[0].host.to_string(), "10.0.0.1:80");
        let callers: Vec<String> = hosts[1].rows.iter().map(|r| r.caller.to_string()).collect();
        assert_eq!(callers, ["10.1.0.1", "10.1.0.2"]);
        assert!(!hosts[0].overloaded() && hosts[1].overloaded());
        let bars = stats_bars(&hosts);
        let brief: Vec<(&str, u64, u64, bool)> = bars
            .iter()
            .map(|b| (b.label.as_str(), b.succ, b.err, b.overloaded))
            .collect();
        assert_eq!(
            brief,
            [("10.0.0.1:80", 100, 1, false), ("10.0.0.2:80", 12, 9, true)]
        );
    }
}
