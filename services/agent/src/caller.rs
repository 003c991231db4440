//! This host's IPv4 number for the `caller` field of reports: the address
//! the host name resolves to, else 127.0.0.1.

use std::ffi::CStr;
use std::net::{Ipv4Addr, SocketAddr, ToSocketAddrs};

/// The address of this host's name, or 127.0.0.1 when it has none.
pub fn local_ipv4() -> Ipv4Addr {
    host_name()
        .and_then(|name| (name.as_str(), 0).to_socket_addrs().ok())
        .and_then(|mut addrs| {
            addrs.find_map(|a| match a {
                SocketAddr::V4(v4) => Some(*v4.ip()),
                SocketAddr::V6(_) => None,
            })
        })
        .unwrap_or(Ipv4Addr::LOCALHOST)
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
    #[test]
    fn resolves_to_some_ipv4() {
        // Whatever the machine, the answer is an IPv4 address, not a panic.
        let ip = super::local_ipv4();
        assert!(!ip.is_unspecified());
    }
}
