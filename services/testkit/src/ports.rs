//! Free ports on 127.0.0.1 for tests that must name a port before a server
//! binds it (a daemon's config file, an agent's three consecutive UDP
//! ports). A port found free can be taken by someone else before the test
//! uses it; callers that bind later retry with a new port on failure.

use std::collections::HashSet;
use std::net::{TcpListener, UdpSocket};
use std::sync::Mutex;

/// Ports [`free_tcp_port`] handed out in this process: the kernel may offer
/// a released port again at once, and a test that names two ports in one
/// config file (a daemon's and its metrics endpoint's) must get two.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A TCP port on 127.0.0.1 that was free a moment ago, never one this
/// process was given before.
pub fn free_tcp_port() -> u16 {
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let seen = handed_out.get_or_insert_with(HashSet::new);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("bind a TCP port on 127.0.0.1")
            .port();
        if seen.insert(port) {
            return port;
        }
    }
}

/// Three consecutive UDP ports on 127.0.0.1, bound (and released on drop).
pub struct UdpTriple {
    /// The sockets on `base_port`, `base_port + 1`, `base_port + 2`.
    pub sockets: [UdpSocket; 3],
    /// The first port.
    pub base_port: u16,
}

/// Binds three consecutive UDP ports on 127.0.0.1 (an agent's, or a fake
/// agent's).
pub fn bind_udp_triple() -> UdpTriple {
    for _ in 0..500 {
        let first = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port on 127.0.0.1");
        let base_port = first.local_addr().expect("bound address").port();
        if base_port > u16::MAX - 2 {
            continue;
        }
        let (Ok(second), Ok(third)) = (
            UdpSocket::bind(("127.0.0.1", base_port + 1)),
            UdpSocket::bind(("127.0.0.1", base_port + 2)),
        ) else {
            continue;
        };
        return UdpTriple {
            sockets: [first, second, third],
            base_port,
        };
    }
    panic!("no three consecutive free UDP ports on 127.0.0.1");
}

/// The first of three consecutive UDP ports on 127.0.0.1 that were free a
/// moment ago.
pub fn free_udp_base() -> u16 {
    bind_udp_triple().base_port
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_triple_is_three_consecutive_bound_ports() {
        let triple = bind_udp_triple();
        for (i, socket) in triple.sockets.iter().enumerate() {
            assert_eq!(
                socket.local_addr().unwrap().port(),
                triple.base_port + i as u16
            );
        }
        let base = triple.base_port;
        drop(triple);
        UdpSocket::bind(("127.0.0.1", base)).expect("released on drop");
    }
}
