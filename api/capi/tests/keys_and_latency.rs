//! The C ABI's calls for the `hash` and `ewma` policies, against a fake
//! agent: the hash key of `lars_get_host_by_key` and the latency of
//! `lars_report_with_latency` as bytes on the wire (the plain calls leave
//! both out), `lars_hash_key`'s FNV-1a vectors, and the refusals.

use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

use lars::*;
use lars_proto::{msgid, LarsMessage};
use lars_testkit::fake_agent::{host_reply, FakeAgent, RunningAgent};

/// A client of the agent on `base_port` with a 500 ms timeout.
fn client(base_port: u16) -> *mut LarsClient {
    let opts = LarsOptions {
        base_port,
        timeout_ms: 500,
        ..lars_options_default()
    };
    let mut out = null_mut();
    // SAFETY: valid options and out pointer.
    assert_eq!(unsafe { lars_client_new(&opts, &mut out) }, LARS_RET_SUCC);
    out
}

/// A fake agent that answers every get_host with 10.0.0.1:9001.
fn agent_with_one_host() -> RunningAgent {
    FakeAgent::bind().serve(|_, id, body| match LarsMessage::decode(id, body) {
        Ok(LarsMessage::GetHostRequest(req)) => {
            vec![host_reply(&req, 0, Some("10.0.0.1:9001".parse().unwrap()))]
        }
        other => panic!("not a get_host: {other:?}"),
    })
}

/// `body` behind its frame header (msgid, length: little-endian int32s).
fn framed(id: u8, body: &[u8]) -> Vec<u8> {
    let mut frame = vec![id, 0, 0, 0, body.len() as u8, 0, 0, 0];
    frame.extend_from_slice(body);
    frame
}

#[test]
fn get_host_by_key_sends_the_key_as_field_4_and_writes_the_host() {
    let agent = agent_with_one_host();
    let c = client(agent.base_port);
    let (mut buf, mut ip, mut port) = ([b'x' as c_char; LARS_IP_STR_LEN], 0u32, 0u16);
    let b = buf.as_mut_ptr();
    // SAFETY: live client, a buffer of LARS_IP_STR_LEN bytes, valid outs.
    let code = unsafe { lars_get_host_by_key(c, 1, 1, 0x1234, b, 16, &mut ip, &mut port) };
    assert_eq!((code, ip, port), (LARS_RET_SUCC, 0x0A00_0001, 9001));
    // SAFETY: on success the buffer holds a NUL-terminated text.
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }, c"10.0.0.1");
    // SAFETY: as above.
    unsafe {
        assert_eq!(
            lars_get_host_by_key(c, 1, 1, u64::MAX, b, 16, &mut ip, &mut port),
            LARS_RET_SUCC
        );
        assert_eq!(
            lars_get_host_by_key(c, 1, 1, 0, null_mut(), 0, &mut ip, &mut port),
            LARS_RET_SUCC
        );
        assert_eq!(
            lars_get_host(c, 1, 1, b, 16, &mut ip, &mut port),
            LARS_RET_SUCC
        );
    }
    let got: Vec<Vec<u8>> = agent.received().into_iter().map(|r| r.bytes).collect();
    // seq, modid 1, cmdid 1, then field 4 (tag 0x20): 0x1234 is the varint
    // b4 24; u64::MAX takes all ten bytes; key 0 is sent, not left out; a
    // plain get_host has no field 4.
    let want = [
        framed(4, &[0x08, 1, 0x10, 1, 0x18, 1, 0x20, 0xb4, 0x24]),
        framed(
            4,
            &[
                0x08, 2, 0x10, 1, 0x18, 1, 0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0x01,
            ],
        ),
        framed(4, &[0x08, 3, 0x10, 1, 0x18, 1, 0x20, 0x00]),
        framed(4, &[0x08, 4, 0x10, 1, 0x18, 1]),
    ];
    assert_eq!(got, want);
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}

#[test]
fn report_with_latency_sends_microseconds_as_field_5() {
    let agent = FakeAgent::bind().silent();
    let c = client(agent.base_port);
    let ip = 0x0A00_0001; // 10.0.0.1
                          // SAFETY: live client.
    unsafe {
        assert_eq!(
            lars_report_with_latency(c, 1, 1, ip, 9001, 1, 1500),
            LARS_RET_SUCC
        );
        assert_eq!(
            lars_report_with_latency(c, 1, 1, ip, 9001, 1, u32::MAX),
            LARS_RET_SUCC
        );
        assert_eq!(
            lars_report_with_latency(c, 1, 1, ip, 9001, 1, 0),
            LARS_RET_SUCC
        );
        assert_eq!(lars_report(c, 1, 1, ip, 9001, 1), LARS_RET_SUCC);
    }
    let got: Vec<Vec<u8>> = agent.wait_for(4).into_iter().map(|r| r.bytes).collect();
    // modid 1, cmdid 1, host {ip 10.0.0.1, port 9001}, retcode 1.
    let head = [
        0x08, 1, 0x10, 1, 0x1a, 8, 0x08, 0x81, 0x80, 0x80, 0x50, 0x10, 0xa9, 0x46, 0x20, 1,
    ];
    let with = |tail: &[u8]| framed(6, &[&head[..], tail].concat());
    let want = [
        with(&[0x28, 0xdc, 0x0b]),
        with(&[0x28, 0xff, 0xff, 0xff, 0xff, 0x0f]),
        with(&[0x28, 0x00]),
        with(&[]),
    ];
    assert_eq!(got, want);
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}

#[test]
fn hash_key_is_fnv1a_64_of_exactly_len_bytes() {
    let hash = |text: &CStr, len: usize| {
        // SAFETY: `text` holds at least `len` bytes.
        unsafe { lars_hash_key(text.as_ptr(), len) }
    };
    // FNV-1a 64 test vectors (the offset basis for the empty input).
    assert_eq!(hash(c"", 0), 0xcbf2_9ce4_8422_2325);
    assert_eq!(hash(c"a", 1), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(hash(c"foobar", 6), 0x8594_4171_f739_67e8);
    // Only `len` bytes count: "a" of "abc", "foobar" of "foobar!".
    assert_eq!(hash(c"abc", 1), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(hash(c"foobar!", 6), 0x8594_4171_f739_67e8);
    // SAFETY: NULL with len 0 is the empty key; NULL with a length, and a
    // length above PTRDIFF_MAX, are refused before anything is read.
    unsafe {
        assert_eq!(lars_hash_key(null(), 0), 0xcbf2_9ce4_8422_2325);
        assert_eq!(lars_hash_key(null(), 5), 0);
        assert_eq!(lars_hash_key(c"a".as_ptr(), usize::MAX), 0);
    }
}

#[test]
fn null_pointers_and_bad_lengths_are_refused_before_sending() {
    let agent = FakeAgent::bind().silent();
    let c = client(agent.base_port);
    let (mut buf, mut ip, mut port) = ([0 as c_char; 64], 7u32, 7u16);
    let b = buf.as_mut_ptr();
    // SAFETY: every pointer is NULL or valid; NULLs are refused first.
    unsafe {
        assert_eq!(
            lars_get_host_by_key(null_mut(), 1, 1, 9, b, 64, &mut ip, &mut port),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_host_by_key(c, 1, 1, 9, b, 64, &mut ip, null_mut()),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_host_by_key(c, 1, 1, 9, null_mut(), 64, null_mut(), &mut port),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_get_host_by_key(c, 1, 1, 9, b, 0, &mut ip, &mut port),
            LARS_ERR_BAD_ARGUMENT
        );
        assert_eq!(
            lars_get_host_by_key(c, 1, 1, 9, b, 15, &mut ip, &mut port),
            LARS_ERR_BAD_ARGUMENT
        );
        assert_eq!(
            lars_report_with_latency(null_mut(), 1, 1, 1, 1, 0, 10),
            LARS_ERR_NULL_POINTER
        );
        assert_eq!(
            lars_report_with_latency(c, 1, 1, 1, 0, 0, 10),
            LARS_ERR_BAD_ARGUMENT
        );
    }
    assert_eq!((ip, port), (7, 7), "refused calls write no output");
    // Nothing reached the agent: a report sent after them on the same
    // socket is the first and only datagram it gets.
    // SAFETY: live client.
    assert_eq!(unsafe { lars_report(c, 1, 1, 1, 1, 0) }, LARS_RET_SUCC);
    let got = agent.wait_for(1);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].msgid(), msgid::REPORT_REQUEST);
    // SAFETY: freed once.
    unsafe { lars_client_free(c) };
}
