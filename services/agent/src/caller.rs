//! This host's IPv4 number for the `caller` field of reports: the address
//! the host name resolves to, else 127.0.0.1.

use std::ffi::CStr;
use std::net::{Ipv4Addr, SocketAddr, ToSocketAddrs};

/// The address of this host's name, or 127.0.0.1 when it has none.
pub fn local_ipv4() -> Ipv4Addr {
    host_name()
        .and_then(|name| (name.as_str(), 0).to_socket_addrs().ok())
        .and_then(first_ipv4)
        .unwrap_or(Ipv4Addr::LOCALHOST)
}

/// The first IPv4 address among a name's addresses.
fn first_ipv4(mut addrs: impl Iterator<Item = SocketAddr>) -> Option<Ipv4Addr> {
    addrs.find_map(|a| match a {
        SocketAddr::V4(v4) => Some(*v4.ip()),
        SocketAddr::V6(_) => None,
    })
}

fn host_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes a
    // NUL-terminated name into it (truncated names are NUL-terminated here
    // because the last byte stays 0).
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if rc != 0 {
        return None;
    }
    let name = CStr::from_bytes_until_nul(&buf).ok()?.to_str().ok()?;
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_ipv4_address_wins_over_ipv6_ones() {
        let addrs: Vec<SocketAddr> = vec![
            "[::1]:0".parse().unwrap(),
            "10.1.2.3:0".parse().unwrap(),
            "10.9.9.9:0".parse().unwrap(),
        ];
        assert_eq!(
            first_ipv4(addrs.into_iter()),
            Some(Ipv4Addr::new(10, 1, 2, 3))
        );
        let only_v6: Vec<SocketAddr> = vec!["[::1]:0".parse().unwrap()];
        assert_eq!(first_ipv4(only_v6.into_iter()), None);
    }
}
