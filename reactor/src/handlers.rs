//! What a connection runs: the router and the connect/close hooks.

use crate::router::MsgRouter;
use crate::tcp_conn::TcpConn;

type Hook = Box<dyn Fn(&mut TcpConn)>;

/// Callbacks on connection set-up and tear-down.
#[derive(Default)]
pub struct ConnHooks {
    /// Runs once the connection is established (before any frame).
    pub on_connect: Option<Hook>,
    /// Runs once when the connection closes, whatever the cause.
    pub on_close: Option<Hook>,
    /// Runs when a paused connection resumes reading, before the frames it
    /// already received are dispatched; it may pause the connection again.
    pub on_resume: Option<Hook>,
}

/// Everything a connection needs to serve frames: the router and hooks.
#[derive(Default)]
pub struct Handlers {
    /// Handlers by msgid.
    pub router: MsgRouter<TcpConn>,
    /// Connect and close hooks.
    pub hooks: ConnHooks,
}

impl Handlers {
    /// Handlers with `router` and no hooks.
    pub fn new(router: MsgRouter<TcpConn>) -> Handlers {
        Handlers {
            router,
            hooks: ConnHooks::default(),
        }
    }

    /// Sets the connect hook.
    pub fn on_connect(mut self, hook: impl Fn(&mut TcpConn) + 'static) -> Handlers {
        self.hooks.on_connect = Some(Box::new(hook));
        self
    }

    /// Sets the close hook.
    pub fn on_close(mut self, hook: impl Fn(&mut TcpConn) + 'static) -> Handlers {
        self.hooks.on_close = Some(Box::new(hook));
        self
    }

    /// Sets the resume hook (see [`ConnHooks::on_resume`]).
    pub fn on_resume(mut self, hook: impl Fn(&mut TcpConn) + 'static) -> Handlers {
        self.hooks.on_resume = Some(Box::new(hook));
        self
    }
}
