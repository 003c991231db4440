//! Typed frames: encode a message under its [`MessageId`] and decode a
//! frame body as the message its id names. The byte layout itself lives in
//! [`lars_reactor::frame`] and is re-exported here.

pub use lars_reactor::frame::{
    decode_header, encode_frame, encode_raw_frame, frame_to_vec, parse_datagram, parse_frame,
    FrameError, FrameHeader, RawFrame, HEADER_LEN, MAX_BODY_LEN,
};

use crate::pb::*;
use prost::Message;

/// Encodes `msg` as a complete frame under `id`.
pub fn encode(id: MessageId, msg: &impl Message) -> Result<Vec<u8>, FrameError> {
    frame_to_vec(id as i32, msg)
}

/// Any Lars message, decoded according to its message id.
#[derive(Debug, Clone, PartialEq)]
pub enum LarsMessage {
    /// msgid 1
    GetRouteRequest(GetRouteRequest),
    /// msgid 2
    GetRouteResponse(GetRouteResponse),
    /// msgid 3
    ReportStatusRequest(ReportStatusRequest),
    /// msgid 4
    GetHostRequest(GetHostRequest),
    /// msgid 5
    GetHostResponse(GetHostResponse),
    /// msgid 6
    ReportRequest(ReportRequest),
    /// msgid 7
    ApiGetRouteRequest(GetRouteRequest),
    /// msgid 8
    ApiGetRouteResponse(GetRouteResponse),
}

/// Why a frame body is not a Lars message.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The msgid is not one of [`MessageId`] 1..=8.
    #[error("unknown msgid {0}")]
    UnknownMsgid(i32),
    /// The body is not valid protobuf for the msgid's message.
    #[error("msgid {0}: {1}")]
    Body(i32, prost::DecodeError),
}

impl LarsMessage {
    /// Decodes `body` as the message `msgid` names.
    pub fn decode(msgid: i32, body: &[u8]) -> Result<LarsMessage, DecodeError> {
        let id = MessageId::try_from(msgid).map_err(|_| DecodeError::UnknownMsgid(msgid))?;
        let wrap = |e| DecodeError::Body(msgid, e);
        Ok(match id {
            MessageId::IdUnknow => return Err(DecodeError::UnknownMsgid(msgid)),
            MessageId::IdGetRouteRequest => {
                Self::GetRouteRequest(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdGetRouteResponse => {
                Self::GetRouteResponse(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdReportStatusRequest => {
                Self::ReportStatusRequest(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdGetHostRequest => {
                Self::GetHostRequest(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdGetHostResponse => {
                Self::GetHostResponse(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdReportRequest => Self::ReportRequest(Message::decode(body).map_err(wrap)?),
            MessageId::IdApiGetRouteRequest => {
                Self::ApiGetRouteRequest(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdApiGetRouteResponse => {
                Self::ApiGetRouteResponse(Message::decode(body).map_err(wrap)?)
            }
        })
    }

    /// The message id this message travels under.
    pub fn id(&self) -> MessageId {
        match self {
            Self::GetRouteRequest(_) => MessageId::IdGetRouteRequest,
            Self::GetRouteResponse(_) => MessageId::IdGetRouteResponse,
            Self::ReportStatusRequest(_) => MessageId::IdReportStatusRequest,
            Self::GetHostRequest(_) => MessageId::IdGetHostRequest,
            Self::GetHostResponse(_) => MessageId::IdGetHostResponse,
            Self::ReportRequest(_) => MessageId::IdReportRequest,
            Self::ApiGetRouteRequest(_) => MessageId::IdApiGetRouteRequest,
            Self::ApiGetRouteResponse(_) => MessageId::IdApiGetRouteResponse,
        }
    }

    /// Encodes this message as a complete frame.
    pub fn to_frame(&self) -> Result<Vec<u8>, FrameError> {
        let id = self.id();
        match self {
            Self::GetRouteRequest(m) | Self::ApiGetRouteRequest(m) => encode(id, m),
            Self::GetRouteResponse(m) | Self::ApiGetRouteResponse(m) => encode(id, m),
            Self::ReportStatusRequest(m) => encode(id, m),
            Self::GetHostRequest(m) => encode(id, m),
            Self::GetHostResponse(m) => encode(id, m),
            Self::ReportRequest(m) => encode(id, m),
        }
    }
}
