//! The message router: msgid → handler closure.
//!
//! A handler gets the connection-like context `C` (a [`crate::TcpConn`], a
//! [`crate::UdpCtx`]) and the frame body. [`MsgRouter::on`] decodes the
//! body into a protobuf message first; a body that does not decode is
//! reported back to the caller, which logs it and keeps serving.

use std::collections::HashMap;

use prost::Message;

type Handler<C> = Box<dyn Fn(&mut C, &[u8]) -> Result<(), prost::DecodeError>>;

/// Ids below this are looked up in a vector instead of a hash map.
const DIRECT_IDS: usize = 64;

/// Registering a msgid twice.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("msgid {0} is already registered")]
pub struct DuplicateMsgid(pub i32);

/// What became of one frame handed to [`MsgRouter::dispatch`].
#[derive(Debug, PartialEq)]
pub enum Dispatch {
    /// A handler ran.
    Handled,
    /// No handler is registered for the msgid.
    UnknownMsgid,
    /// The body did not decode as the handler's message type.
    BadBody(prost::DecodeError),
}

/// Routes frames to handlers by msgid. Loop thread only: handlers need not
/// be `Send`, so they may capture `Rc`/`RefCell` state of their thread.
pub struct MsgRouter<C> {
    direct: Vec<Option<Handler<C>>>,
    other: HashMap<i32, Handler<C>>,
}

impl<C> Default for MsgRouter<C> {
    fn default() -> Self {
        MsgRouter {
            direct: (0..DIRECT_IDS).map(|_| None).collect(),
            other: HashMap::new(),
        }
    }
}

impl<C> MsgRouter<C> {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a handler that gets the raw body bytes.
    pub fn on_raw(
        &mut self,
        msgid: i32,
        handler: impl Fn(&mut C, &[u8]) + 'static,
    ) -> Result<&mut Self, DuplicateMsgid> {
        self.insert(
            msgid,
            Box::new(move |ctx, body| {
                handler(ctx, body);
                Ok(())
            }),
        )
    }

    /// Registers a handler that gets the body decoded as `M`.
    pub fn on<M: Message + Default>(
        &mut self,
        msgid: i32,
        handler: impl Fn(&mut C, M) + 'static,
    ) -> Result<&mut Self, DuplicateMsgid> {
        self.insert(
            msgid,
            Box::new(move |ctx, body| {
                let msg = M::decode(body)?;
                handler(ctx, msg);
                Ok(())
            }),
        )
    }

    /// Whether a handler is registered for `msgid`.
    pub fn contains(&self, msgid: i32) -> bool {
        self.get(msgid).is_some()
    }

    /// Runs the handler for `msgid` on `body`.
    pub fn dispatch(&self, ctx: &mut C, msgid: i32, body: &[u8]) -> Dispatch {
        match self.get(msgid) {
            None => Dispatch::UnknownMsgid,
            Some(handler) => match handler(ctx, body) {
                Ok(()) => Dispatch::Handled,
                Err(e) => Dispatch::BadBody(e),
            },
        }
    }

    fn get(&self, msgid: i32) -> Option<&Handler<C>> {
        match usize::try_from(msgid) {
            Ok(i) if i < DIRECT_IDS => self.direct[i].as_ref(),
            _ => self.other.get(&msgid),
        }
    }

    fn insert(&mut self, msgid: i32, handler: Handler<C>) -> Result<&mut Self, DuplicateMsgid> {
        if self.contains(msgid) {
            return Err(DuplicateMsgid(msgid));
        }
        match usize::try_from(msgid) {
            Ok(i) if i < DIRECT_IDS => self.direct[i] = Some(handler),
            _ => {
                self.other.insert(msgid, handler);
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, PartialEq, prost::Message)]
    struct Ping {
        #[prost(int32, tag = "1")]
        n: i32,
    }

    #[test]
    fn dispatches_by_msgid_and_decodes() {
        let mut r: MsgRouter<Vec<i32>> = MsgRouter::new();
        r.on(1, |log: &mut Vec<i32>, m: Ping| log.push(m.n))
            .unwrap()
            .on_raw(1000, |log: &mut Vec<i32>, body| {
                log.push(-(body.len() as i32))
            })
            .unwrap();
        let mut log = Vec::new();
        let body = Ping { n: 42 }.encode_to_vec();
        assert_eq!(r.dispatch(&mut log, 1, &body), Dispatch::Handled);
        assert_eq!(r.dispatch(&mut log, 1000, b"abc"), Dispatch::Handled);
        assert_eq!(r.dispatch(&mut log, 2, b""), Dispatch::UnknownMsgid);
        assert_eq!(r.dispatch(&mut log, -5, b""), Dispatch::UnknownMsgid);
        assert_eq!(log, [42, -3]);
    }

    #[test]
    fn garbage_body_is_reported_not_handled() {
        let mut r: MsgRouter<u32> = MsgRouter::new();
        r.on(1, |count: &mut u32, _m: Ping| *count += 1).unwrap();
        let mut count = 0;
        let outcome = r.dispatch(&mut count, 1, &[0xff, 0xff, 0xff]);
        assert!(matches!(outcome, Dispatch::BadBody(_)));
        assert_eq!(count, 0);
    }

    #[test]
    fn registering_twice_is_an_error() {
        let mut r: MsgRouter<()> = MsgRouter::new();
        r.on_raw(3, |_, _| {}).unwrap();
        assert_eq!(r.on_raw(3, |_, _| {}).err(), Some(DuplicateMsgid(3)));
        r.on_raw(70_000, |_, _| {}).unwrap();
        assert_eq!(
            r.on_raw(70_000, |_, _| {}).err(),
            Some(DuplicateMsgid(70_000))
        );
    }
}
