//! The report service's message handler, registered on each worker loop:
//! `ID_ReportStatusRequest` goes to [`Ingest::submit`]. Nothing is answered
//! (the original answers nothing either). Unknown msgids and undecodable
//! bodies are logged (throttled) and dropped by the reactor; the connection
//! stays open.

use std::cell::RefCell;
use std::sync::Arc;

use lars_proto::{msgid, ReportStatusRequest};
use lars_reactor::{Handlers, MsgRouter, TcpConn};

use crate::ingest::{Ingest, IngestLog};

/// Builds the handlers of one worker loop; the loop's throttled warnings
/// live in the handler.
pub fn make_handlers(ingest: Arc<Ingest>) -> Handlers {
    let log = RefCell::new(IngestLog::default());
    let mut router = MsgRouter::new();
    router
        .on(
            msgid::REPORT_STATUS_REQUEST,
            move |conn: &mut TcpConn, req: ReportStatusRequest| {
                ingest.submit(&req, conn.peer_addr(), &mut log.borrow_mut());
            },
        )
        .expect("msgid registered once");
    Handlers::new(router)
}
