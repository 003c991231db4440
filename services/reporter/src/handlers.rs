//! The report service's message handler, registered on each worker loop:
//! `ID_ReportStatusRequest` goes to [`Ingest::submit`]. Nothing is answered
//! (the original answers nothing either). Unknown msgids and undecodable
//! bodies are logged (throttled) and dropped by the reactor; the connection
//! stays open.
//!
//! When a writer's queue is full the connection keeps the rows it could
//! not queue ([`Blocked`], its user state) and pauses reading; when the
//! writer's drainer resumes it, the resume hook queues them first, pausing
//! again if there is still no room.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use lars_proto::{msgid, ReportStatusRequest};
use lars_reactor::{Handlers, MsgRouter, TcpConn};

use crate::ingest::{Blocked, Ingest, IngestLog};

/// Builds the handlers of one worker loop; the loop's throttled warnings
/// live in the handler.
pub fn make_handlers(ingest: Arc<Ingest>) -> Handlers {
    // Each callback borrows the log only while it runs.
    let log = Rc::new(RefCell::new(IngestLog::default()));
    let (on_report, report_log) = (ingest.clone(), log.clone());
    let mut router = MsgRouter::new();
    router
        .on(
            msgid::REPORT_STATUS_REQUEST,
            move |conn: &mut TcpConn, req: ReportStatusRequest| {
                let log = &mut report_log.borrow_mut();
                if let Some(blocked) = on_report.submit(&req, conn.peer_addr(), log) {
                    hold(&on_report, conn, blocked, log);
                }
            },
        )
        .expect("msgid registered once");
    Handlers::new(router).on_resume(move |conn| {
        let blocked = conn
            .take_user_state()
            .and_then(|state| state.downcast::<Blocked>().ok());
        if let Some(rest) = blocked.and_then(|b| ingest.retry(*b)) {
            hold(&ingest, conn, rest, &mut log.borrow_mut());
        }
    })
}

/// Waits for room in the writer's queue with `blocked` kept on `conn`,
/// reading paused — unless a last try finds room: the drainer may have
/// made some between the failed send and the registration.
fn hold(ingest: &Ingest, conn: &mut TcpConn, blocked: Blocked, log: &mut IngestLog) {
    let writer = blocked.writer();
    ingest.wait_for_room(writer, conn.handle());
    if let Some(rest) = ingest.retry(blocked) {
        conn.set_user_state(rest);
        conn.pause_reading();
        ingest.paused();
        let peer = conn.peer_addr();
        log.paused
            .warn(|| format!("writer {writer}'s queue is full: pausing {peer} until it has room"));
    }
}
