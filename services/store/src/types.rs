//! The values stores read and write: route rows, the route map, call
//! statuses, and the description of a route change. Pure data, no I/O.
//!
//! Modules and hosts are [`ModuleId`] and [`HostAddr`] from lars-proto; the
//! database keeps an address as its unsigned 32-bit number
//! (docs/PROTOCOL.md §5), converted in the backends.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use lars_proto::{HostAddr, ModuleId};

use crate::error::StoreError;

/// One row of `RouteData`: a host of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteRow {
    /// The module.
    pub module: ModuleId,
    /// The host.
    pub host: HostAddr,
}

/// Every route: module → its hosts, sorted and without duplicates. A module
/// without hosts has no entry.
pub type RouteMap = HashMap<ModuleId, Vec<HostAddr>>;

/// Groups route rows by module into a [`RouteMap`], sorting and
/// deduplicating each module's hosts.
///
/// ```
/// use lars_proto::{HostAddr, ModuleId};
/// use lars_store::{group_routes, RouteRow};
/// let (module, host) = (ModuleId::new(1, 1), HostAddr::from_number(1, 80));
/// let rows = [RouteRow { module, host }, RouteRow { module, host }];
/// assert_eq!(group_routes(rows)[&module], vec![host]);
/// ```
pub fn group_routes(rows: impl IntoIterator<Item = RouteRow>) -> RouteMap {
    let mut map = RouteMap::new();
    for row in rows {
        map.entry(row.module).or_default().push(row.host);
    }
    for hosts in map.values_mut() {
        hosts.sort_unstable();
        hosts.dedup();
    }
    map
}

/// A route row as read from the database, whose port column is wider than a
/// port: `None` (and a warning naming the row) when the port is not in
/// `1..=65535`, so one bad row does not stop a whole load.
pub(crate) fn checked_row(store: &str, module: ModuleId, ip: u32, port: i64) -> Option<RouteRow> {
    match u16::try_from(port) {
        Ok(port) if port != 0 => Some(RouteRow {
            module,
            host: HostAddr::from_number(ip, port),
        }),
        _ => {
            log::warn!(
                "{store}: RouteData row {module} {}:{port}: port not in 1..=65535, skipped",
                Ipv4Addr::from(ip)
            );
            None
        }
    }
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

/// A change of one module's route: a host added or removed. Both backends
/// describe and refuse it the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostChange {
    /// Add (`true`) or remove the host.
    pub add: bool,
    /// The module whose route changes.
    pub module: ModuleId,
    /// The host.
    pub host: HostAddr,
}

impl HostChange {
    /// What is being done, for error messages.
    pub(crate) fn action(&self) -> String {
        let HostChange { add, module, host } = self;
        if *add {
            format!("add host {host} to module {module}")
        } else {
            format!("delete host {host} from module {module}")
        }
    }

    /// The error for a change the route already reflects: the host is
    /// there (add) or is not (delete).
    pub(crate) fn refused(&self, store: String) -> StoreError {
        let (module, host) = (self.module, self.host);
        if self.add {
            StoreError::HostExists {
                store,
                module,
                host,
            }
        } else {
            StoreError::HostAbsent {
                store,
                module,
                host,
            }
        }
    }

    /// The `RouteData` key columns as bound parameters.
    pub(crate) fn params(&self) -> (i32, i32, u32, u16) {
        let (m, h) = (self.module, self.host);
        (m.modid, m.cmdid, h.ip_number(), h.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(text: &str) -> HostAddr {
        text.parse().unwrap()
    }

    #[test]
    fn group_routes_sorts_and_dedups_per_module() {
        let row = |m, c, h: &str| RouteRow {
            module: ModuleId::new(m, c),
            host: host(h),
        };
        let map = group_routes([
            row(1, 1, "0.0.0.3:1"),
            row(1, 1, "0.0.0.1:2"),
            row(1, 2, "0.0.0.9:9"),
            row(1, 1, "0.0.0.3:1"),
            row(1, 1, "0.0.0.1:1"),
        ]);
        assert_eq!(map.len(), 2);
        let want = vec![host("0.0.0.1:1"), host("0.0.0.1:2"), host("0.0.0.3:1")];
        assert_eq!(map[&ModuleId::new(1, 1)], want);
        assert_eq!(map[&ModuleId::new(1, 2)], vec![host("0.0.0.9:9")]);
    }

    #[test]
    fn rows_with_impossible_ports_are_skipped() {
        let m = ModuleId::new(1, 1);
        assert!(checked_row("t", m, 1, 0).is_none());
        assert!(checked_row("t", m, 1, 70000).is_none());
        assert_eq!(checked_row("t", m, 1, 80).unwrap().host, host("0.0.0.1:80"));
    }

    #[test]
    fn a_change_names_its_host_and_module() {
        let add = HostChange {
            add: true,
            module: ModuleId::new(1, 2),
            host: host("127.0.0.1:9001"),
        };
        assert_eq!(add.action(), "add host 127.0.0.1:9001 to module 1/2");
        assert_eq!(
            add.refused("sqlite x.db".into()).to_string(),
            "sqlite x.db: add host 127.0.0.1:9001 to module 1/2: already present"
        );
        let del = HostChange { add: false, ..add };
        assert_eq!(del.action(), "delete host 127.0.0.1:9001 from module 1/2");
        assert_eq!(del.params(), (1, 2, 2_130_706_433, 9001));
    }
}
