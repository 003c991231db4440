//! The request handlers: `read` (pages that show), `change` (the forms
//! that edit routes), `login` (the admin token), `extract` (the module and
//! session of a request), and what they share here: the clock and the
//! answers for errors.

pub mod change;
pub mod extract;
pub mod login;
pub mod read;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::db::DbError;
use crate::pages::layout::{error_page, PageCtx};

/// Now, Unix milliseconds.
pub fn unix_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An error page answer.
pub fn error_response(status: StatusCode, title: &str, message: &str, ctx: &PageCtx) -> Response {
    let page = error_page(status.as_u16(), title, message, ctx);
    (status, page).into_response()
}

/// An answer that ends a handler early (boxed: a `Response` is large).
pub struct Early(Box<Response>);

impl From<Response> for Early {
    fn from(resp: Response) -> Early {
        Early(Box::new(resp))
    }
}

impl IntoResponse for Early {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// The answer when the store failed: `503`, with the store's message
/// (which names the store and the action, never a password).
pub fn store_failed(e: &DbError, ctx: &PageCtx) -> Response {
    log::warn!("lars-web: {e}");
    error_response(
        StatusCode::SERVICE_UNAVAILABLE,
        "store unavailable",
        &e.to_string(),
        ctx,
    )
}
