//! A server-side connection on its worker loop ([`ServerConn`]), and the
//! worker's periodic sweep that closes connections past their idle or
//! frame deadline ([`Sweeper`]).

use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use mio::event::Event;
use mio::net::TcpStream;
use mio::Token;

use crate::acceptor::Admitted;
use crate::conn_deadline::{ConnTimeouts, TimeoutReason};
use crate::conn_handle::ConnCommand;
use crate::event_loop::{EventLoop, LoopSource};
use crate::handlers::Handlers;
use crate::log_throttle::LogThrottle;
use crate::server_stats::ServerStats;
use crate::tcp_conn::TcpConn;

/// A server-side connection as a loop source; it holds its admission slot.
pub(crate) struct ServerConn {
    conn: TcpConn,
    _slot: Admitted,
}

impl ServerConn {
    /// Adds an accepted connection to `el` and runs its connect hook.
    pub fn open(
        el: &mut EventLoop,
        (stream, peer, slot): (TcpStream, SocketAddr, Admitted),
        handlers: Rc<Handlers>,
        max_output: usize,
    ) {
        let loop_handle = el.handle();
        let inserted = el.insert_source(move |_registry, token| {
            let deliver = Arc::new(move |el: &mut EventLoop, target: u64, cmd: ConnCommand| {
                el.with_source::<ServerConn, _>(token, |sc, el| {
                    if sc.conn.id() == target {
                        sc.conn.apply(cmd, el.registry());
                        sc.conn.flush(el.registry());
                        sc.remove_if_closed(el, token);
                    }
                });
            });
            let conn = TcpConn::new(
                stream,
                token,
                peer,
                handlers,
                loop_handle,
                max_output,
                deliver,
            );
            Ok(ServerConn { conn, _slot: slot })
        });
        let token = match inserted {
            Ok(token) => token,
            Err(e) => return log::error!("cannot add connection from {peer}: {e}"),
        };
        el.with_source::<ServerConn, _>(token, |sc, el| {
            if let Err(e) = sc.conn.start(el.registry()) {
                log::error!("cannot register connection from {peer}: {e}");
                sc.conn.close();
            }
            sc.remove_if_closed(el, token);
        });
    }

    fn remove_if_closed(&mut self, el: &mut EventLoop, token: Token) {
        if self.conn.is_closed() {
            el.remove_source(token);
        }
    }
}

impl LoopSource for ServerConn {
    fn ready(&mut self, el: &mut EventLoop, token: Token, event: &Event) {
        self.conn.handle_event(el.registry(), event);
        self.remove_if_closed(el, token);
    }
}

/// Closes a worker's connections that overstayed; run every
/// [`ConnTimeouts::sweep_period`]. Loop thread only.
pub(crate) struct Sweeper {
    limits: ConnTimeouts,
    stats: Arc<ServerStats>,
    name: String,
    logs: [LogThrottle; TimeoutReason::ALL.len()],
}

impl Sweeper {
    /// A sweeper applying `limits`, counting into `stats`.
    pub fn new(limits: ConnTimeouts, stats: Arc<ServerStats>, name: &str) -> Sweeper {
        Sweeper {
            limits,
            stats,
            name: name.to_string(),
            logs: Default::default(),
        }
    }

    /// Visits every connection of the loop and closes those past a
    /// deadline, counted by reason and logged (throttled).
    pub fn sweep(&mut self, el: &mut EventLoop) {
        let now = Instant::now();
        for token in el.source_tokens() {
            el.with_source::<ServerConn, _>(token, |sc, el| {
                let Some(reason) = sc.conn.expired(now, self.limits) else {
                    return;
                };
                let why = match reason {
                    TimeoutReason::Idle => format!(
                        "no complete frame for {:?} (idle_timeout)",
                        self.limits.idle.unwrap_or_default()
                    ),
                    TimeoutReason::Frame => format!(
                        "a frame not finished within {:?} (frame_timeout)",
                        self.limits.frame.unwrap_or_default()
                    ),
                };
                self.stats.count_timeout(reason);
                let (name, peer) = (&self.name, sc.conn.peer_addr());
                self.logs[reason as usize].warn(|| format!("{name}: closing {peer}: {why}"));
                sc.conn.close_for(&why);
                sc.remove_if_closed(el, token);
            });
        }
    }
}
