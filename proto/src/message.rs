//! [`LarsMessage`]: any Lars message, decoded according to the message id
//! of its frame (docs/PROTOCOL.md §2), and encoded back under it.

use prost::Message;

use crate::frame::{self, FrameError};
use crate::pb::*;

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
    /// msgid 9
    ShmAttachRequest(ShmAttachRequest),
    /// msgid 10
    ShmAttachResponse(ShmAttachResponse),
    /// msgid 11
    ShmWakeRequest(ShmWakeRequest),
}

/// Why a frame body is not a Lars message.
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The msgid is not one of [`MessageId`] 1..=11.
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
            MessageId::IdShmAttachRequest => {
                Self::ShmAttachRequest(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdShmAttachResponse => {
                Self::ShmAttachResponse(Message::decode(body).map_err(wrap)?)
            }
            MessageId::IdShmWakeRequest => {
                Self::ShmWakeRequest(Message::decode(body).map_err(wrap)?)
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
            Self::ShmAttachRequest(_) => MessageId::IdShmAttachRequest,
            Self::ShmAttachResponse(_) => MessageId::IdShmAttachResponse,
            Self::ShmWakeRequest(_) => MessageId::IdShmWakeRequest,
        }
    }

    /// Encodes this message as a complete frame.
    pub fn to_frame(&self) -> Result<Vec<u8>, FrameError> {
        let id = self.id();
        match self {
            Self::GetRouteRequest(m) | Self::ApiGetRouteRequest(m) => frame::encode(id, m),
            Self::GetRouteResponse(m) | Self::ApiGetRouteResponse(m) => frame::encode(id, m),
            Self::ReportStatusRequest(m) => frame::encode(id, m),
            Self::GetHostRequest(m) => frame::encode(id, m),
            Self::GetHostResponse(m) => frame::encode(id, m),
            Self::ReportRequest(m) => frame::encode(id, m),
            Self::ShmAttachRequest(m) => frame::encode(id, m),
            Self::ShmAttachResponse(m) => frame::encode(id, m),
            Self::ShmWakeRequest(m) => frame::encode(id, m),
        }
    }
}
