//! The handlers of the pages that only read: Modules, Module, Statistics,
//! Live (and its refreshed part), the static files, and not-found.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use lars_proto::ModuleId;
use serde::Deserialize;

use crate::app::{ReqSession, Shared};
use crate::db::DbError;
use crate::handlers::extract::ModuleReq;
use crate::handlers::{error_response, store_failed, unix_now_ms};
use crate::input::{parse_module, FieldError};
use crate::model::stats_per_host;
use crate::pages::layout::module_path;
use crate::pages::live::{live_fragment as fragment, live_page, LiveView};
use crate::pages::module::{module_page, ModuleView};
use crate::pages::modules::{modules_page, ModulesView};
use crate::pages::stats::{stats_page, StatsView};

/// The console's style sheet.
const STYLE: &str = include_str!("../../static/style.css");
/// The Live page's refresh.
const LIVE_JS: &str = include_str!("../../static/live.js");

/// The query of the Modules page and of the open-module form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ModulesQuery {
    modid: String,
    cmdid: String,
}

/// `/`: the Modules page.
pub async fn root() -> Redirect {
    Redirect::to("/modules")
}

/// `GET /modules[?modid=N]`.
pub async fn modules(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    uri: Uri,
    query: Result<Query<ModulesQuery>, QueryRejection>,
) -> Response {
    let ctx = app.page_ctx(&session, &uri.to_string());
    let filter = query.map(|q| q.0.modid).unwrap_or_default();
    let mut view = ModulesView {
        filter: filter.trim().to_string(),
        now_s: unix_now_ms() / 1000,
        ..ModulesView::default()
    };
    let modid = match view.filter.as_str() {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(m) => Some(m),
            Err(_) => {
                view.errors.push(FieldError::new(
                    "filter",
                    format!("'{text}' is not a modid (a 32-bit integer)"),
                ));
                return (StatusCode::UNPROCESSABLE_ENTITY, modules_page(&ctx, &view))
                    .into_response();
            }
        },
    };
    match app.db.modules(modid).await {
        Ok(modules) => {
            view.modules = modules;
            modules_page(&ctx, &view).into_response()
        }
        Err(e) => store_failed(&e, &ctx),
    }
}

/// `GET /modules/open?modid=M&cmdid=C`: to the module's page.
pub async fn open_module(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    Query(q): Query<ModulesQuery>,
) -> Response {
    match parse_module(&q.modid, &q.cmdid) {
        Ok(module) => Redirect::to(&module_path(module)).into_response(),
        Err(errors) => {
            let ctx = app.page_ctx(&session, "/modules");
            let mut view = ModulesView {
                open: (q.modid, q.cmdid),
                errors,
                now_s: unix_now_ms() / 1000,
                ..ModulesView::default()
            };
            view.modules = app.db.modules(None).await.unwrap_or_default();
            (StatusCode::UNPROCESSABLE_ENTITY, modules_page(&ctx, &view)).into_response()
        }
    }
}

/// `GET /modules/M/C`.
pub async fn module(req: ModuleReq) -> Response {
    match module_view(&req.app, req.module).await {
        Ok(view) => module_page(&req.ctx, &view).into_response(),
        Err(e) => store_failed(&e, &req.ctx),
    }
}

/// The Module page's view of `module` as stored, with empty forms.
pub async fn module_view(app: &Shared, module: ModuleId) -> Result<ModuleView, DbError> {
    let route = app.db.module(module).await?;
    Ok(ModuleView {
        module,
        route,
        now_s: unix_now_ms() / 1000,
        ..ModuleView::default()
    })
}

/// `GET /modules/M/C/stats`.
pub async fn stats(req: ModuleReq) -> Response {
    match req.app.db.statuses(req.module).await {
        Ok(rows) => {
            let view = StatsView {
                module: req.module,
                hosts: stats_per_host(&rows),
                now_s: unix_now_ms() / 1000,
            };
            stats_page(&req.ctx, &view).into_response()
        }
        Err(e) => store_failed(&e, &req.ctx),
    }
}

async fn live_view(req: &ModuleReq) -> LiveView {
    let agents = &req.app.settings.agents;
    LiveView {
        module: req.module,
        answers: req.app.agents.module_everywhere(agents, req.module).await,
        now_ms: unix_now_ms(),
    }
}

/// `GET /modules/M/C/live`.
pub async fn live(req: ModuleReq) -> Response {
    live_page(&req.ctx, &live_view(&req).await).into_response()
}

/// `GET /modules/M/C/live/fragment`: the part of the Live page that
/// refreshes.
pub async fn live_fragment(req: ModuleReq) -> Response {
    fragment(&live_view(&req).await).into_response()
}

/// `GET /static/style.css`.
pub async fn style() -> Response {
    static_file("text/css; charset=utf-8", STYLE)
}

/// `GET /static/live.js`.
pub async fn script() -> Response {
    static_file("text/javascript; charset=utf-8", LIVE_JS)
}

fn static_file(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// Any other path.
pub async fn not_found(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    uri: Uri,
) -> Response {
    let ctx = app.page_ctx(&session, "/modules");
    let message = format!("There is no page {}.", uri.path());
    error_response(StatusCode::NOT_FOUND, "not found", &message, &ctx)
}
