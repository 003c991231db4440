//! # lars-proto
//!
//! The Lars wire protocol and the values every other crate speaks in, with
//! no I/O and no clock: the protobuf messages of `lars.proto` (compiled by
//! prost-build), message ids, the 8-byte frame codec, and the domain types
//! [`ModuleId`], [`HostAddr`] and [`RetCode`]. The protocol itself is
//! described in `docs/PROTOCOL.md`.
//!
//! Wire integers (`int32` ids, addresses and codes) are converted to these
//! types once, where a message is received, and back where one is sent.
//!
//! ```
//! use lars_proto::{frame, msgid, GetHostRequest, HostAddr, ModuleId};
//!
//! let module = ModuleId::new(1, 1);
//! let request = GetHostRequest { seq: 1, modid: module.modid, cmdid: module.cmdid, hash_key: None };
//! let bytes = frame::frame_to_vec(msgid::GET_HOST_REQUEST, &request).unwrap();
//! let (id, body) = frame::parse_datagram(&bytes).unwrap();
//! assert_eq!((id, body.len()), (msgid::GET_HOST_REQUEST, 6));
//! assert_eq!(module.agent_port_index(), 2); // served on port 8888 + 2
//! let host: HostAddr = "192.168.1.177:7777".parse().unwrap();
//! assert_eq!(host.to_wire().ip, -1_062_731_343);
//! ```
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `lars.proto` | the schema, field numbers fixed for compatibility |
//! | `src/frame.rs` | the 8-byte frame: pure encode/decode |
//! | `src/message.rs` | [`LarsMessage`]: a frame body decoded by its msgid |
//! | `src/module.rs` | [`ModuleId`], its key, [`AGENT_PORTS`] and the port choice |
//! | `src/host.rs` | [`HostAddr`], its key and the IPv4 wire encoding |
//! | `src/policy.rs` | [`Policy`], [`Weight`], [`RoutePolicy`], [`RouteHost`] |
//! | `src/route.rs` | [`Route`] and its `GetRouteResponse` form |
//! | `src/key.rs` | [`hash_key`]: the key of a string for consistent hashing |
//! | `src/retcode.rs` | [`RetCode`] |
#![warn(missing_docs)]

/// Generated protobuf types (package `lars`).
#[allow(missing_docs, clippy::all)]
pub mod pb {
    include!(concat!(env!("OUT_DIR"), "/lars.rs"));
}

pub mod frame;
mod host;
mod key;
mod message;
mod module;
mod policy;
mod retcode;
mod route;

pub use frame::{FrameError, HEADER_LEN, MAX_BODY_LEN};
pub use host::{ip_from_wire, ip_to_wire, HostAddr, HostAddrError};
pub use key::hash_key;
pub use message::{DecodeError, LarsMessage};
pub use module::{ModuleId, ModuleIdError, AGENT_PORTS};
pub use pb::{
    GetHostRequest, GetHostResponse, GetRouteRequest, GetRouteResponse, HostCallResult, HostInfo,
    LarsRetCode, LbPolicy, MessageId, ReportRequest, ReportStatusRequest, ShmAttachRequest,
    ShmAttachResponse, ShmWakeRequest,
};
pub use policy::{Policy, PolicyError, RouteHost, RoutePolicy, Weight};
pub use retcode::{RetCode, RetCodeError};
pub use route::{Route, RouteWireError};

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
    /// API → agent: a slot in the table's shared-memory segment
    pub const SHM_ATTACH_REQUEST: i32 = MessageId::IdShmAttachRequest as i32;
    /// agent → API
    pub const SHM_ATTACH_RESPONSE: i32 = MessageId::IdShmAttachResponse as i32;
    /// API → agent: drain the shared-memory report rings now
    pub const SHM_WAKE_REQUEST: i32 = MessageId::IdShmWakeRequest as i32;
}
