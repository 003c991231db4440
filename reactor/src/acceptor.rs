//! The acceptor of a [`TcpServer`](crate::TcpServer): accepts, asks the
//! [`Admission`] whether the peer may have a slot, and hands admitted
//! connections to the workers round-robin. Refused connections are closed
//! at once, counted by reason and logged at most once a second per reason
//! with the number of similar refusals left out.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use mio::event::Event;
use mio::net::{TcpListener, TcpStream};
use mio::{Interest, Token};
use parking_lot::Mutex;

use crate::admission::{Admission, RefusalReason};
use crate::event_loop::{EventLoop, LoopSource};
use crate::log_throttle::LogThrottle;
use crate::server_stats::ServerStats;
use crate::thread_queue::ThreadQueue;

/// A connection handed to a worker, with the slot it holds.
pub(crate) type Incoming = (TcpStream, SocketAddr, Admitted);

/// The slot of one admitted connection; dropping it (when the connection
/// closes, or if it never reaches a worker) gives the slot back.
pub(crate) struct Admitted {
    admission: Arc<Mutex<Admission>>,
    stats: Arc<ServerStats>,
    ip: IpAddr,
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut admission = self.admission.lock();
        admission.release(self.ip);
        self.stats.set_open(admission.open());
    }
}

/// The listening socket as a loop source.
pub(crate) struct Acceptor {
    pub listener: TcpListener,
    pub queues: Vec<ThreadQueue<Incoming>>,
    pub next: usize,
    pub admission: Arc<Mutex<Admission>>,
    pub stats: Arc<ServerStats>,
    pub refusal_logs: [LogThrottle; RefusalReason::ALL.len()],
    pub name: String,
}

impl LoopSource for Acceptor {
    fn ready(&mut self, el: &mut EventLoop, token: Token, _event: &Event) {
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => self.admit(stream, peer),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    // E.g. out of file descriptors: back off, then re-arm.
                    log::error!("{}: accept failed: {e}; retrying in 100 ms", self.name);
                    el.run_after(Duration::from_millis(100), move |el| {
                        el.with_source::<Acceptor, _>(token, |a, el| {
                            let _ = el.registry().reregister(
                                &mut a.listener,
                                token,
                                Interest::READABLE,
                            );
                        });
                    });
                    return;
                }
            }
        }
    }
}

impl Acceptor {
    fn admit(&mut self, stream: TcpStream, peer: SocketAddr) {
        let verdict = {
            let mut admission = self.admission.lock();
            let verdict = admission.admit(peer.ip());
            self.stats.set_open(admission.open());
            verdict
        };
        if let Err(refusal) = verdict {
            self.stats.count_refusal(refusal.reason);
            let name = &self.name;
            self.refusal_logs[refusal.reason as usize]
                .warn(|| format!("{name}: refusing connection from {peer}: {refusal}"));
            return; // dropping the stream closes it
        }
        let admitted = Admitted {
            admission: self.admission.clone(),
            stats: self.stats.clone(),
            ip: peer.ip(),
        };
        if let Err(e) = stream.set_nodelay(true) {
            log::debug!("{}: TCP_NODELAY on {peer}: {e}", self.name);
        }
        let i = self.next % self.queues.len();
        self.next = self.next.wrapping_add(1);
        if self.queues[i].push((stream, peer, admitted)).is_err() {
            log::error!(
                "{}: worker {i} is gone; dropped connection from {peer}",
                self.name
            );
        }
    }
}
