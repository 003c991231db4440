//! The UDP client: an ephemeral socket whose default peer is the server;
//! replies are dispatched to the same kind of router as a server's.

use std::io;
use std::net::SocketAddr;

use mio::net::UdpSocket;
use mio::Token;
use prost::Message;

use crate::event_loop::EventLoop;
use crate::event_loop::SourceGone;
use crate::router::MsgRouter;
use crate::udp_server::{UdpCtx, UdpEndpoint};

/// Names a UDP client on its loop. `Copy`; loop thread only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpClient {
    token: Token,
    server: SocketAddr,
}

impl UdpClient {
    /// Binds an ephemeral port on the server's address family and registers
    /// on `el`; datagrams that arrive are dispatched to `router`.
    /// Loop thread only.
    pub fn start(
        el: &mut EventLoop,
        name: &str,
        server: SocketAddr,
        router: MsgRouter<UdpCtx>,
    ) -> io::Result<UdpClient> {
        let bind: SocketAddr = if server.is_ipv4() {
            "0.0.0.0:0".parse().expect("valid literal")
        } else {
            "[::]:0".parse().expect("valid literal")
        };
        let socket = UdpSocket::bind(bind)?;
        let token = UdpEndpoint::register(el, name, socket, server, router, ())?;
        Ok(UdpClient { token, server })
    }

    /// Sends `msg` to the server as one datagram. Loop thread only.
    /// An error of kind `NotConnected` once the client was stopped.
    pub fn send_message<M: Message>(
        &self,
        el: &mut EventLoop,
        msgid: i32,
        msg: &M,
    ) -> io::Result<()> {
        let server = self.server;
        el.with_source::<UdpEndpoint<()>, _>(self.token, |ep, _| {
            ep.ctx().send_to(server, msgid, msg)
        })
        .unwrap_or_else(|| {
            Err(io::Error::new(
                io::ErrorKind::NotConnected,
                SourceGone("UDP client"),
            ))
        })
    }

    /// Closes the socket. Loop thread only.
    pub fn stop(&self, el: &mut EventLoop) -> Result<(), SourceGone> {
        if el.remove_source(self.token) {
            Ok(())
        } else {
            Err(SourceGone("UDP client"))
        }
    }
}
