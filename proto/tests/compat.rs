//! Our messages, new fields included, decode with the original's schema
//! (`tests/original/lars_original.proto`, compiled by the build script):
//! an original peer skips the fields it does not know and reads the rest
//! unchanged.

use lars_proto::*;
use prost::Message;

/// The original's generated types.
mod original {
    #![allow(missing_docs, dead_code, clippy::all)]
    include!(concat!(env!("OUT_DIR"), "/lars_original.rs"));
}

/// `msg` encoded with our schema, decoded with the original's.
fn as_original<M: Message, O: Message + Default>(msg: &M) -> O {
    O::decode(&msg.encode_to_vec()[..]).expect("the original's schema decodes it")
}

#[test]
fn an_original_agent_reads_a_weighted_route_with_a_policy() {
    let route = GetRouteResponse {
        modid: 7,
        cmdid: 8,
        host: vec![
            RouteHost {
                host: "192.168.1.177:7777".parse().unwrap(),
                weight: Weight::new(5).unwrap(),
            }
            .to_wire(),
            RouteHost::new("10.0.0.1:80".parse().unwrap()).to_wire(),
        ],
        policy: Policy::Hash.to_wire(),
        panic_threshold: 40,
        version: Some(1_234_567),
    };
    let old: original::GetRouteResponse = as_original(&route);
    assert_eq!((old.modid, old.cmdid), (7, 8));
    let hosts: Vec<(i32, i32)> = old.host.iter().map(|h| (h.ip, h.port)).collect();
    assert_eq!(hosts, [(-1_062_731_343, 7777), (0x0a00_0001, 80)]);
}

#[test]
fn an_original_dns_reads_a_route_request_that_wants_versions() {
    let req = GetRouteRequest {
        modid: 3,
        cmdid: 4,
        want_version: true,
    };
    let old: original::GetRouteRequest = as_original(&req);
    assert_eq!((old.modid, old.cmdid), (3, 4));
}

#[test]
fn an_original_agent_reads_a_keyed_request_and_a_timed_report() {
    let req = GetHostRequest {
        seq: 9,
        modid: 1,
        cmdid: 2,
        hash_key: Some(0xdead_beef_dead_beef),
    };
    let old: original::GetHostRequest = as_original(&req);
    assert_eq!((old.seq, old.modid, old.cmdid), (9, 1, 2));
    let report = ReportRequest {
        modid: 1,
        cmdid: 2,
        host: Some("10.0.0.1:80".parse::<HostAddr>().unwrap().to_wire()),
        retcode: 1,
        latency_us: Some(12_345),
    };
    let old: original::ReportRequest = as_original(&report);
    assert_eq!((old.modid, old.cmdid, old.retcode), (1, 2, 1));
    let host = old.host.expect("host kept");
    assert_eq!((host.ip, host.port), (0x0a00_0001, 80));
}

#[test]
fn an_original_peer_s_messages_decode_as_defaults_of_the_new_fields() {
    let old = original::GetHostRequest {
        seq: 1,
        modid: 1,
        cmdid: 1,
    };
    let ours = GetHostRequest::decode(&old.encode_to_vec()[..]).unwrap();
    assert_eq!(ours.hash_key, None);
    let old_route = original::GetRouteResponse {
        modid: 1,
        cmdid: 1,
        host: vec![original::HostInfo { ip: 1, port: 2 }],
    };
    let ours = GetRouteResponse::decode(&old_route.encode_to_vec()[..]).unwrap();
    assert_eq!(
        (ours.policy, ours.panic_threshold),
        (Policy::Rr.to_wire(), 0)
    );
    assert_eq!(
        RouteHost::from_wire(&ours.host[0]).unwrap().weight,
        Weight::ONE
    );
}
