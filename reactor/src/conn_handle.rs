//! Reaching a connection from other threads: [`ConnHandle`] posts commands
//! to the loop that owns the connection.

use std::sync::Arc;

use prost::Message;

use crate::event_loop::EventLoop;
use crate::frame::{self, FrameError};
use crate::loop_handle::LoopHandle;

/// Why a message could not be queued.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The connection is closed (or a client is between connections).
    #[error("not connected")]
    NotConnected,
    /// The client was stopped: it will not connect again.
    #[error("the client was stopped")]
    Stopped,
    /// The message does not fit in a frame.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The loop owning the connection has stopped.
    #[error("the connection's loop has stopped")]
    LoopGone,
}

pub(crate) enum ConnCommand {
    Send(Arc<[u8]>),
    Close,
    PauseReading,
    ResumeReading,
}

pub(crate) type Deliver = Arc<dyn Fn(&mut EventLoop, u64, ConnCommand) + Send + Sync>;

/// Reaches a connection from any thread. Cloneable; `Send + Sync`.
///
/// Commands are posted to the owning loop; if the connection has closed by
/// then they are dropped silently.
#[derive(Clone)]
pub struct ConnHandle {
    pub(crate) id: u64,
    pub(crate) loop_handle: LoopHandle,
    pub(crate) deliver: Deliver,
}

impl ConnHandle {
    /// The connection's process-wide unique id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Encodes `msg` and queues it on the connection. Safe from any thread.
    pub fn send_message<M: Message>(&self, msgid: i32, msg: &M) -> Result<(), SendError> {
        let bytes = frame::frame_to_vec(msgid, msg)?;
        self.send_frame(bytes.into())
    }

    /// Queues an encoded frame; one frame can be shared by many connections.
    /// Safe from any thread.
    pub fn send_frame(&self, frame: Arc<[u8]>) -> Result<(), SendError> {
        self.command(ConnCommand::Send(frame))
    }

    /// Closes the connection. Safe from any thread.
    pub fn close(&self) -> Result<(), SendError> {
        self.command(ConnCommand::Close)
    }

    /// Pauses reading, like [`TcpConn::pause_reading`](crate::TcpConn::pause_reading).
    /// Safe from any thread.
    pub fn pause_reading(&self) -> Result<(), SendError> {
        self.command(ConnCommand::PauseReading)
    }

    /// Resumes reading a paused connection: its resume hook runs
    /// ([`Handlers::on_resume`](crate::Handlers::on_resume)), then the
    /// frames it already received are dispatched and its socket is read
    /// again. Nothing happens if it is not paused. Safe from any thread.
    pub fn resume_reading(&self) -> Result<(), SendError> {
        self.command(ConnCommand::ResumeReading)
    }

    fn command(&self, cmd: ConnCommand) -> Result<(), SendError> {
        let (id, deliver) = (self.id, self.deliver.clone());
        if self.loop_handle.post(move |el| deliver(el, id, cmd)) {
            Ok(())
        } else {
            Err(SendError::LoopGone)
        }
    }
}

impl std::fmt::Debug for ConnHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConnHandle({})", self.id)
    }
}
