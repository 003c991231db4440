//! Signing in with the admin token (once per session) and out.
//!
//! The sign-in form carries the session's CSRF token like every form. A
//! right token ends the session and starts a new, signed-in one under a
//! new id; a wrong one is answered after [`WRONG_TOKEN_DELAY`], which
//! bounds how fast tokens can be guessed through one connection.

use std::time::{Duration, Instant};

use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::access::local_path;
use crate::app::{session_cookie, ReqSession, Shared};
use crate::handlers::error_response;
use crate::pages::login::login_page;
use crate::session::same_secret;

/// How long a wrong token waits for its answer.
pub const WRONG_TOKEN_DELAY: Duration = Duration::from_millis(300);

/// The sign-in page's query and form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    csrf: Option<String>,
    token: String,
    next: String,
}

fn next_or_home(next: &str) -> &str {
    if local_path(next) {
        next
    } else {
        "/modules"
    }
}

/// `GET /login?next=PATH`.
pub async fn page(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    Query(q): Query<LoginForm>,
) -> Response {
    let ctx = app.page_ctx(&session, "/login");
    login_page(&ctx, next_or_home(&q.next), None).into_response()
}

/// `POST /login`.
pub async fn sign_in(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let form = form.map(|f| f.0).unwrap_or_default();
    let ctx = app.page_ctx(&session, "/login");
    let live = session.0.as_ref().filter(|s| {
        form.csrf
            .as_deref()
            .is_some_and(|csrf| same_secret(csrf, &s.csrf))
    });
    let Some(live) = live else {
        let message = "This form does not belong to a live session of this console: \
                       reload the page and try again.";
        return error_response(StatusCode::FORBIDDEN, "form out of date", message, &ctx);
    };
    let next = next_or_home(&form.next);
    let Some(token) = app.settings.admin_token.as_deref() else {
        return Redirect::to(next).into_response();
    };
    if !same_secret(form.token.trim(), token) {
        tokio::time::sleep(WRONG_TOKEN_DELAY).await;
        log::warn!("lars-web: a wrong admin token was entered");
        let page = login_page(&ctx, next, Some("That is not the admin token."));
        return (StatusCode::UNAUTHORIZED, page).into_response();
    }
    let admin = app.sessions.promote(&live.id, Instant::now());
    app.sessions
        .set_flash(&admin.id, "Signed in: you may change routes.".to_string());
    (
        [(header::SET_COOKIE, session_cookie(Some(&admin.id)))],
        Redirect::to(next),
    )
        .into_response()
}

/// `POST /logout`.
pub async fn sign_out(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    let csrf = form.ok().and_then(|f| f.0.csrf);
    if let Some(s) = session.0.as_ref() {
        if csrf.as_deref().is_some_and(|c| same_secret(c, &s.csrf)) {
            app.sessions.end(&s.id);
            return (
                [(header::SET_COOKIE, session_cookie(None))],
                Redirect::to("/modules"),
            )
                .into_response();
        }
    }
    let ctx = app.page_ctx(&session, "/modules");
    let message = "This form does not belong to a live session: reload the page.";
    error_response(StatusCode::FORBIDDEN, "form out of date", message, &ctx)
}
