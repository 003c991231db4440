//! Garbage for the daemons, in [`Piece`]s: bytes without structure, frames
//! with any msgid and body, headers that lie about their length, the
//! largest frame allowed, and valid messages of the daemon under test. A
//! TCP case is a stream of pieces; a UDP case sends each piece as one
//! datagram.

use std::fmt;

use lars_proto::frame::{HEADER_LEN, MAX_BODY_LEN};
use proptest::prelude::*;

use crate::messages::Encoded;

/// One piece of a garbage stream, or one datagram. `Debug` shows bytes
/// as hex, so a failing case prints compactly.
#[derive(Clone)]
pub enum Piece {
    /// Bytes with no structure.
    Raw(Vec<u8>),
    /// A frame of any msgid whose body is random bytes.
    Frame {
        /// The frame's msgid.
        msgid: i32,
        /// Its body.
        body: Vec<u8>,
    },
    /// A frame with the largest body allowed, one byte repeated.
    Largest {
        /// The frame's msgid.
        msgid: i32,
        /// The byte the body repeats.
        fill: u8,
    },
    /// A header whose length is negative or above the limit, then bytes.
    BadLength {
        /// The frame's msgid.
        msgid: i32,
        /// The impossible length.
        len: i32,
        /// What follows the header.
        tail: Vec<u8>,
    },
    /// A header announcing `announced` bytes (in range) over a body of
    /// another size: a stream takes what follows as the rest of the body;
    /// a datagram's size disagrees with its header.
    Mismatched {
        /// The frame's msgid.
        msgid: i32,
        /// The length in the header.
        announced: u16,
        /// The bytes that follow.
        body: Vec<u8>,
    },
    /// A valid request of the daemon under test.
    Message(Encoded),
}

impl Piece {
    /// The piece on the wire.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Piece::Raw(bytes) => bytes.clone(),
            Piece::Frame { msgid, body } | Piece::Message((msgid, body)) => frame(*msgid, body),
            Piece::Largest { msgid, fill } => frame(*msgid, &vec![*fill; MAX_BODY_LEN]),
            Piece::BadLength { msgid, len, tail } => {
                let mut out = header(*msgid, *len);
                out.extend_from_slice(tail);
                out
            }
            Piece::Mismatched {
                msgid,
                announced,
                body,
            } => {
                let mut out = header(*msgid, i32::from(*announced));
                out.extend_from_slice(body);
                out
            }
        }
    }

    /// Whether the piece is whole frames with lengths in range, so a
    /// stream is at a frame boundary after it.
    pub fn is_framed(&self) -> bool {
        matches!(
            self,
            Piece::Frame { .. } | Piece::Largest { .. } | Piece::Message(_)
        )
    }
}

impl fmt::Debug for Piece {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Piece::Raw(bytes) => write!(f, "Raw({})", Hex(bytes)),
            Piece::Frame { msgid, body } => write!(f, "Frame({msgid}, {})", Hex(body)),
            Piece::Largest { msgid, fill } => write!(f, "Largest({msgid}, {fill:#04x})"),
            Piece::BadLength { msgid, len, tail } => {
                write!(f, "BadLength({msgid}, {len}, {})", Hex(tail))
            }
            Piece::Mismatched {
                msgid,
                announced,
                body,
            } => write!(f, "Mismatched({msgid}, {announced}, {})", Hex(body)),
            Piece::Message((msgid, body)) => write!(f, "Message({msgid}, {})", Hex(body)),
        }
    }
}

/// Bytes as lowercase hex.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

fn header(msgid: i32, len: i32) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(&msgid.to_le_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out
}

fn frame(msgid: i32, body: &[u8]) -> Vec<u8> {
    let mut out = header(msgid, body.len() as i32);
    out.extend_from_slice(body);
    out
}

/// A msgid: mostly one of Lars's (0..=8) or one past them, sometimes any.
pub fn msgid() -> impl Strategy<Value = i32> {
    prop_oneof![4 => 0..=9i32, 1 => any::<i32>()]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

/// A length no frame may have.
fn bad_length() -> impl Strategy<Value = i32> {
    prop_oneof![
        i32::MIN..0,
        (MAX_BODY_LEN as i32 + 1)..=i32::MAX,
        Just(-1),
        Just(MAX_BODY_LEN as i32 + 1),
    ]
}

/// Pieces that keep a stream at a frame boundary, `messages` among them.
pub fn framed_piece(messages: BoxedStrategy<Encoded>) -> BoxedStrategy<Piece> {
    prop_oneof![
        4 => messages.prop_map(Piece::Message),
        4 => (msgid(), bytes(300)).prop_map(|(msgid, body)| Piece::Frame { msgid, body }),
        1 => (msgid(), any::<u8>()).prop_map(|(msgid, fill)| Piece::Largest { msgid, fill }),
    ]
    .boxed()
}

/// Any piece, `messages` among them.
pub fn piece(messages: BoxedStrategy<Encoded>) -> BoxedStrategy<Piece> {
    prop_oneof![
        6 => framed_piece(messages),
        2 => bytes(300).prop_map(Piece::Raw),
        1 => (msgid(), bad_length(), bytes(40))
            .prop_map(|(msgid, len, tail)| Piece::BadLength { msgid, len, tail }),
        1 => (msgid(), 0..400u16, bytes(300))
            .prop_map(|(msgid, announced, body)| Piece::Mismatched { msgid, announced, body }),
    ]
    .boxed()
}

/// A TCP case: whether every piece is framed (then a request appended to
/// the stream must be answered on the same connection), and the pieces.
pub fn stream(messages: BoxedStrategy<Encoded>) -> impl Strategy<Value = (bool, Vec<Piece>)> {
    let framed = prop::collection::vec(framed_piece(messages.clone()), 0..8);
    let any = prop::collection::vec(piece(messages), 0..8);
    prop_oneof![framed.prop_map(|p| (true, p)), any.prop_map(|p| (false, p))]
}

/// A UDP case: up to 6 datagrams.
pub fn datagrams(messages: BoxedStrategy<Encoded>) -> impl Strategy<Value = Vec<Piece>> {
    prop::collection::vec(piece(messages), 0..6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_are_the_bytes_they_say() {
        let frame = Piece::Frame {
            msgid: 4,
            body: vec![0x08, 0x01],
        };
        assert_eq!(frame.bytes(), [4, 0, 0, 0, 2, 0, 0, 0, 8, 1]);
        assert_eq!(format!("{frame:?}"), "Frame(4, 0801)");
        let bad = Piece::BadLength {
            msgid: 1,
            len: -1,
            tail: vec![0xff],
        };
        assert_eq!(bad.bytes(), [1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff]);
        let short = Piece::Mismatched {
            msgid: 7,
            announced: 3,
            body: vec![],
        };
        assert_eq!(short.bytes(), [7, 0, 0, 0, 3, 0, 0, 0]);
        let largest = Piece::Largest { msgid: 2, fill: 9 };
        assert_eq!(largest.bytes().len(), 65535);
        assert!(frame.is_framed() && largest.is_framed());
        assert!(!bad.is_framed() && !short.is_framed() && !Piece::Raw(vec![]).is_framed());
    }
}
