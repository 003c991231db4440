//! [`App`]: the console's shared state, its routes, and the layer every
//! request passes: the `Host` check, the session (cookie in, cookie out)
//! and the security headers.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::access::host_allowed;
use crate::agents::AgentClient;
use crate::config::WebSettings;
use crate::db::Db;
use crate::handlers::{change, login, read};
use crate::pages::layout::{error_page, PageCtx};
use crate::session::{SessionView, Sessions, COOKIE};

/// What every request handler shares. Safe from any task.
pub struct App {
    /// The settings the console started with.
    pub settings: WebSettings,
    /// The store.
    pub db: Arc<Db>,
    /// The browser sessions.
    pub sessions: Sessions,
    /// The client of the agents' `/modules`.
    pub agents: AgentClient,
}

/// The state handlers get.
pub type Shared = Arc<App>;

/// The session of a request, put in its extensions by the request layer:
/// always there on `GET` (made if needed), `None` on a `POST` without a
/// live session.
#[derive(Debug, Clone)]
pub struct ReqSession(pub Option<SessionView>);

impl App {
    /// The state for `settings`; opens nothing yet.
    pub fn new(settings: WebSettings) -> Shared {
        Arc::new(App {
            db: Db::new(settings.store.clone()),
            agents: AgentClient::new(settings.agent_timeout),
            sessions: Sessions::new(),
            settings,
        })
    }

    /// What every page shows of `session` on `path` (takes the message the
    /// last change left).
    pub fn page_ctx(&self, session: &ReqSession, path: &str) -> PageCtx {
        let s = session.0.as_ref();
        PageCtx {
            csrf: s.map(|s| s.csrf.clone()).unwrap_or_default(),
            token_required: self.settings.admin_token.is_some(),
            signed_in: s.is_some_and(|s| s.admin),
            flash: s.and_then(|s| self.sessions.take_flash(&s.id)),
            path: path.to_string(),
            store: self.db.describe(),
        }
    }
}

/// The console's routes on `app`.
pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/", get(read::root))
        .route("/modules", get(read::modules))
        .route("/modules/open", get(read::open_module))
        .route("/modules/{modid}/{cmdid}", get(read::module))
        .route("/modules/{modid}/{cmdid}/stats", get(read::stats))
        .route("/modules/{modid}/{cmdid}/live", get(read::live))
        .route(
            "/modules/{modid}/{cmdid}/live/fragment",
            get(read::live_fragment),
        )
        .route("/modules/{modid}/{cmdid}/hosts", post(change::add_host))
        .route("/modules/{modid}/{cmdid}/weight", post(change::set_weight))
        .route("/modules/{modid}/{cmdid}/remove", post(change::remove_host))
        .route("/modules/{modid}/{cmdid}/policy", post(change::set_policy))
        .route("/login", get(login::page).post(login::sign_in))
        .route("/logout", post(login::sign_out))
        .route("/static/style.css", get(read::style))
        .route("/static/live.js", get(read::script))
        .fallback(read::not_found)
        .layer(middleware::from_fn_with_state(app.clone(), request_layer))
        .with_state(app)
}

/// The cookie value `name` of `headers`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The `Set-Cookie` value for session `id`; `None` ends it.
pub fn session_cookie(id: Option<&str>) -> HeaderValue {
    let text = match id {
        Some(id) => format!("{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict"),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    };
    HeaderValue::from_str(&text).expect("session ids are hex")
}

async fn request_layer(State(app): State<Shared>, mut req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    if !host_allowed(host, &app.settings.host_names) {
        let message = format!(
            "This console does not answer to the host name '{}'; add it to [web] host_names.",
            host.unwrap_or("")
        );
        let page = error_page(421, "unknown host name", &message, &PageCtx::default());
        return secured((StatusCode::MISDIRECTED_REQUEST, page).into_response());
    }
    let now = Instant::now();
    let id = cookie(req.headers(), COOKIE);
    let session = if matches!(*req.method(), Method::GET | Method::HEAD) {
        Some(app.sessions.get_or_create(id.as_deref(), now))
    } else {
        id.and_then(|id| app.sessions.get(&id, now))
    };
    let new_id = session.as_ref().filter(|s| s.is_new).map(|s| s.id.clone());
    req.extensions_mut().insert(ReqSession(session));
    let mut resp = next.run(req).await;
    if let Some(id) = new_id {
        // A handler that set its own session cookie (sign-in) wins.
        if !resp.headers().contains_key(header::SET_COOKIE) {
            resp.headers_mut()
                .insert(header::SET_COOKIE, session_cookie(Some(&id)));
        }
    }
    secured(resp)
}

/// `resp` with the headers every answer carries: no framing, no sniffing,
/// no scripts or styles but the console's own, no caching of pages.
fn secured(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(h, "x-frame-options", "DENY");
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    if !h.contains_key(header::CACHE_CONTROL) {
        set(h, "cache-control", "no-store");
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_set_strict() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; lars_web_session=abc"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&headers, COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&headers, "lars_web"), None);
        assert_eq!(
            session_cookie(Some("abc")),
            "lars_web_session=abc; Path=/; HttpOnly; SameSite=Strict"
        );
        assert!(session_cookie(None)
            .to_str()
            .unwrap()
            .ends_with("Max-Age=0"));
    }
}
