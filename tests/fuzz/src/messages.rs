//! Arbitrary Lars messages. Most values aim at what the daemons know (the
//! demo modules 1/1, 1/2, 2/1 and their hosts 127.0.0.1:9001..9021, small
//! ids, valid return codes), so the handlers' real paths run; the rest are
//! any value the field can hold (negative ids, impossible ports, unknown
//! codes).

use lars_proto::{
    msgid, GetHostRequest, GetRouteRequest, HostCallResult, HostInfo, ReportRequest,
    ReportStatusRequest,
};
use proptest::prelude::*;
use prost::Message;

/// A message as it goes into a frame: its msgid and encoded body.
pub type Encoded = (i32, Vec<u8>);

/// A modid or cmdid: mostly 0..4, sometimes any.
pub fn id() -> impl Strategy<Value = i32> {
    prop_oneof![4 => 0..4i32, 1 => any::<i32>()]
}

/// An IPv4 address on the wire: mostly 127.0.0.1, sometimes any.
pub fn wire_ip() -> impl Strategy<Value = i32> {
    prop_oneof![3 => Just(0x7F00_0001), 1 => any::<i32>()]
}

/// A port: mostly one of the demo hosts', sometimes any `int32`.
pub fn port() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => prop::sample::select(vec![9001, 9002, 9003, 9011, 9012, 9021]),
        1 => any::<i32>(),
    ]
}

/// A return code: mostly a valid one, sometimes any.
pub fn retcode() -> impl Strategy<Value = i32> {
    prop_oneof![4 => 0..4i32, 1 => any::<i32>()]
}

/// A host of a route or report.
pub fn host_info() -> impl Strategy<Value = HostInfo> {
    (wire_ip(), port(), prop_oneof![Just(0u32), any::<u32>()])
        .prop_map(|(ip, port, weight)| HostInfo { ip, port, weight })
}

/// lars-dns's request.
pub fn get_route_request() -> impl Strategy<Value = GetRouteRequest> {
    (id(), id(), any::<bool>()).prop_map(|(modid, cmdid, want_version)| GetRouteRequest {
        modid,
        cmdid,
        want_version,
    })
}

/// lars-reporter's request: up to 80 host results (more than one queue
/// item holds).
pub fn report_status_request() -> impl Strategy<Value = ReportStatusRequest> {
    let result = || {
        (wire_ip(), port(), any::<u32>(), any::<u32>(), any::<bool>()).prop_map(
            |(ip, port, succ, err, overload)| HostCallResult {
                ip,
                port,
                succ,
                err,
                overload,
            },
        )
    };
    let results = prop_oneof![
        4 => prop::collection::vec(result(), 0..4),
        1 => prop::collection::vec(result(), 0..80),
    ];
    (id(), id(), any::<i32>(), results, any::<u32>()).prop_map(
        |(modid, cmdid, caller, results, ts)| ReportStatusRequest {
            modid,
            cmdid,
            caller,
            results,
            ts,
        },
    )
}

/// lars-agent's get_host request.
pub fn get_host_request() -> impl Strategy<Value = GetHostRequest> {
    (any::<u32>(), id(), id(), any::<Option<u64>>()).prop_map(|(seq, modid, cmdid, hash_key)| {
        GetHostRequest {
            seq,
            modid,
            cmdid,
            hash_key,
        }
    })
}

/// lars-agent's report.
pub fn report_request() -> impl Strategy<Value = ReportRequest> {
    (
        id(),
        id(),
        proptest::option::weighted(0.9, host_info()),
        retcode(),
        any::<Option<u32>>(),
    )
        .prop_map(|(modid, cmdid, host, retcode, latency_us)| ReportRequest {
            modid,
            cmdid,
            host,
            retcode,
            latency_us,
        })
}

/// Encoded requests lars-dns handles.
pub fn dns_requests() -> BoxedStrategy<Encoded> {
    get_route_request()
        .prop_map(|m| (msgid::GET_ROUTE_REQUEST, m.encode_to_vec()))
        .boxed()
}

/// Encoded requests lars-reporter handles.
pub fn reporter_requests() -> BoxedStrategy<Encoded> {
    report_status_request()
        .prop_map(|m| (msgid::REPORT_STATUS_REQUEST, m.encode_to_vec()))
        .boxed()
}

/// Encoded requests lars-agent handles: get_host, report and get_route.
pub fn agent_requests() -> BoxedStrategy<Encoded> {
    prop_oneof![
        get_host_request().prop_map(|m| (msgid::GET_HOST_REQUEST, m.encode_to_vec())),
        report_request().prop_map(|m| (msgid::REPORT_REQUEST, m.encode_to_vec())),
        get_route_request().prop_map(|m| (msgid::API_GET_ROUTE_REQUEST, m.encode_to_vec())),
    ]
    .boxed()
}
