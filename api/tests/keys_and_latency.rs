//! The fields `LarsClient` adds to the original's messages: the `hash_key`
//! of `get_host_by_key` and the `latency_us` of `report_with_latency`, as
//! bytes on the wire; plain calls leave both out so the original agent
//! sees its own bytes.

use lars_api::{hash_key, ClientOptions, HostAddr, LarsClient, ModuleId, RetCode};
use lars_proto::{msgid, GetHostRequest, ReportRequest};
use lars_testkit::fake_agent::{host_reply, FakeAgent};
use prost::Message;
use std::time::Duration;

fn client(base_port: u16) -> LarsClient {
    LarsClient::with_options(ClientOptions {
        base_port,
        timeout: Duration::from_millis(1000),
        ..ClientOptions::default()
    })
    .unwrap()
}

fn addr(text: &str) -> HostAddr {
    text.parse().unwrap()
}

#[test]
fn get_host_by_key_sends_the_key_as_field_4() {
    let agent = FakeAgent::bind().serve(|_, _, body| {
        let req = GetHostRequest::decode(body).unwrap();
        vec![host_reply(&req, 0, Some(addr("10.0.0.1:9001")))]
    });
    let mut c = client(agent.base_port);
    let got = c.get_host_by_key(ModuleId::new(1, 1), 0x1234).unwrap();
    assert_eq!(got, (RetCode::Succ, Some(addr("10.0.0.1:9001"))));
    // seq 1, modid 1, cmdid 1, then field 4 (tag 0x20) = varint 0x1234.
    let body = [0x08, 0x01, 0x10, 0x01, 0x18, 0x01, 0x20, 0xb4, 0x24];
    let mut golden = vec![4, 0, 0, 0, body.len() as u8, 0, 0, 0];
    golden.extend(body);
    assert_eq!(agent.received()[0].bytes, golden);
}

#[test]
fn text_keys_hash_with_fnv1a() {
    // FNV-1a 64 test vectors (the offset basis for the empty input).
    assert_eq!(hash_key(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(hash_key(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(hash_key(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn report_with_latency_sends_microseconds_as_field_5() {
    let agent = FakeAgent::bind().silent();
    let c = client(agent.base_port);
    let module = ModuleId::new(1, 1);
    let host = addr("10.0.0.1:9001");
    c.report_with_latency(module, host, RetCode::Succ, Duration::from_micros(1500))
        .unwrap();
    c.report_with_latency(module, host, RetCode::Succ, Duration::from_secs(7200))
        .unwrap();
    c.report(module, host, RetCode::Succ).unwrap();
    let received = agent.wait_for(3);
    // 1500 = 0x5dc: varint 0xdc 0x0b after tag 0x28, last in the body.
    assert!(received[0].bytes.ends_with(&[0x28, 0xdc, 0x0b]));
    let latencies: Vec<Option<u32>> = received
        .iter()
        .map(|r| r.decode::<ReportRequest>().latency_us)
        .collect();
    // Two hours do not fit in u32 microseconds: the most that does is sent.
    assert_eq!(latencies, [Some(1500), Some(u32::MAX), None]);
    assert_eq!(received[2].msgid(), msgid::REPORT_REQUEST);
}
