//! `LarsClient` against a fake agent: the request bytes, the checks on the
//! answers, the timeout, the port routing, `get_route` and `reg_init`.

use lars_api::{ApiError, ClientOptions, HostAddr, LarsClient, ModuleId, RetCode, Transport};
use lars_proto::{msgid, GetHostRequest, GetRouteRequest, HostInfo, ReportRequest};
use lars_testkit::fake_agent::{host_reply, route_reply, FakeAgent, RunningAgent};
use prost::Message;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Module `modid/cmdid`.
fn m(modid: i32, cmdid: i32) -> ModuleId {
    ModuleId::new(modid, cmdid)
}

/// The host `a.b.c.d:port`.
fn addr(text: &str) -> HostAddr {
    text.parse().unwrap()
}

/// A UDP-only client: these tests check the original protocol's bytes.
fn client(base_port: u16, timeout_ms: u64) -> LarsClient {
    LarsClient::with_options(ClientOptions {
        base_port,
        timeout: Duration::from_millis(timeout_ms),
        transport: Transport::Udp,
        ..ClientOptions::default()
    })
    .unwrap()
}

/// A handler answering every get_host with RET_SUCC and `host`.
fn always(host: &str) -> impl Fn(usize, i32, &[u8]) -> Vec<Vec<u8>> + Send + Sync {
    let host = addr(host);
    move |_, id, body| {
        if id != msgid::GET_HOST_REQUEST {
            return vec![];
        }
        vec![host_reply(
            &GetHostRequest::decode(body).unwrap(),
            0,
            Some(host),
        )]
    }
}

#[test]
fn golden_request_bytes_reach_the_agent_and_the_host_comes_back() {
    let agent = FakeAgent::bind().serve(always("10.0.0.1:9001"));
    let mut c = client(agent.base_port, 1000);
    let got = c.get_host(m(1, 1)).unwrap();
    assert_eq!(got, (RetCode::Succ, Some(addr("10.0.0.1:9001"))));
    let received = agent.received();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].port_index, 2, "(1 + 1) % 3");
    let golden = [4, 0, 0, 0, 6, 0, 0, 0, 0x08, 0x01, 0x10, 0x01, 0x18, 0x01];
    assert_eq!(received[0].bytes, golden);
    // The seq increases with each call.
    c.get_host(m(1, 1)).unwrap();
    let second: GetHostRequest = agent.received()[1].decode();
    assert_eq!(second.seq, 2);
}

/// An agent that answers every get_host with a stale answer, a get_route
/// answer and then the right answer (host 10.0.0.2:9002), in that order.
fn agent_with_stale_answers() -> RunningAgent {
    FakeAgent::bind().serve(|_, _, body| {
        let req = GetHostRequest::decode(body).unwrap();
        let stale = GetHostRequest {
            seq: req.seq.wrapping_sub(1),
            ..req
        };
        vec![
            host_reply(&stale, 0, Some(addr("10.0.0.9:1"))),
            route_reply(req.modid, req.cmdid, &[addr("10.0.0.8:1")]),
            host_reply(&req, 0, Some(addr("10.0.0.2:9002"))),
        ]
    })
}

#[test]
fn a_stale_answer_is_skipped_and_the_right_one_taken() {
    let agent = agent_with_stale_answers();
    let mut c = client(agent.base_port, 1000);
    for _ in 0..3 {
        let got = c.get_host(m(7, 3)).unwrap();
        assert_eq!(got, (RetCode::Succ, Some(addr("10.0.0.2:9002"))));
    }
}

#[test]
fn an_answer_for_another_module_is_a_bad_reply() {
    let agent = FakeAgent::bind().serve(|_, _, body| {
        let req = GetHostRequest::decode(body).unwrap();
        let other = GetHostRequest { modid: 99, ..req };
        vec![host_reply(&other, 0, Some(addr("10.0.0.1:1")))]
    });
    let mut c = client(agent.base_port, 1000);
    let err = c.get_host(m(1, 2)).unwrap_err();
    assert!(matches!(err, ApiError::BadReply(_)), "{err:?}");
    assert_eq!(err.ret_code(), RetCode::SystemError);
    assert!(err.to_string().contains("99/2"), "{err}");
}

#[test]
fn a_future_seq_or_a_succ_without_host_is_a_bad_reply() {
    let agent = FakeAgent::bind().serve(|_, _, body| {
        let req = GetHostRequest::decode(body).unwrap();
        if req.modid == 1 {
            let future = GetHostRequest {
                seq: req.seq + 1,
                ..req
            };
            vec![host_reply(&future, 0, Some(addr("10.0.0.1:1")))]
        } else {
            vec![host_reply(&req, 0, None)]
        }
    });
    let mut c = client(agent.base_port, 1000);
    assert!(matches!(c.get_host(m(1, 1)), Err(ApiError::BadReply(_))));
    assert!(matches!(c.get_host(m(2, 1)), Err(ApiError::BadReply(_))));
}

#[test]
fn agent_codes_come_back_without_a_host() {
    let agent = FakeAgent::bind().serve(|_, _, body| {
        let req = GetHostRequest::decode(body).unwrap();
        // retcode = cmdid: 1 overload, 3 noexist, 9 unknown.
        vec![host_reply(&req, req.cmdid, Some(addr("10.0.0.1:1")))]
    });
    let mut c = client(agent.base_port, 1000);
    assert_eq!(c.get_host(m(5, 1)).unwrap(), (RetCode::Overload, None));
    assert_eq!(c.get_host(m(5, 3)).unwrap(), (RetCode::NoExist, None));
    assert_eq!(c.get_host(m(5, 9)).unwrap(), (RetCode::SystemError, None));
}

/// Asserts that `c` (with a 50 ms timeout) gives up on get_host on time.
fn get_host_times_out_after_50ms(c: &mut LarsClient) {
    let t0 = Instant::now();
    let err = c.get_host(m(1, 1)).unwrap_err();
    let took = t0.elapsed();
    assert!(matches!(err, ApiError::Timeout), "{err:?}");
    assert!(took >= Duration::from_millis(49), "{took:?}");
    assert!(took < Duration::from_secs(1), "{took:?}");
}

#[test]
fn a_silent_agent_times_out_within_the_timeout() {
    let agent = FakeAgent::bind().silent();
    let mut c = client(agent.base_port, 50);
    for _ in 0..2 {
        get_host_times_out_after_50ms(&mut c);
    }
    let t0 = Instant::now();
    assert!(matches!(c.get_route(m(1, 1)), Err(ApiError::Timeout)));
    assert!(t0.elapsed() < Duration::from_secs(1));
}

#[test]
fn nobody_listening_gives_an_error_not_a_hang() {
    let base = lars_testkit::free_udp_base();
    let mut c = client(base, 50);
    let t0 = Instant::now();
    let err = c.get_host(m(1, 1)).unwrap_err();
    assert!(
        matches!(err, ApiError::Io(_) | ApiError::Timeout),
        "{err:?}"
    );
    assert!(t0.elapsed() < Duration::from_secs(1));
    assert_eq!(c.reg_init(m(1, 1)), RetCode::NoExist);
}

#[test]
fn each_module_goes_to_base_port_plus_its_index() {
    let agent = FakeAgent::bind().serve(always("10.0.0.1:1"));
    let mut c = client(agent.base_port, 1000);
    // (modid, cmdid, port index): (modid + cmdid) mod 3, never negative.
    let modules = [
        (1, 1, 2),
        (3, 0, 0),
        (2, 2, 1),
        (i32::MAX, i32::MAX, 2), // 2^32 - 2
        (-1, 0, 2),
        (-7, 2, 1),
    ];
    for (modid, cmdid, _) in modules {
        c.get_host(m(modid, cmdid)).unwrap();
        c.report(m(modid, cmdid), addr("10.0.0.1:1"), RetCode::Succ)
            .unwrap();
    }
    let received = agent.wait_for(2 * modules.len());
    assert_eq!(received.len(), 2 * modules.len());
    // The log interleaves the three ports' threads: look each datagram up.
    let port_of = |id: i32, modid: i32, cmdid: i32| {
        let hit = received.iter().find(|r| {
            r.msgid() == id
                && match id {
                    msgid::GET_HOST_REQUEST => {
                        let q: GetHostRequest = r.decode();
                        (q.modid, q.cmdid) == (modid, cmdid)
                    }
                    _ => {
                        let q: ReportRequest = r.decode();
                        (q.modid, q.cmdid) == (modid, cmdid)
                    }
                }
        });
        hit.unwrap_or_else(|| panic!("msgid {id} of {modid}/{cmdid} not received"))
            .port_index
    };
    for (modid, cmdid, want) in modules {
        assert_eq!(port_of(msgid::GET_HOST_REQUEST, modid, cmdid), want);
        assert_eq!(port_of(msgid::REPORT_REQUEST, modid, cmdid), want);
    }
}

#[test]
fn report_sends_the_host_and_code() {
    let agent = FakeAgent::bind().silent();
    let c = client(agent.base_port, 50);
    c.report(m(1, 1), addr("192.168.1.177:7777"), RetCode::Overload)
        .unwrap();
    let received = agent.wait_for(1);
    assert_eq!(received[0].port_index, 2);
    assert_eq!(received[0].msgid(), msgid::REPORT_REQUEST);
    let req: ReportRequest = received[0].decode();
    assert_eq!((req.modid, req.cmdid, req.retcode), (1, 1, 1));
    let wire = HostInfo {
        ip: -1_062_731_343,
        port: 7777,
        weight: 0,
    };
    assert_eq!(req.host, Some(wire));
    assert_eq!(req.latency_us, None, "a plain report carries no latency");
}

#[test]
fn get_route_decodes_negative_ips_and_skips_other_modules() {
    let agent = FakeAgent::bind().serve(|_, id, body| {
        assert_eq!(id, msgid::API_GET_ROUTE_REQUEST);
        let req = GetRouteRequest::decode(body).unwrap();
        // The golden hosts body of docs/PROTOCOL.md §7 (sign-extended varint), then
        // the same ip as a 5-byte unsigned varint, hand-encoded.
        let mut body = vec![0x08, req.modid as u8, 0x10, req.cmdid as u8];
        body.extend([0x1a, 0x0e, 0x08, 0xb1, 0x83, 0xa0, 0x85, 0xfc]);
        body.extend([0xff, 0xff, 0xff, 0xff, 0x01, 0x10, 0xe1, 0x3c]);
        body.extend([0x1a, 0x09, 0x08, 0xb1, 0x83, 0xa0, 0x85, 0x0c]);
        body.extend([0x10, 0xe2, 0x3c]);
        let mut frame = Vec::new();
        lars_proto::frame::encode_raw_frame(msgid::API_GET_ROUTE_RESPONSE, &body, &mut frame)
            .unwrap();
        vec![
            route_reply(req.modid + 1, req.cmdid, &[addr("1.1.1.1:1")]),
            frame,
        ]
    });
    let mut c = client(agent.base_port, 1000);
    let hosts = c.get_route(m(1, 1)).unwrap();
    assert_eq!(
        hosts,
        vec![addr("192.168.1.177:7777"), addr("192.168.1.177:7778")]
    );
}

#[test]
fn reg_init_retries_then_gives_noexist_on_empty_routes() {
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    let agent = FakeAgent::bind().serve(move |_, _, body| {
        counter.fetch_add(1, Ordering::SeqCst);
        let req = GetRouteRequest::decode(body).unwrap();
        vec![route_reply(req.modid, req.cmdid, &[])]
    });
    let mut c = client(agent.base_port, 200);
    let t0 = Instant::now();
    assert_eq!(c.reg_init(m(4, 4)), RetCode::NoExist);
    assert_eq!(asked.load(Ordering::SeqCst), lars_api::REG_INIT_ATTEMPTS);
    assert!(t0.elapsed() >= 2 * lars_api::REG_INIT_INTERVAL);
}

#[test]
fn reg_init_succeeds_once_the_route_arrives() {
    let asked = Arc::new(AtomicU32::new(0));
    let counter = asked.clone();
    let agent = FakeAgent::bind().serve(move |_, _, body| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let req = GetRouteRequest::decode(body).unwrap();
        let hosts = if n >= 2 {
            vec![addr("10.0.0.1:1")]
        } else {
            vec![]
        };
        vec![route_reply(req.modid, req.cmdid, &hosts)]
    });
    let mut c = client(agent.base_port, 200);
    assert_eq!(c.reg_init(m(4, 4)), RetCode::Succ);
    assert_eq!(asked.load(Ordering::SeqCst), 2);
}

#[test]
fn the_round_robin_fake_agent_serves_every_host() {
    let hosts = vec![addr("127.0.0.1:9001"), addr("127.0.0.1:9002")];
    let agent = FakeAgent::bind().serve_routes(HashMap::from([(m(1, 1), hosts.clone())]));
    let mut c = client(agent.base_port, 1000);
    assert_eq!(c.reg_init(m(1, 1)), RetCode::Succ);
    assert_eq!(c.get_route(m(1, 1)).unwrap(), hosts);
    let a = c.get_host(m(1, 1)).unwrap().1.unwrap();
    let b = c.get_host(m(1, 1)).unwrap().1.unwrap();
    assert_ne!(a, b);
    assert_eq!(c.get_host(m(2, 2)).unwrap(), (RetCode::NoExist, None));
}

#[test]
fn the_late_answer_of_a_timed_out_call_is_skipped_by_the_next() {
    // The agent sits on request 1 past the client's timeout, then answers
    // it; request 2 must take its own answer, not request 1's.
    let agent = FakeAgent::bind().serve(|_, _, body| {
        let req = GetHostRequest::decode(body).unwrap();
        if req.seq == 1 {
            std::thread::sleep(Duration::from_millis(300));
            return vec![host_reply(&req, 0, Some(addr("10.0.0.1:1")))];
        }
        vec![host_reply(&req, 0, Some(addr("10.0.0.2:2")))]
    });
    let mut c = client(agent.base_port, 200);
    assert!(matches!(c.get_host(m(1, 1)), Err(ApiError::Timeout)));
    let got = c.get_host(m(1, 1)).unwrap();
    assert_eq!(got, (RetCode::Succ, Some(addr("10.0.0.2:2"))));
}

/// A client that polls for answers for up to `spin_ms` before sleeping.
fn spinning_client(base_port: u16, timeout_ms: u64, spin_ms: u64) -> LarsClient {
    LarsClient::with_options(ClientOptions {
        base_port,
        timeout: Duration::from_millis(timeout_ms),
        spin: Some(Duration::from_millis(spin_ms)),
        ..ClientOptions::default()
    })
    .unwrap()
}

#[test]
fn a_spinning_client_gets_every_answer_and_skips_stale_ones() {
    let agent = agent_with_stale_answers();
    let mut c = spinning_client(agent.base_port, 1000, 1);
    for _ in 0..200 {
        let got = c.get_host(m(7, 3)).unwrap();
        assert_eq!(got, (RetCode::Succ, Some(addr("10.0.0.2:9002"))));
    }
}

#[test]
fn a_spin_longer_than_the_timeout_still_times_out_on_time() {
    let agent = FakeAgent::bind().silent();
    let mut c = spinning_client(agent.base_port, 50, 10_000);
    get_host_times_out_after_50ms(&mut c);
}

#[test]
fn against_an_agent_without_shared_memory_auto_asks_once_and_never_waits() {
    // The original agent does not know msgid 9 and does not answer it.
    let agent = FakeAgent::bind().serve(always("10.0.0.1:9001"));
    let mut c = LarsClient::with_options(ClientOptions {
        base_port: agent.base_port,
        timeout: Duration::from_millis(1000),
        ..ClientOptions::default()
    })
    .unwrap();
    let started = Instant::now();
    for _ in 0..50 {
        let got = c.get_host(m(1, 1)).unwrap();
        assert_eq!(got, (RetCode::Succ, Some(addr("10.0.0.1:9001"))));
        c.report(m(1, 1), addr("10.0.0.1:9001"), RetCode::Succ)
            .unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "no call waited for an attach answer: {:?}",
        started.elapsed()
    );
    assert!(!c.uses_shared_memory(m(1, 1)));
    let attach = agent.attach_requests();
    let mut ports: Vec<usize> = attach.iter().map(|r| r.port_index).collect();
    ports.sort();
    assert_eq!(ports, [0, 1, 2], "one request per port, not one per call");
}
