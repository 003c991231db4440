//! Golden frames pin the wire format byte for byte (docs/PROTOCOL.md §7), and every
//! message survives a frame round trip. The fields added since the original
//! (weights, policies, hash keys, latencies) are pinned too, and `compat.rs`
//! shows the original's schema skips them.

use lars_proto::frame::{self, parse_frame, FrameError};
use lars_proto::*;
use prost::Message;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn get_host_request_golden_frame() {
    let msg = GetHostRequest {
        seq: 1,
        modid: 1,
        cmdid: 1,
        hash_key: None,
    };
    let bytes = frame::encode(MessageId::IdGetHostRequest, &msg).unwrap();
    assert_eq!(bytes, hex("04000000 06000000 080110011801"));
}

#[test]
fn get_route_response_golden_frame_with_negative_ip() {
    let host: HostAddr = "192.168.1.177:7777".parse().unwrap();
    let msg = GetRouteResponse {
        modid: 1,
        cmdid: 1,
        host: vec![host.to_wire()],
        ..GetRouteResponse::default()
    };
    let bytes = frame::encode(MessageId::IdGetRouteResponse, &msg).unwrap();
    assert_eq!(
        bytes,
        hex("02000000 14000000 08011001 1a0e 08b183a085fcffffffff01 10e13c")
    );
}

#[test]
fn five_byte_unsigned_varint_ip_decodes_to_the_same_host() {
    // HostInfo with ip written as a 5-byte varint of 3232235953, port 7777.
    let body = hex("08b183a0850c 10e13c");
    let host = HostInfo::decode(&body[..]).unwrap();
    assert_eq!(u32::from(ip_from_wire(host.ip)), 3_232_235_953);
    assert_eq!(host.port, 7777);
}

#[test]
fn every_message_round_trips_through_a_frame() {
    let host = HostInfo {
        ip: -1,
        port: 65535,
        weight: 0,
    };
    let route = GetRouteResponse {
        modid: 7,
        cmdid: -2,
        host: vec![
            host,
            HostInfo {
                ip: 1,
                port: 2,
                weight: 9,
            },
        ],
        policy: Policy::Hash.to_wire(),
        panic_threshold: 50,
        version: Some(77),
    };
    let messages = [
        LarsMessage::GetRouteRequest(GetRouteRequest {
            modid: 1,
            cmdid: 2,
            want_version: true,
        }),
        LarsMessage::GetRouteResponse(route.clone()),
        LarsMessage::ReportStatusRequest(ReportStatusRequest {
            modid: 1,
            cmdid: 2,
            caller: ip_to_wire("192.168.0.1".parse().unwrap()),
            results: vec![HostCallResult {
                ip: 5,
                port: 6,
                succ: u32::MAX,
                err: 3,
                overload: true,
            }],
            ts: 1_700_000_000,
        }),
        LarsMessage::GetHostRequest(GetHostRequest {
            seq: u32::MAX,
            modid: 3,
            cmdid: 4,
            hash_key: Some(u64::MAX),
        }),
        LarsMessage::GetHostResponse(GetHostResponse {
            seq: 9,
            modid: 3,
            cmdid: 4,
            retcode: RetCode::Overload.to_wire(),
            host: Some(host),
        }),
        LarsMessage::ReportRequest(ReportRequest {
            modid: 3,
            cmdid: 4,
            host: Some(host),
            retcode: RetCode::Succ.to_wire(),
            latency_us: Some(1500),
        }),
        LarsMessage::ApiGetRouteRequest(GetRouteRequest {
            modid: 5,
            cmdid: 6,
            ..Default::default()
        }),
        LarsMessage::ApiGetRouteResponse(route),
    ];
    for (i, msg) in messages.iter().enumerate() {
        let bytes = msg.to_frame().unwrap();
        let f = parse_frame(&bytes).unwrap().unwrap();
        assert_eq!(f.msgid, i as i32 + 1, "msgid of {msg:?}");
        assert_eq!(f.len, bytes.len());
        assert_eq!(&LarsMessage::decode(f.msgid, f.body).unwrap(), msg);
    }
}

#[test]
fn message_ids_and_return_codes_are_fixed() {
    assert_eq!(
        [
            msgid::GET_ROUTE_REQUEST,
            msgid::GET_ROUTE_RESPONSE,
            msgid::REPORT_STATUS_REQUEST,
            msgid::GET_HOST_REQUEST,
            msgid::GET_HOST_RESPONSE,
            msgid::REPORT_REQUEST,
            msgid::API_GET_ROUTE_REQUEST,
            msgid::API_GET_ROUTE_RESPONSE
        ],
        [1, 2, 3, 4, 5, 6, 7, 8]
    );
    assert_eq!(
        [
            LarsRetCode::RetSucc as i32,
            LarsRetCode::RetOverload as i32,
            LarsRetCode::RetSystemError as i32,
            LarsRetCode::RetNoexist as i32
        ],
        [0, 1, 2, 3]
    );
}

#[test]
fn unknown_msgid_and_garbage_body_are_errors() {
    assert!(matches!(
        LarsMessage::decode(99, b""),
        Err(DecodeError::UnknownMsgid(99))
    ));
    assert!(matches!(
        LarsMessage::decode(0, b""),
        Err(DecodeError::UnknownMsgid(0))
    ));
    assert!(matches!(
        LarsMessage::decode(4, &[0x08, 0xff]),
        Err(DecodeError::Body(4, _))
    ));
}

#[test]
fn a_route_too_large_for_one_frame_is_refused() {
    let hosts = (0..20_000)
        .map(|i| HostInfo {
            ip: -i,
            port: 65535,
            weight: 0,
        })
        .collect();
    let msg = GetRouteResponse {
        modid: 1,
        cmdid: 1,
        host: hosts,
        ..GetRouteResponse::default()
    };
    assert!(matches!(
        frame::encode(MessageId::IdGetRouteResponse, &msg),
        Err(FrameError::TooLarge(_))
    ));
}

#[test]
fn the_added_fields_have_their_own_numbers() {
    // HostInfo.weight is field 3 (varint): 18 03.
    let host = RouteHost {
        host: "0.0.0.1:2".parse().unwrap(),
        weight: Weight::new(3).unwrap(),
    };
    assert_eq!(host.to_wire().encode_to_vec(), hex("0801 1002 1803"));
    // GetRouteResponse.policy is field 4, panic_threshold field 5.
    let route = GetRouteResponse {
        modid: 1,
        cmdid: 1,
        host: vec![],
        policy: Policy::Ewma.to_wire(),
        panic_threshold: 50,
        version: Some(300),
    };
    assert_eq!(route.encode_to_vec(), hex("0801 1001 2003 2832 30ac02"));
    // GetRouteRequest.want_version is field 3.
    let wanting = GetRouteRequest {
        modid: 1,
        cmdid: 1,
        want_version: true,
    };
    assert_eq!(wanting.encode_to_vec(), hex("0801 1001 1801"));
    // GetHostRequest.hash_key is field 4; an explicit 0 is sent (optional).
    let keyed = GetHostRequest {
        seq: 1,
        modid: 1,
        cmdid: 1,
        hash_key: Some(0),
    };
    assert_eq!(keyed.encode_to_vec(), hex("0801 1001 1801 2000"));
    // ReportRequest.latency_us is field 5.
    let report = ReportRequest {
        modid: 1,
        cmdid: 1,
        host: None,
        retcode: 0,
        latency_us: Some(300),
    };
    assert_eq!(report.encode_to_vec(), hex("0801 1001 28ac02"));
}

#[test]
fn defaults_of_the_added_fields_are_not_encoded() {
    // Weight 1, POLICY_RR, no panic threshold, no key, no latency: the
    // original's bytes (the golden frames above).
    let plain: HostAddr = "192.168.1.177:7777".parse().unwrap();
    let weighted_one = RouteHost::new(plain).to_wire();
    assert_eq!(
        weighted_one.encode_to_vec(),
        plain.to_wire().encode_to_vec()
    );
    let route = GetRouteResponse {
        modid: 1,
        cmdid: 1,
        host: vec![weighted_one],
        policy: Policy::Rr.to_wire(),
        panic_threshold: 0,
        version: None,
    };
    assert_eq!(
        frame::encode(MessageId::IdGetRouteResponse, &route).unwrap(),
        hex("02000000 14000000 08011001 1a0e 08b183a085fcffffffff01 10e13c")
    );
}
