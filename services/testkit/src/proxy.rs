//! A TCP proxy that can be cut and restored on the same port, to make a
//! store (or any server) unreachable in the middle of a test, or stalled:
//! connections stay open but nothing is forwarded, as over a link that
//! hangs.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// Forwards connections from its own port to `target`.
pub struct TcpProxy {
    addr: SocketAddr,
    target: SocketAddr,
    gate: Arc<Gate>,
    running: Option<Running>,
}

struct Running {
    stop: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<TcpStream>>>,
    acceptor: JoinHandle<()>,
}

/// Whether bytes may pass; the forwarding threads wait on it while the
/// proxy is stalled.
#[derive(Default)]
struct Gate {
    stalled: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn set_stalled(&self, stalled: bool) {
        *self.stalled.lock().unwrap() = stalled;
        self.opened.notify_all();
    }

    /// Blocks while the proxy is stalled.
    fn pass(&self) {
        let mut stalled = self.stalled.lock().unwrap();
        while *stalled {
            stalled = self.opened.wait(stalled).unwrap();
        }
    }
}

impl TcpProxy {
    /// Starts forwarding on a free 127.0.0.1 port.
    pub fn start(target: SocketAddr) -> io::Result<TcpProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let mut proxy = TcpProxy {
            addr,
            target,
            gate: Arc::default(),
            running: None,
        };
        proxy.run(listener);
        Ok(proxy)
    }

    /// The proxy's address (stable across cut and restore).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Refuses new connections and resets the open ones (a stalled proxy
    /// stays stalled for the connections made after [`restore`](Self::restore)).
    pub fn cut(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
            let _ = r.acceptor.join();
            for c in r.conns.lock().unwrap().drain(..) {
                let _ = c.shutdown(Shutdown::Both);
            }
        }
    }

    /// Listens again on the same port.
    pub fn restore(&mut self) -> io::Result<()> {
        if self.running.is_none() {
            let listener = TcpListener::bind(self.addr)?;
            self.run(listener);
        }
        Ok(())
    }

    /// Stops forwarding in both directions while keeping every connection
    /// open, and accepts new ones without forwarding on them either: a peer
    /// waiting for an answer waits until its own timeout. Bytes already
    /// read are held and delivered after [`resume`](Self::resume).
    pub fn stall(&self) {
        self.gate.set_stalled(true);
    }

    /// Forwards again after [`stall`](Self::stall).
    pub fn resume(&self) {
        self.gate.set_stalled(false);
    }

    fn run(&mut self, listener: TcpListener) {
        let stop = Arc::new(AtomicBool::new(false));
        let conns = Arc::new(Mutex::new(Vec::new()));
        let (stop2, conns2, target) = (stop.clone(), conns.clone(), self.target);
        let gate = self.gate.clone();
        let acceptor = std::thread::spawn(move || {
            for incoming in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = incoming else { continue };
                let Ok(server) = TcpStream::connect_timeout(&target, Duration::from_secs(2)) else {
                    continue;
                };
                let mut list = conns2.lock().unwrap();
                for s in [&client, &server] {
                    if let Ok(c) = s.try_clone() {
                        list.push(c);
                    }
                }
                pipe(&client, &server, &gate, &stop2);
                pipe(&server, &client, &gate, &stop2);
            }
        });
        self.running = Some(Running {
            stop,
            conns,
            acceptor,
        });
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
        // Lets the forwarding threads of a stalled proxy see their sockets
        // shut down and end.
        self.resume();
    }
}

/// Copies `from` to `to` on a thread of its own, waiting at the gate
/// before each write; ends when either side closes or the proxy is cut.
fn pipe(from: &TcpStream, to: &TcpStream, gate: &Arc<Gate>, cut: &Arc<AtomicBool>) {
    let (Ok(mut from), Ok(mut to)) = (from.try_clone(), to.try_clone()) else {
        return;
    };
    let (gate, cut) = (gate.clone(), cut.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    gate.pass();
                    if cut.load(Ordering::SeqCst) || to.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on a free port, serving connections until the test
    /// process ends.
    fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let (mut from, mut to) = (conn.try_clone().unwrap(), conn);
                    let _ = io::copy(&mut from, &mut to);
                });
            }
        });
        addr
    }

    fn read_byte(conn: &mut TcpStream, timeout: Duration) -> Option<u8> {
        conn.set_read_timeout(Some(timeout)).unwrap();
        let mut byte = [0u8];
        match conn.read(&mut byte) {
            Ok(1) => Some(byte[0]),
            _ => None,
        }
    }

    #[test]
    fn a_stalled_proxy_keeps_the_connection_and_forwards_after_resume() {
        let proxy = TcpProxy::start(echo_server()).unwrap();
        let mut conn = TcpStream::connect(proxy.addr()).unwrap();
        conn.write_all(b"a").unwrap();
        assert_eq!(read_byte(&mut conn, Duration::from_secs(5)), Some(b'a'));

        proxy.stall();
        conn.write_all(b"b").unwrap();
        assert_eq!(read_byte(&mut conn, Duration::from_millis(300)), None);
        let mut late = TcpStream::connect(proxy.addr()).unwrap();
        late.write_all(b"c").unwrap();
        assert_eq!(read_byte(&mut late, Duration::from_millis(300)), None);

        proxy.resume();
        assert_eq!(read_byte(&mut conn, Duration::from_secs(5)), Some(b'b'));
        assert_eq!(read_byte(&mut late, Duration::from_secs(5)), Some(b'c'));
    }
}
