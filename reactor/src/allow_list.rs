//! [`AllowList`]: the networks a server accepts connections from, written
//! as CIDR blocks (`10.0.0.0/8, 192.168.1.7, fd00::/8`). Pure: no sockets.

use std::fmt;
use std::net::IpAddr;

/// One network: an address and the number of leading bits that matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    prefix: u32,
}

impl Cidr {
    fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(net)), self.prefix, 32)
                    == masked(u128::from(u32::from(ip)), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(u128::from(net), self.prefix, 128)
                    == masked(u128::from(ip), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// `value` (a `width`-bit address) with all but its first `prefix` bits
/// cleared.
fn masked(value: u128, prefix: u32, width: u32) -> u128 {
    if prefix == 0 {
        0
    } else {
        value >> (width - prefix) << (width - prefix)
    }
}

/// Who may connect: everyone, or the peers inside one of a list of
/// networks. IPv4 peers that reach an IPv6 socket (`::ffff:a.b.c.d`) are
/// matched as IPv4.
///
/// ```
/// use lars_reactor::AllowList;
/// let list = AllowList::parse("10.0.0.0/8, 192.168.1.7").unwrap();
/// assert!(list.allows("10.1.2.3".parse().unwrap()));
/// assert!(list.allows("192.168.1.7".parse().unwrap()));
/// assert!(!list.allows("192.168.1.8".parse().unwrap()));
/// assert!(AllowList::any().allows("203.0.113.9".parse().unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    /// `None`: everyone.
    networks: Option<Vec<Cidr>>,
}

impl AllowList {
    /// Everyone may connect.
    pub fn any() -> AllowList {
        AllowList { networks: None }
    }

    /// Parses a comma-separated list of `ADDRESS/PREFIX` blocks (a bare
    /// address is one host). A block with bits set past its prefix is an
    /// error (it is usually a typo), and so is an empty list.
    pub fn parse(text: &str) -> Result<AllowList, String> {
        let networks = text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(parse_cidr)
            .collect::<Result<Vec<_>, _>>()?;
        if networks.is_empty() {
            return Err("lists no network".to_string());
        }
        Ok(AllowList {
            networks: Some(networks),
        })
    }

    /// Whether a peer at `ip` may connect.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match &self.networks {
            None => true,
            Some(networks) => networks.iter().any(|n| n.contains(ip)),
        }
    }

    /// Whether everyone may connect.
    pub fn is_any(&self) -> bool {
        self.networks.is_none()
    }
}

impl Default for AllowList {
    fn default() -> Self {
        AllowList::any()
    }
}

impl fmt::Display for AllowList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(networks) = &self.networks else {
            return f.write_str("everyone");
        };
        for (i, n) in networks.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{}/{}", n.addr, n.prefix)?;
        }
        Ok(())
    }
}

fn parse_cidr(item: &str) -> Result<Cidr, String> {
    let (addr_text, prefix_text) = match item.split_once('/') {
        Some((a, p)) => (a.trim(), Some(p.trim())),
        None => (item, None),
    };
    let addr: IpAddr = addr_text
        .parse()
        .map_err(|_| format!("{item}: '{addr_text}' is not an IP address"))?;
    let width = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix_text {
        None => width,
        Some(p) => p
            .parse::<u32>()
            .ok()
            .filter(|&p| p <= width)
            .ok_or_else(|| format!("{item}: the prefix must be 0..={width}"))?,
    };
    let cidr = Cidr { addr, prefix };
    let network = match addr {
        IpAddr::V4(v4) => {
            IpAddr::from((masked(u128::from(u32::from(v4)), prefix, 32) as u32).to_be_bytes())
        }
        IpAddr::V6(v6) => IpAddr::from(masked(u128::from(v6), prefix, 128).to_be_bytes()),
    };
    if network != addr {
        return Err(format!(
            "{item} has bits set past its /{prefix} (did you mean {network}/{prefix}?)"
        ));
    }
    Ok(cidr)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_match_their_prefix_only() {
        let list = AllowList::parse("10.0.0.0/8,127.0.0.1, 192.168.4.0/22 ,fd00::/8").unwrap();
        for yes in [
            "10.0.0.0",
            "10.255.255.255",
            "127.0.0.1",
            "192.168.7.255",
            "fd12::1",
        ] {
            assert!(list.allows(ip(yes)), "{yes}");
        }
        for no in [
            "11.0.0.0",
            "127.0.0.2",
            "192.168.8.0",
            "192.168.3.255",
            "fe80::1",
            "::1",
        ] {
            assert!(!list.allows(ip(no)), "{no}");
        }
        assert_eq!(
            list.to_string(),
            "10.0.0.0/8, 127.0.0.1/32, 192.168.4.0/22, fd00::/8"
        );
    }

    #[test]
    fn mapped_ipv4_peers_match_ipv4_blocks_and_zero_prefix_matches_all() {
        let list = AllowList::parse("127.0.0.0/8").unwrap();
        assert!(list.allows(ip("::ffff:127.0.0.9")));
        let all = AllowList::parse("0.0.0.0/0, ::/0").unwrap();
        assert!(all.allows(ip("203.0.113.1")) && all.allows(ip("2001:db8::1")));
        assert!(!AllowList::parse("0.0.0.0/0")
            .unwrap()
            .allows(ip("2001:db8::1")));
        assert!(AllowList::any().is_any() && !all.is_any());
        assert_eq!(AllowList::any().to_string(), "everyone");
    }

    #[test]
    fn bad_blocks_say_what_is_wrong() {
        for (text, want) in [
            (
                "10.0.0.5/8",
                "10.0.0.5/8 has bits set past its /8 (did you mean 10.0.0.0/8?)",
            ),
            ("10.0.0.0/33", "10.0.0.0/33: the prefix must be 0..=32"),
            ("fd00::/129", "fd00::/129: the prefix must be 0..=128"),
            ("localhost", "localhost: 'localhost' is not an IP address"),
            ("10.0.0.0/x", "10.0.0.0/x: the prefix must be 0..=32"),
            (" , ", "lists no network"),
        ] {
            assert_eq!(AllowList::parse(text).unwrap_err(), want, "{text}");
        }
    }
}
