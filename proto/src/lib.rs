//! # lars-proto
//!
//! The Lars wire protocol: the protobuf messages of `lars.proto` (compiled
//! by prost-build), the message ids and return codes, the IPv4 number
//! encoding, and typed helpers over the 8-byte frame of
//! [`lars_reactor::frame`].
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `lars.proto` | the schema, field numbers fixed for compatibility |
//! | `src/frame.rs` | encode a message under its [`MessageId`], decode frames |
//! | `src/addr.rs` | IPv4 ⇄ the protocol's 32-bit number, module and host keys |
#![warn(missing_docs)]

/// Generated protobuf types (package `lars`).
#[allow(missing_docs, clippy::all)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/lars.rs"));
}

pub mod addr;
pub mod frame;

pub use addr::{host_key, ip_from_wire, ip_to_wire, module_key, split_host_key, split_module_key};
pub use pb::{
    GetHostRequest, GetHostResponse, GetRouteRequest, GetRouteResponse, HostCallResult, HostInfo,
    LarsRetCode, MessageId, ReportRequest, ReportStatusRequest,
};

/// `MessageId` values as plain `i32`, the type the frame header carries.
pub mod msgid {
    use super::MessageId;
    /// agent → dns
    pub const GET_ROUTE_REQUEST: i32 = MessageId::IdGetRouteRequest as i32;
    /// dns → agent (answer or push)
    pub const GET_ROUTE_RESPONSE: i32 = MessageId::IdGetRouteResponse as i32;
    /// agent → reporter
    pub const REPORT_STATUS_REQUEST: i32 = MessageId::IdReportStatusRequest as i32;
    /// API → agent
    pub const GET_HOST_REQUEST: i32 = MessageId::IdGetHostRequest as i32;
    /// agent → API
    pub const GET_HOST_RESPONSE: i32 = MessageId::IdGetHostResponse as i32;
    /// API → agent
    pub const REPORT_REQUEST: i32 = MessageId::IdReportRequest as i32;
    /// API → agent
    pub const API_GET_ROUTE_REQUEST: i32 = MessageId::IdApiGetRouteRequest as i32;
    /// agent → API
    pub const API_GET_ROUTE_RESPONSE: i32 = MessageId::IdApiGetRouteResponse as i32;
}

/// `LarsRetCode` values as plain `i32`, the type the messages carry.
pub mod retcode {
    use super::LarsRetCode;
    /// Success.
    pub const SUCC: i32 = LarsRetCode::RetSucc as i32;
    /// Every host of the module is overloaded.
    pub const OVERLOAD: i32 = LarsRetCode::RetOverload as i32;
    /// A local failure (e.g. the agent did not answer).
    pub const SYSTEM_ERROR: i32 = LarsRetCode::RetSystemError as i32;
    /// The module has no route (yet).
    pub const NOEXIST: i32 = LarsRetCode::RetNoexist as i32;
}
