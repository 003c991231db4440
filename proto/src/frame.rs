//! The wire frame (docs/PROTOCOL.md §1): an 8-byte little-endian header
//! (msgid, body length) followed by a protobuf body. Pure code, no I/O.
//!
//! The functions are generic over the msgid (`i32`) and the message type,
//! so the reactor frames any protobuf message with them; [`encode`] is the
//! typed form for Lars messages.
//!
//! Decoding never allocates: [`parse_frame`] borrows the body from the input
//! buffer. "Not enough bytes yet" is `Ok(None)`, not an error.

use prost::Message;

use crate::pb::MessageId;

/// Length of the frame header: msgid (i32 LE) then body length (i32 LE).
pub const HEADER_LEN: usize = 8;
/// Largest body a frame may carry (65535 minus the header).
pub const MAX_BODY_LEN: usize = 65535 - HEADER_LEN;

/// A decoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// The message id that selects the handler.
    pub msgid: i32,
    /// Length of the body that follows the header.
    pub body_len: usize,
}

/// Why bytes are not a valid frame.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The header's length field is negative or above [`MAX_BODY_LEN`].
    #[error("frame length {0} is out of range 0..={MAX_BODY_LEN}")]
    BadLength(i64),
    /// A datagram's size disagrees with the length in its header.
    #[error("datagram of {actual} bytes does not match its header ({expected} bytes)")]
    LengthMismatch {
        /// Header plus announced body length.
        expected: usize,
        /// What arrived.
        actual: usize,
    },
    /// A datagram shorter than the header.
    #[error("datagram of {0} bytes is shorter than the {HEADER_LEN}-byte header")]
    Truncated(usize),
    /// An outgoing message encodes to more than [`MAX_BODY_LEN`] bytes.
    #[error("message body of {0} bytes exceeds the frame limit of {MAX_BODY_LEN}")]
    TooLarge(usize),
}

/// Reads the header at the start of `buf`: `Ok(None)` when fewer than
/// [`HEADER_LEN`] bytes are there, an error when the length is out of range.
pub fn decode_header(buf: &[u8]) -> Result<Option<FrameHeader>, FrameError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let msgid = i32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let len = i32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
    if len < 0 || len as usize > MAX_BODY_LEN {
        return Err(FrameError::BadLength(len as i64));
    }
    Ok(Some(FrameHeader {
        msgid,
        body_len: len as usize,
    }))
}

/// One complete frame borrowed from a stream buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawFrame<'a> {
    /// The message id.
    pub msgid: i32,
    /// The body, borrowed from the buffer.
    pub body: &'a [u8],
    /// Bytes the frame occupies (header plus body).
    pub len: usize,
}

/// Splits one complete frame off the front of a stream buffer;
/// `Ok(None)` when the frame is not complete yet.
pub fn parse_frame(buf: &[u8]) -> Result<Option<RawFrame<'_>>, FrameError> {
    let Some(header) = decode_header(buf)? else {
        return Ok(None);
    };
    let len = HEADER_LEN + header.body_len;
    if buf.len() < len {
        return Ok(None);
    }
    Ok(Some(RawFrame {
        msgid: header.msgid,
        body: &buf[HEADER_LEN..len],
        len,
    }))
}

/// Checks that a datagram holds exactly one frame and returns its parts.
pub fn parse_datagram(dgram: &[u8]) -> Result<(i32, &[u8]), FrameError> {
    let header = decode_header(dgram)?.ok_or(FrameError::Truncated(dgram.len()))?;
    let expected = HEADER_LEN + header.body_len;
    if dgram.len() != expected {
        return Err(FrameError::LengthMismatch {
            expected,
            actual: dgram.len(),
        });
    }
    Ok((header.msgid, &dgram[HEADER_LEN..]))
}

/// Appends the frame of `msg` under `msgid` to `out`. On error `out` is left
/// as it was.
pub fn encode_frame<M: Message>(msgid: i32, msg: &M, out: &mut Vec<u8>) -> Result<(), FrameError> {
    let start = out.len();
    out.extend_from_slice(&[0u8; HEADER_LEN]);
    msg.encode_raw(out);
    finish_header(msgid, start, out)
}

/// Appends a frame whose body is already encoded.
pub fn encode_raw_frame(msgid: i32, body: &[u8], out: &mut Vec<u8>) -> Result<(), FrameError> {
    if body.len() > MAX_BODY_LEN {
        return Err(FrameError::TooLarge(body.len()));
    }
    out.reserve(HEADER_LEN + body.len());
    out.extend_from_slice(&msgid.to_le_bytes());
    out.extend_from_slice(&(body.len() as i32).to_le_bytes());
    out.extend_from_slice(body);
    Ok(())
}

/// Writes the frame of `msg` under `msgid` at the start of `buf` and
/// returns its length, allocating nothing (a client encodes its small
/// requests on the stack). [`FrameError::TooLarge`] when the frame does not
/// fit in `buf` or in a frame.
pub fn encode_frame_into<M: Message>(
    msgid: i32,
    msg: &M,
    buf: &mut [u8],
) -> Result<usize, FrameError> {
    let body_len = msg.encoded_len();
    if body_len > MAX_BODY_LEN || HEADER_LEN + body_len > buf.len() {
        return Err(FrameError::TooLarge(body_len));
    }
    let len = HEADER_LEN + body_len;
    buf[..4].copy_from_slice(&msgid.to_le_bytes());
    buf[4..8].copy_from_slice(&(body_len as i32).to_le_bytes());
    let mut body = &mut buf[HEADER_LEN..len];
    msg.encode_raw(&mut body);
    Ok(len)
}

/// Encodes `msg` as a new frame (allocates; for tests and cold paths).
pub fn frame_to_vec<M: Message>(msgid: i32, msg: &M) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::with_capacity(HEADER_LEN + msg.encoded_len());
    encode_frame(msgid, msg, &mut out)?;
    Ok(out)
}

/// Encodes the Lars message `msg` as a complete frame under `id`.
///
/// ```
/// use lars_proto::{frame, GetHostRequest, MessageId};
/// let req = GetHostRequest { seq: 1, modid: 1, cmdid: 1, hash_key: None };
/// let bytes = frame::encode(MessageId::IdGetHostRequest, &req).unwrap();
/// assert_eq!(bytes, [4, 0, 0, 0, 6, 0, 0, 0, 0x08, 1, 0x10, 1, 0x18, 1]);
/// ```
pub fn encode(id: MessageId, msg: &impl Message) -> Result<Vec<u8>, FrameError> {
    frame_to_vec(id as i32, msg)
}

fn finish_header(msgid: i32, start: usize, out: &mut Vec<u8>) -> Result<(), FrameError> {
    let body_len = out.len() - start - HEADER_LEN;
    if body_len > MAX_BODY_LEN {
        out.truncate(start);
        return Err(FrameError::TooLarge(body_len));
    }
    out[start..start + 4].copy_from_slice(&msgid.to_le_bytes());
    out[start + 4..start + 8].copy_from_slice(&(body_len as i32).to_le_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(msgid: i32, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        encode_raw_frame(msgid, body, &mut v).unwrap();
        v
    }

    #[test]
    fn header_is_little_endian_msgid_then_length() {
        assert_eq!(
            frame(4, &[0xAA, 0xBB]),
            [4, 0, 0, 0, 2, 0, 0, 0, 0xAA, 0xBB]
        );
    }

    #[test]
    fn incomplete_input_is_none_not_error() {
        let f = frame(7, b"hello");
        for cut in 0..f.len() {
            assert_eq!(parse_frame(&f[..cut]), Ok(None), "cut at {cut}");
        }
        let whole = parse_frame(&f).unwrap().unwrap();
        assert_eq!(
            (whole.msgid, whole.body, whole.len),
            (7, &b"hello"[..], f.len())
        );
    }

    #[test]
    fn many_frames_in_one_buffer_parse_in_order() {
        let mut buf = Vec::new();
        for i in 0..100 {
            encode_raw_frame(i, &[i as u8; 3], &mut buf).unwrap();
        }
        let mut at = 0;
        for i in 0..100 {
            let f = parse_frame(&buf[at..]).unwrap().unwrap();
            assert_eq!((f.msgid, f.body), (i, &[i as u8; 3][..]));
            at += f.len;
        }
        assert_eq!(at, buf.len());
    }

    #[test]
    fn negative_and_oversized_lengths_are_errors() {
        let mut neg = frame(1, b"");
        neg[4..8].copy_from_slice(&(-1i32).to_le_bytes());
        assert_eq!(parse_frame(&neg), Err(FrameError::BadLength(-1)));
        let mut big = frame(1, b"");
        big[4..8].copy_from_slice(&((MAX_BODY_LEN + 1) as i32).to_le_bytes());
        assert_eq!(
            parse_frame(&big),
            Err(FrameError::BadLength(MAX_BODY_LEN as i64 + 1))
        );
        let mut max = frame(1, b"");
        max[4..8].copy_from_slice(&(MAX_BODY_LEN as i32).to_le_bytes());
        assert_eq!(parse_frame(&max), Ok(None));
    }

    #[test]
    fn datagram_length_must_match_header() {
        let f = frame(3, b"abc");
        assert_eq!(parse_datagram(&f), Ok((3, &b"abc"[..])));
        assert_eq!(parse_datagram(&f[..5]), Err(FrameError::Truncated(5)));
        assert!(matches!(
            parse_datagram(&f[..10]),
            Err(FrameError::LengthMismatch {
                expected: 11,
                actual: 10
            })
        ));
        let mut long = f.clone();
        long.push(0);
        assert!(parse_datagram(&long).is_err());
    }

    #[test]
    fn encoding_into_a_slice_gives_the_same_bytes_or_refuses() {
        #[derive(Clone, PartialEq, prost::Message)]
        struct Two {
            #[prost(int32, tag = "1")]
            a: i32,
            #[prost(string, tag = "2")]
            b: String,
        }
        let msg = Two {
            a: -1,
            b: "xyz".into(),
        };
        let mut buf = [0u8; 64];
        let len = encode_frame_into(9, &msg, &mut buf).unwrap();
        assert_eq!(&buf[..len], &frame_to_vec(9, &msg).unwrap()[..]);
        let mut small = [0u8; 12];
        assert_eq!(
            encode_frame_into(9, &msg, &mut small),
            Err(FrameError::TooLarge(16))
        );
    }

    #[test]
    fn oversized_outgoing_body_is_refused_and_output_untouched() {
        let mut out = vec![1, 2, 3];
        let body = vec![0u8; MAX_BODY_LEN + 1];
        assert_eq!(
            encode_raw_frame(1, &body, &mut out),
            Err(FrameError::TooLarge(MAX_BODY_LEN + 1))
        );
        assert_eq!(out, [1, 2, 3]);
    }
}
