//! The frame decoder (`lars_proto::frame`) on random buffers: it never
//! panics and says exactly what the header says; a stream of frames cut
//! at random points is decoded back into the same frames.

mod util;

use lars_fuzz::pieces::{msgid, Piece};
use lars_proto::frame::{self, FrameError, HEADER_LEN, MAX_BODY_LEN};
use proptest::prelude::*;
use util::{check, fuzz};

/// The header's two fields read by hand: msgid and length.
fn fields(buf: &[u8]) -> (i32, i64) {
    let msgid = i32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
    let len = i32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
    (msgid, i64::from(len))
}

/// Bytes that are mostly headers with any length field and a tail.
fn buffer() -> impl Strategy<Value = Vec<u8>> {
    let headed = (
        msgid(),
        any::<i32>(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(msgid, len, tail)| {
            let len = if len % 2 == 0 {
                len.rem_euclid(80)
            } else {
                len
            };
            let mut out = msgid.to_le_bytes().to_vec();
            out.extend_from_slice(&len.to_le_bytes());
            out.extend(tail);
            out
        });
    prop_oneof![prop::collection::vec(any::<u8>(), 0..100), headed]
}

#[test]
fn a_buffer_decodes_to_what_its_header_says() {
    fuzz(buffer(), |buf| {
        let stream = frame::parse_frame(&buf);
        let datagram = frame::parse_datagram(&buf);
        if buf.len() < HEADER_LEN {
            check(stream == Ok(None), || format!("{stream:?}"))?;
            return check(datagram == Err(FrameError::Truncated(buf.len())), || {
                format!("{datagram:?}")
            });
        }
        let (msgid, len) = fields(&buf);
        if len < 0 || len > MAX_BODY_LEN as i64 {
            check(stream == Err(FrameError::BadLength(len)), || {
                format!("{stream:?}")
            })?;
            return check(datagram == Err(FrameError::BadLength(len)), || {
                format!("{datagram:?}")
            });
        }
        let end = HEADER_LEN + len as usize;
        match stream {
            Ok(None) => check(buf.len() < end, || format!("{} bytes, none", buf.len()))?,
            Ok(Some(f)) => check(
                f.msgid == msgid && f.len == end && f.body == &buf[HEADER_LEN..end],
                || format!("{f:?}"),
            )?,
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        }
        if buf.len() == end {
            check(datagram == Ok((msgid, &buf[HEADER_LEN..])), || {
                format!("{datagram:?}")
            })
        } else {
            check(
                datagram
                    == Err(FrameError::LengthMismatch {
                        expected: end,
                        actual: buf.len(),
                    }),
                || format!("{datagram:?}"),
            )
        }
    });
}

/// Frames of any msgid and body, their bytes concatenated and cut into
/// pieces at random points.
fn cut_stream() -> impl Strategy<Value = (Vec<(i32, Vec<u8>)>, Vec<usize>)> {
    let frames =
        prop::collection::vec((msgid(), prop::collection::vec(any::<u8>(), 0..200)), 0..10);
    (frames, prop::collection::vec(1usize..300, 0..20))
}

#[test]
fn a_stream_cut_anywhere_decodes_into_its_frames() {
    fuzz(cut_stream(), |(frames, cuts)| {
        let mut wire = Vec::new();
        for (msgid, body) in &frames {
            wire.extend(
                Piece::Frame {
                    msgid: *msgid,
                    body: body.clone(),
                }
                .bytes(),
            );
        }
        // Arrives piece by piece; each arrival decodes what it completes.
        let mut buffer: Vec<u8> = Vec::new();
        let mut decoded: Vec<(i32, Vec<u8>)> = Vec::new();
        let mut at = 0;
        let mut cuts = cuts.into_iter();
        while at < wire.len() {
            let next = at
                .saturating_add(cuts.next().unwrap_or(usize::MAX))
                .min(wire.len());
            buffer.extend_from_slice(&wire[at..next]);
            at = next;
            while let Some(f) = frame::parse_frame(&buffer)
                .map_err(|e| TestCaseError::fail(format!("valid frames refused: {e}")))?
            {
                let (msgid, body, len) = (f.msgid, f.body.to_vec(), f.len);
                decoded.push((msgid, body));
                buffer.drain(..len);
            }
        }
        check(buffer.is_empty() && decoded == frames, || {
            format!("{} bytes left over, {decoded:?}", buffer.len())
        })
    });
}
