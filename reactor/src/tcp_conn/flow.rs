//! Back-pressure on a [`TcpConn`]: pausing and resuming reading, and the
//! socket's registered interest that follows from it and from unsent
//! output.
//!
//! | reading | output queued | registered for |
//! |---|---|---|
//! | yes | no | readable |
//! | yes | yes | readable, writable |
//! | paused | yes | writable |
//! | paused | no | nothing (deregistered) |

use std::time::Instant;

use mio::{Interest, Registry};

use super::TcpConn;

impl TcpConn {
    /// Stops reading: no further frame is dispatched (those already
    /// received wait in the input buffer) and the socket is not read, so
    /// its receive buffer fills and TCP slows the peer down. Writing goes
    /// on. Undone by [`ConnHandle::resume_reading`](crate::ConnHandle::resume_reading).
    /// Loop thread only (typically from a handler that cannot take more).
    pub fn pause_reading(&mut self) {
        self.reading = false;
    }

    /// Whether reading is paused.
    pub fn is_reading_paused(&self) -> bool {
        !self.reading
    }

    /// Resumes reading: runs the resume hook (which may pause again), then
    /// dispatches the frames already received and reads the socket.
    pub(crate) fn resume_reading(&mut self, registry: &Registry) {
        if self.reading || self.is_closed() {
            return;
        }
        self.reading = true;
        self.deadline.resumed(Instant::now());
        let handlers = self.handlers.clone();
        if let Some(hook) = &handlers.hooks.on_resume {
            hook(self);
        }
        if self.reading {
            self.dispatch_frames();
        }
        // What arrived while paused raised no new edge: read it now.
        self.read_and_dispatch(registry);
    }

    /// The interest the socket should be registered with now.
    fn wanted_interest(&self) -> Option<Interest> {
        let writing = !self.output.is_empty();
        match (self.reading, writing) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        }
    }

    /// Registers, re-registers or deregisters the socket to match
    /// [`wanted_interest`](Self::wanted_interest); `force` re-registers even
    /// when nothing changed (to re-arm an edge).
    pub(super) fn sync_interest(&mut self, registry: &Registry, force: bool) {
        let want = self.wanted_interest();
        if want == self.registered && !force {
            return;
        }
        let Some(stream) = self.stream.as_mut() else {
            return;
        };
        let result = match (self.registered, want) {
            (None, Some(interest)) => registry.register(stream, self.token, interest),
            (Some(_), Some(interest)) => registry.reregister(stream, self.token, interest),
            (Some(_), None) => registry.deregister(stream),
            (None, None) => Ok(()),
        };
        match result {
            Ok(()) => self.registered = want,
            Err(e) => self.shutdown(&format!("registering the socket failed: {e}")),
        }
    }
}
