//! The values stores read and write: hosts, modules, route rows, call
//! statuses. Pure data, no I/O.
//!
//! An IPv4 address is the 32-bit number a·2²⁴+b·2¹⁶+c·2⁸+d of `a.b.c.d`
//! (SPEC §3.5), kept as `u32` end to end so addresses from 128.0.0.0 up stay
//! positive; a module is keyed by [`module_key`].

use crate::error::StoreError;
use std::collections::HashMap;
use std::fmt;
use std::net::Ipv4Addr;

/// One host of a module: an IPv4 address as its 32-bit number, and a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostAddr {
    /// a·2²⁴+b·2¹⁶+c·2⁸+d for `a.b.c.d` (192.168.1.177 is 3232235953).
    pub ip: u32,
    /// The TCP/UDP port.
    pub port: u16,
}

impl HostAddr {
    /// A host from its address number and port.
    ///
    /// ```
    /// let h = lars_store::HostAddr::new(3232235953, 7777);
    /// assert_eq!(h.to_string(), "192.168.1.177:7777");
    /// ```
    pub fn new(ip: u32, port: u16) -> HostAddr {
        HostAddr { ip, port }
    }

    /// The address as [`Ipv4Addr`].
    pub fn ipv4(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.ip)
    }
}

impl fmt::Display for HostAddr {
    /// `a.b.c.d:port`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ipv4(), self.port)
    }
}

/// Parses `a.b.c.d:port`; the port must be in `1..=65535`.
///
/// ```
/// let h = lars_store::parse_host("127.0.0.1:9001").unwrap();
/// assert_eq!((h.ip, h.port), (2130706433, 9001));
/// assert!(lars_store::parse_host("127.0.0.1:0").is_err());
/// ```
pub fn parse_host(input: &str) -> Result<HostAddr, StoreError> {
    let bad = |reason: String| StoreError::BadHost {
        input: input.to_string(),
        reason,
    };
    let (ip, port) = input
        .trim()
        .rsplit_once(':')
        .ok_or_else(|| bad("expected IP:PORT".to_string()))?;
    let ip: Ipv4Addr = ip
        .parse()
        .map_err(|_| bad(format!("'{ip}' is not an IPv4 address a.b.c.d")))?;
    let port = match port.parse::<u32>() {
        Ok(p @ 1..=65535) => p as u16,
        Ok(_) => return Err(bad(format!("port {port} is not in 1..=65535"))),
        Err(_) => return Err(bad(format!("port '{port}' is not a number"))),
    };
    Ok(HostAddr::new(u32::from(ip), port))
}

/// Module keys (SPEC §3.5): `(modid << 32) | cmdid`, shared with the wire
/// protocol crate.
pub use lars_proto::{module_key, split_module_key};

/// One row of `RouteData`: a host of a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RouteRow {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// The host.
    pub host: HostAddr,
}

/// Every route: [`module_key`] → the module's hosts, sorted and without
/// duplicates. A module without hosts has no entry.
pub type RouteMap = HashMap<u64, Vec<HostAddr>>;

/// Groups route rows by module into a [`RouteMap`], sorting and
/// deduplicating each module's hosts.
///
/// ```
/// use lars_store::{group_routes, module_key, HostAddr, RouteRow};
/// let h = HostAddr::new(1, 80);
/// let rows = [RouteRow { modid: 1, cmdid: 1, host: h }, RouteRow { modid: 1, cmdid: 1, host: h }];
/// assert_eq!(group_routes(rows)[&module_key(1, 1)], vec![h]);
/// ```
pub fn group_routes(rows: impl IntoIterator<Item = RouteRow>) -> RouteMap {
    let mut map = RouteMap::new();
    for row in rows {
        map.entry(module_key(row.modid, row.cmdid))
            .or_default()
            .push(row.host);
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
pub(crate) fn checked_row(
    store: &str,
    modid: i32,
    cmdid: i32,
    ip: u32,
    port: i64,
) -> Option<RouteRow> {
    match u16::try_from(port) {
        Ok(port) if port != 0 => Some(RouteRow {
            modid,
            cmdid,
            host: HostAddr::new(ip, port),
        }),
        _ => {
            log::warn!(
                "{store}: RouteData row {modid}/{cmdid} {}:{port}: port not in 1..=65535, skipped",
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
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// The host's address number (SPEC §3.5).
    pub ip: u32,
    /// The host's port.
    pub port: u16,
    /// The reporting agent's address number.
    pub caller: u32,
    /// Successful calls counted in the current window.
    pub succ_cnt: u32,
    /// Failed calls counted in the current window.
    pub err_cnt: u32,
    /// When the agent sent the report, in Unix seconds.
    pub ts: u32,
    /// Whether the agent considers the host overloaded (stored as `'1'`/`'0'`).
    pub overload: bool,
}

impl CallStatus {
    /// The host this status is about.
    pub fn host(&self) -> HostAddr {
        HostAddr::new(self.ip, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn high_addresses_stay_unsigned() {
        let h = parse_host("192.168.1.177:7777").unwrap();
        assert_eq!(h.ip, 3232235953);
        assert_eq!(h.to_string(), "192.168.1.177:7777");
        assert_eq!(
            HostAddr::new(u32::MAX, 65535).to_string(),
            "255.255.255.255:65535"
        );
    }

    #[test]
    fn malformed_hosts_are_named_in_the_error() {
        let cases = [
            ("127.0.0.1", "expected IP:PORT"),
            ("127.0.0:80", "is not an IPv4 address"),
            ("256.0.0.1:80", "is not an IPv4 address"),
            ("localhost:80", "is not an IPv4 address"),
            ("1.2.3.4:0", "not in 1..=65535"),
            ("1.2.3.4:65536", "not in 1..=65535"),
            ("1.2.3.4:http", "is not a number"),
            ("1.2.3.4:-1", "is not a number"),
        ];
        for (input, reason) in cases {
            let msg = parse_host(input).unwrap_err().to_string();
            assert!(msg.starts_with(&format!("host '{input}': ")), "{msg}");
            assert!(msg.contains(reason), "{input}: {msg}");
        }
        assert_eq!(
            parse_host(" 10.0.0.1:1 ").unwrap(),
            HostAddr::new(0x0a00_0001, 1)
        );
    }

    #[test]
    fn module_keys_round_trip_including_negative_ids() {
        for (m, c) in [(0, 0), (1, 1), (i32::MAX, i32::MIN), (-1, 5)] {
            assert_eq!(split_module_key(module_key(m, c)), (m, c));
        }
        assert_eq!(module_key(2, 3), 0x0000_0002_0000_0003);
    }

    #[test]
    fn group_routes_sorts_and_dedups_per_module() {
        let row = |m, c, ip, port| RouteRow {
            modid: m,
            cmdid: c,
            host: HostAddr::new(ip, port),
        };
        let map = group_routes([
            row(1, 1, 3, 1),
            row(1, 1, 1, 2),
            row(1, 2, 9, 9),
            row(1, 1, 3, 1),
            row(1, 1, 1, 1),
        ]);
        assert_eq!(map.len(), 2);
        let want = vec![
            HostAddr::new(1, 1),
            HostAddr::new(1, 2),
            HostAddr::new(3, 1),
        ];
        assert_eq!(map[&module_key(1, 1)], want);
        assert_eq!(map[&module_key(1, 2)], vec![HostAddr::new(9, 9)]);
    }

    #[test]
    fn rows_with_impossible_ports_are_skipped() {
        assert!(checked_row("t", 1, 1, 1, 0).is_none());
        assert!(checked_row("t", 1, 1, 1, 70000).is_none());
        assert_eq!(checked_row("t", 1, 1, 1, 80).unwrap().host.port, 80);
    }
}
