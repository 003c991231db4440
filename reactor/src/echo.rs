//! The echo service of the QPS test (feature `echo`): `EchoMessage` under
//! msgid 1, answered with the same message. Used by the `echo_server` /
//! `echo_client` examples, the `echo_qps` benchmark and the allocation test.

use std::cell::RefCell;

use prost::Message;

use crate::handlers::Handlers;
use crate::router::MsgRouter;
use crate::tcp_conn::TcpConn;

/// The msgid the QPS test uses.
pub const ECHO_MSGID: i32 = 1;

/// The QPS test's message; the content is "Hello Lars!!!".
#[derive(Clone, PartialEq, prost::Message)]
pub struct EchoMessage {
    /// Payload text.
    #[prost(string, tag = "1")]
    pub content: String,
    /// Sender's id.
    #[prost(int32, tag = "2")]
    pub id: i32,
}

impl EchoMessage {
    /// The request of client `id`.
    pub fn hello(id: i32) -> EchoMessage {
        EchoMessage {
            content: "Hello Lars!!!".into(),
            id,
        }
    }
}

/// Handlers of an echo server worker: each request is decoded into one
/// reused message (no allocation once its capacity suffices) and encoded
/// back, as the original does. Call once per worker (a `TcpServer` factory).
pub fn echo_handlers() -> Handlers {
    let scratch = RefCell::new(EchoMessage::default());
    let mut router = MsgRouter::new();
    router
        .on_raw(ECHO_MSGID, move |conn: &mut TcpConn, body: &[u8]| {
            let mut msg = scratch.borrow_mut();
            msg.clear();
            match msg.merge(body) {
                Ok(()) => {
                    let _ = conn.send_message(ECHO_MSGID, &*msg);
                }
                Err(e) => log::debug!("echo: bad body from {}: {e}", conn.peer_addr()),
            }
        })
        .expect("an empty router has no msgid registered");
    Handlers::new(router)
}
