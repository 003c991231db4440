//! The fields `LarsClient` adds to the original's messages: the `hash_key`
//! of `get_host_by_key` and the `latency_us` of `report_with_latency`, as
//! bytes on the wire (plain calls leave both out so the original agent
//! sees its own bytes), and the weights and policy `get_route_detail`
//! reads.

use lars_api::{hash_key, ClientOptions, HostAddr, LarsClient, ModuleId, Policy, RetCode};
use lars_proto::{msgid, GetHostRequest, GetRouteRequest, ReportRequest};
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

/// A fake agent answering every get_route of module 1/1 with one host
/// (0.0.0.1:80, weight 3) and `policy` / `panic`, hand-encoded.
fn agent_with_route_policy(policy: u8, panic: u8) -> lars_testkit::fake_agent::RunningAgent {
    FakeAgent::bind().serve(move |_, id, body| {
        assert_eq!(id, msgid::API_GET_ROUTE_REQUEST);
        let req = GetRouteRequest::decode(body).unwrap();
        assert_eq!((req.modid, req.cmdid), (1, 1));
        // modid 1, cmdid 1, host {ip 1, port 80, weight 3}, policy, panic.
        let mut body = vec![0x08, 0x01, 0x10, 0x01];
        body.extend([0x1a, 0x06, 0x08, 0x01, 0x10, 0x50, 0x18, 0x03]);
        body.extend([0x20, policy, 0x28, panic]);
        let mut frame = Vec::new();
        lars_proto::frame::encode_raw_frame(msgid::API_GET_ROUTE_RESPONSE, &body, &mut frame)
            .unwrap();
        vec![frame]
    })
}

#[test]
fn get_route_detail_reads_weights_and_the_policy() {
    let agent = agent_with_route_policy(2, 40);
    let mut c = client(agent.base_port);
    let route = c.get_route_detail(ModuleId::new(1, 1)).unwrap();
    assert_eq!(route.hosts.len(), 1);
    assert_eq!(route.hosts[0].host, addr("0.0.0.1:80"));
    assert_eq!(route.hosts[0].weight.get(), 3);
    assert_eq!(route.policy.policy, Policy::Hash);
    assert_eq!(route.policy.panic_threshold, 40);
    // get_route still gives the bare hosts.
    assert_eq!(
        c.get_route(ModuleId::new(1, 1)).unwrap(),
        [addr("0.0.0.1:80")]
    );
}

#[test]
fn a_policy_from_a_newer_agent_reads_as_rr() {
    let agent = agent_with_route_policy(9, 40);
    let mut c = client(agent.base_port);
    let route = c.get_route_detail(ModuleId::new(1, 1)).unwrap();
    assert_eq!(
        (route.policy.policy, route.policy.panic_threshold),
        (Policy::Rr, 0)
    );
    assert_eq!(route.hosts[0].weight.get(), 3);
}
