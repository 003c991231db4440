//! [`ModuleReq`]: what every handler of a `/modules/MODID/CMDID/...` path
//! starts from — the state, the session, the page context, the module —
//! taken from the request before the handler runs; a path that names no
//! module is answered `400` right there.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use lars_proto::ModuleId;

use crate::app::{ReqSession, Shared};
use crate::handlers::{error_response, Early};
use crate::input::parse_module;
use crate::pages::layout::{module_path, PageCtx};

/// A request for one module's page or form.
pub struct ModuleReq {
    /// The console's state.
    pub app: Shared,
    /// The request's session.
    pub session: ReqSession,
    /// The request's headers (a change may carry the admin token).
    pub headers: HeaderMap,
    /// The module.
    pub module: ModuleId,
    /// What the page shows of the session (its message taken).
    pub ctx: PageCtx,
}

impl FromRequestParts<Shared> for ModuleReq {
    type Rejection = Early;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<ModuleReq, Early> {
        let session = parts
            .extensions
            .get::<ReqSession>()
            .cloned()
            .unwrap_or(ReqSession(None));
        let ids = Path::<(String, String)>::from_request_parts(parts, app).await;
        let parsed = match &ids {
            Ok(Path((modid, cmdid))) => parse_module(modid, cmdid),
            Err(_) => parse_module("", ""),
        };
        let module = parsed.map_err(|errors| {
            let ctx = app.page_ctx(&session, "/modules");
            let message: Vec<String> = errors.into_iter().map(|e| e.message).collect();
            let message = message.join("; ");
            Early::from(error_response(
                StatusCode::BAD_REQUEST,
                "no such module",
                &message,
                &ctx,
            ))
        })?;
        let ctx = app.page_ctx(&session, &module_path(module));
        Ok(ModuleReq {
            app: app.clone(),
            session,
            headers: parts.headers.clone(),
            module,
            ctx,
        })
    }
}
