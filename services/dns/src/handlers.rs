//! The DNS service's message handlers, registered on each worker loop.
//!
//! `ID_GetRouteRequest`: subscribe the connection to the module (once) if
//! the module has a route, then answer with the module's hosts from the
//! current snapshot. Subscribing before reading the snapshot for the answer
//! means a concurrent reload is either seen in the answer or pushed
//! afterwards, never missed.
//!
//! A module without a route is answered (with no hosts) but not
//! subscribed: an agent drops such a module on that answer and asks again
//! when a caller does, so junk modules (a flood of random ids) never take
//! subscription slots. A connection at its subscription limit first evicts
//! its subscriptions to modules that have lost their route.

use std::sync::Arc;

use lars_proto::{msgid, GetRouteRequest, ModuleId};
use lars_reactor::{Handlers, MsgRouter, TcpConn};

use crate::snapshot::route_response;
use crate::state::DnsState;
use crate::subscriptions::ConnModules;

/// Builds the handlers of one worker loop.
pub fn make_handlers(state: Arc<DnsState>) -> Handlers {
    let mut router = MsgRouter::new();
    let on_request = state.clone();
    router
        .on(
            msgid::GET_ROUTE_REQUEST,
            move |conn: &mut TcpConn, req: GetRouteRequest| get_route(&on_request, conn, req),
        )
        .expect("msgid registered once");
    let on_close = state;
    Handlers::new(router)
        .on_connect(|conn| conn.set_user_state(ConnModules::default()))
        .on_close(move |conn| {
            let id = conn.id();
            if let Some(mine) = conn.user_state::<ConnModules>() {
                let modules = std::mem::take(&mut mine.modules);
                on_close.subscriptions.lock().unsubscribe(id, modules);
            }
        })
}

fn get_route(state: &DnsState, conn: &mut TcpConn, req: GetRouteRequest) {
    let module = ModuleId::new(req.modid, req.cmdid);
    state
        .metrics
        .get_route_requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if req.want_version {
        if let Some(mine) = conn.user_state::<ConnModules>() {
            mine.wants_version = true;
        }
    }
    if state.snapshot.load().route(module).is_some() {
        subscribe(state, conn, module);
    }
    let snapshot = state.snapshot.load();
    let mut response = route_response(module, snapshot.route(module));
    if req.want_version {
        response.version = Some(snapshot.version);
    }
    if let Err(e) = conn.send_message(msgid::GET_ROUTE_RESPONSE, &response) {
        log::error!(
            "{}: route of module {module} not sent: {e}",
            conn.peer_addr()
        );
    }
}

fn subscribe(state: &DnsState, conn: &mut TcpConn, module: ModuleId) {
    if claim(state, conn, module) {
        let wants_version = conn
            .user_state::<ConnModules>()
            .is_some_and(|mine| mine.wants_version);
        // The handle is cloned only for a new subscription, not per request.
        state
            .subscriptions
            .lock()
            .subscribe(module, conn.id(), conn.handle(), wants_version);
    }
}

/// Records `module` in the connection's own module set; whether it is new
/// and within the per-connection limit.
fn claim(state: &DnsState, conn: &mut TcpConn, module: ModuleId) -> bool {
    let (peer, id) = (conn.peer_addr(), conn.id());
    let Some(mine) = conn.user_state::<ConnModules>() else {
        return false;
    };
    if mine.modules.contains(&module) {
        return false;
    }
    if mine.modules.len() >= state.max_subscriptions_per_conn {
        // Make room: drop the subscriptions to modules that lost their route.
        let snapshot = state.snapshot.load();
        let routeless: Vec<ModuleId> = mine
            .modules
            .iter()
            .filter(|m| snapshot.route(**m).is_none())
            .copied()
            .collect();
        if !routeless.is_empty() {
            for m in &routeless {
                mine.modules.remove(m);
            }
            state.subscriptions.lock().unsubscribe(id, routeless);
            return mine.modules.insert(module);
        }
    }
    if mine.modules.len() >= state.max_subscriptions_per_conn {
        if !mine.limit_logged {
            log::warn!(
                "{peer}: subscription limit of {} modules reached; further modules are answered but not pushed",
                state.max_subscriptions_per_conn
            );
            mine.limit_logged = true;
        }
        return false;
    }
    mine.modules.insert(module)
}
