//! [`HostAddr`]: one host of a module, and the protocol's IPv4 encoding
//! (docs/PROTOCOL.md §5): the address a.b.c.d is the 32-bit number
//! a·2²⁴+b·2¹⁶+c·2⁸+d, carried in an `int32` field on the wire (so
//! addresses from 128.0.0.0 up are negative there) and kept unsigned in the
//! store.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::str::FromStr;

use crate::pb::HostInfo;

/// The `int32` wire value of an IPv4 address (its number, reinterpreted).
///
/// ```
/// use lars_proto::ip_to_wire;
/// assert_eq!(ip_to_wire("192.168.1.177".parse().unwrap()), -1_062_731_343);
/// ```
pub fn ip_to_wire(ip: Ipv4Addr) -> i32 {
    u32::from(ip) as i32
}

/// The IPv4 address of an `int32` wire value.
pub fn ip_from_wire(v: i32) -> Ipv4Addr {
    Ipv4Addr::from(v as u32)
}

/// One host: an IPv4 address and a port. Ordered by address number, then
/// port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostAddr {
    /// The address.
    pub ip: Ipv4Addr,
    /// The TCP/UDP port.
    pub port: u16,
}

/// Why a text or a wire [`HostInfo`] is not a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("host '{input}': {reason}")]
pub struct HostAddrError {
    /// The input as given (for a wire host, `ip:port` as numbers).
    pub input: String,
    /// What is wrong with it.
    pub reason: String,
}

impl HostAddr {
    /// A host from its address and port.
    pub const fn new(ip: Ipv4Addr, port: u16) -> HostAddr {
        HostAddr { ip, port }
    }

    /// A host from its address number (the store's column) and port.
    ///
    /// ```
    /// let h = lars_proto::HostAddr::from_number(3_232_235_953, 7777);
    /// assert_eq!(h.to_string(), "192.168.1.177:7777");
    /// ```
    pub fn from_number(ip: u32, port: u16) -> HostAddr {
        HostAddr::new(Ipv4Addr::from(ip), port)
    }

    /// The address as its 32-bit number (192.168.1.177 → 3232235953).
    pub fn ip_number(self) -> u32 {
        u32::from(self.ip)
    }

    /// The host key `(ip << 32) | port`: unique per host, cheap to hash.
    #[inline]
    pub fn key(self) -> u64 {
        (u64::from(u32::from(self.ip)) << 32) | u64::from(self.port)
    }

    /// The host of a [`key`](Self::key).
    #[inline]
    pub fn from_key(key: u64) -> HostAddr {
        HostAddr::from_number((key >> 32) as u32, key as u16)
    }

    /// The wire form: the address number as `int32`, the port as a number.
    pub fn to_wire(self) -> HostInfo {
        HostInfo {
            ip: ip_to_wire(self.ip),
            port: i32::from(self.port),
            weight: 0,
        }
    }

    /// The host of a wire [`HostInfo`]; an error unless the port is in
    /// `1..=65535` (port 0 cannot be called).
    ///
    /// ```
    /// use lars_proto::{HostAddr, HostInfo};
    /// let h = HostAddr::from_wire(&HostInfo { ip: -1_062_731_343, port: 7777, weight: 0 }).unwrap();
    /// assert_eq!(h.to_string(), "192.168.1.177:7777");
    /// assert!(HostAddr::from_wire(&HostInfo { ip: 1, port: 0, weight: 0 }).is_err());
    /// ```
    pub fn from_wire(info: &HostInfo) -> Result<HostAddr, HostAddrError> {
        let ip = ip_from_wire(info.ip);
        match u16::try_from(info.port) {
            Ok(port) if port != 0 => Ok(HostAddr::new(ip, port)),
            _ => Err(HostAddrError {
                input: format!("{ip}:{}", info.port),
                reason: format!("port {} is not in 1..=65535", info.port),
            }),
        }
    }
}

impl fmt::Display for HostAddr {
    /// `a.b.c.d:port`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.ip, self.port)
    }
}

impl FromStr for HostAddr {
    type Err = HostAddrError;

    /// Parses `a.b.c.d:port` (surrounding white space allowed); the port
    /// must be in `1..=65535`.
    ///
    /// ```
    /// use lars_proto::HostAddr;
    /// let h: HostAddr = "127.0.0.1:9001".parse().unwrap();
    /// assert_eq!((h.ip_number(), h.port), (2_130_706_433, 9001));
    /// assert!("127.0.0.1:0".parse::<HostAddr>().is_err());
    /// ```
    fn from_str(input: &str) -> Result<HostAddr, HostAddrError> {
        let bad = |reason: String| HostAddrError {
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
        Ok(HostAddr::new(ip, port))
    }
}

impl From<SocketAddrV4> for HostAddr {
    fn from(addr: SocketAddrV4) -> HostAddr {
        HostAddr::new(*addr.ip(), addr.port())
    }
}

impl From<HostAddr> for SocketAddrV4 {
    fn from(host: HostAddr) -> SocketAddrV4 {
        SocketAddrV4::new(host.ip, host.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_number_is_the_big_endian_value() {
        let ip: Ipv4Addr = "192.168.1.177".parse().unwrap();
        let host = HostAddr::new(ip, 7777);
        assert_eq!(host.ip_number(), 3_232_235_953);
        assert_eq!(ip_to_wire(ip), -1_062_731_343);
        assert_eq!(ip_from_wire(-1_062_731_343), ip);
        assert_eq!(HostAddr::from_number(3_232_235_953, 7777), host);
    }

    #[test]
    fn keys_pack_address_then_port() {
        let host = HostAddr::from_number(0xC0A8_01B1, 7777);
        assert_eq!(host.key(), 0xC0A8_01B1_0000_1E61);
        assert_eq!(HostAddr::from_key(0xC0A8_01B1_0000_1E61), host);
    }

    #[test]
    fn wire_round_trip_keeps_high_addresses() {
        for text in [
            "127.0.0.1:9001",
            "192.168.1.177:7777",
            "255.255.255.255:65535",
        ] {
            let host: HostAddr = text.parse().unwrap();
            assert_eq!(HostAddr::from_wire(&host.to_wire()).unwrap(), host);
            assert_eq!(host.to_string(), text);
        }
        let wire = "192.168.1.177:7777".parse::<HostAddr>().unwrap().to_wire();
        assert_eq!((wire.ip, wire.port), (-1_062_731_343, 7777));
    }

    #[test]
    fn impossible_wire_ports_are_refused_naming_the_port() {
        for port in [0, -1, 65536, i32::MAX] {
            let err = HostAddr::from_wire(&HostInfo {
                ip: 1,
                port,
                weight: 0,
            })
            .unwrap_err();
            assert!(err.to_string().contains(&port.to_string()), "{err}");
        }
    }

    #[test]
    fn malformed_text_is_named_in_the_error() {
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
            let msg = input.parse::<HostAddr>().unwrap_err().to_string();
            assert!(msg.starts_with(&format!("host '{input}': ")), "{msg}");
            assert!(msg.contains(reason), "{input}: {msg}");
        }
        assert_eq!(
            " 10.0.0.1:1 ".parse::<HostAddr>().unwrap(),
            HostAddr::from_number(0x0a00_0001, 1)
        );
    }

    #[test]
    fn hosts_sort_by_address_number_then_port() {
        let mut hosts: Vec<HostAddr> =
            ["10.0.0.2:1", "9.255.255.255:9", "10.0.0.1:2", "10.0.0.1:1"]
                .iter()
                .map(|t| t.parse().unwrap())
                .collect();
        hosts.sort();
        let sorted: Vec<String> = hosts.iter().map(ToString::to_string).collect();
        assert_eq!(
            sorted,
            ["9.255.255.255:9", "10.0.0.1:1", "10.0.0.1:2", "10.0.0.2:1"]
        );
    }
}
