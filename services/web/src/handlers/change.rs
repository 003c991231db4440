//! The handlers of the forms that change a route: add a host, set a
//! weight, remove a host (after a confirmation page), set the policy.
//!
//! Each checks who may change ([`judge_change`]), then the form's values,
//! and only then makes one store edit — one transaction, exactly like
//! `lars route` — so a refused form writes nothing. A refused form comes
//! back (`422`) with its values and the messages by its fields; a done one
//! redirects (`303`) to the module's page, which says what was done.

use axum::extract::rejection::FormRejection;
use axum::extract::{Extension, Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use lars_proto::ModuleId;
use lars_store::{RouteEdit, StoreError};

use crate::access::{judge_change, Verdict, TOKEN_HEADER};
use crate::app::{ReqSession, Shared};
use crate::db::DbError;
use crate::handlers::read::module_view;
use crate::handlers::{error_response, path_module, store_failed, Early};
use crate::input::{AddHostForm, FieldError, PolicyForm, RemoveForm, WeightForm};
use crate::pages::layout::{module_path, PageCtx};
use crate::pages::module::{confirm_remove_page, module_page, FormKind, ModuleView};

/// One change request: who sent it and for which module.
struct Change<'a> {
    app: &'a Shared,
    session: &'a ReqSession,
    headers: &'a HeaderMap,
    path: Path<(String, String)>,
}

impl Change<'_> {
    /// The module and page context, if the sender may change it with this
    /// form; else the answer.
    fn admit(&self, csrf: Option<&str>) -> Result<(ModuleId, PageCtx), Early> {
        let module_ctx = self.app.page_ctx(self.session, "/modules");
        let module = path_module(&self.path, &module_ctx)?;
        let ctx = self.app.page_ctx(self.session, &module_path(module));
        let header_token = self
            .headers
            .get(TOKEN_HEADER)
            .map(|v| v.to_str().unwrap_or("\u{0}"));
        let admin_token = self.app.settings.admin_token.as_deref();
        match judge_change(admin_token, header_token, self.session.0.as_ref(), csrf) {
            Verdict::Allowed => Ok((module, ctx)),
            Verdict::NeedToken => Err(Early::from(error_response(
                StatusCode::UNAUTHORIZED,
                "admin token needed",
                "Changing routes needs the admin token: sign in, or send it in the \
                 X-Lars-Token header. Nothing was changed.",
                &ctx,
            ))),
            Verdict::BadForm => Err(Early::from(error_response(
                StatusCode::FORBIDDEN,
                "form out of date",
                "This form does not belong to a live session of this console (it \
                 restarted, or the session expired). Nothing was changed: reload the \
                 page and try again.",
                &ctx,
            ))),
        }
    }

    /// Checks, then applies `parsed`; `refill` puts the form's values back
    /// into the page of a refusal.
    async fn apply(
        &self,
        csrf: Option<&str>,
        kind: FormKind,
        parsed: Result<RouteEdit, Vec<FieldError>>,
        refill: impl FnOnce(&mut ModuleView),
    ) -> Response {
        let (module, ctx) = match self.admit(csrf) {
            Ok(ok) => ok,
            Err(resp) => return resp.into_response(),
        };
        let edit = match parsed {
            Ok(edit) => edit,
            Err(errors) => return self.refused(&ctx, module, kind, errors, refill).await,
        };
        match self.app.db.edit(module, edit).await {
            Ok(version) => {
                let done = format!("Done: {} (route version {version}).", edit.action(module));
                log::info!("lars-web: {}", done);
                if let Some(s) = &self.session.0 {
                    self.app.sessions.set_flash(&s.id, done);
                }
                Redirect::to(&module_path(module)).into_response()
            }
            Err(DbError::Store(StoreError::HostExists { host, .. })) => {
                let e =
                    FieldError::new("ip", format!("{host} is already a host of module {module}"));
                self.refused(&ctx, module, kind, vec![e], refill).await
            }
            Err(DbError::Store(StoreError::HostAbsent { host, .. })) => {
                let e = FieldError::new(
                    "host",
                    format!("{host} is not a host of module {module} (removed meanwhile?); nothing was changed"),
                );
                self.refused(&ctx, module, kind, vec![e], refill).await
            }
            Err(e) => store_failed(&e, &ctx),
        }
    }

    async fn refused(
        &self,
        ctx: &PageCtx,
        module: ModuleId,
        kind: FormKind,
        errors: Vec<FieldError>,
        refill: impl FnOnce(&mut ModuleView),
    ) -> Response {
        match module_view(self.app, module).await {
            Ok(mut view) => {
                refill(&mut view);
                view.refused = (kind, errors);
                (StatusCode::UNPROCESSABLE_ENTITY, module_page(ctx, &view)).into_response()
            }
            Err(e) => store_failed(&e, ctx),
        }
    }
}

/// The answer for a body that is no form.
fn bad_form(app: &Shared, session: &ReqSession, rejection: &FormRejection) -> Response {
    let ctx = app.page_ctx(session, "/modules");
    error_response(
        StatusCode::BAD_REQUEST,
        "not a form",
        &rejection.body_text(),
        &ctx,
    )
}

/// `POST /modules/M/C/hosts`: add a host.
pub async fn add_host(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    form: Result<Form<AddHostForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(r) => return bad_form(&app, &session, &r),
    };
    let change = Change {
        app: &app,
        session: &session,
        headers: &headers,
        path,
    };
    let refill = |v: &mut ModuleView| v.add = form.clone();
    change
        .apply(form.csrf.as_deref(), FormKind::Add, form.edit(), refill)
        .await
}

/// `POST /modules/M/C/weight`: set a host's weight.
pub async fn set_weight(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    form: Result<Form<WeightForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(r) => return bad_form(&app, &session, &r),
    };
    let kind = match form.host.parse() {
        Ok(host) => FormKind::Weight(host),
        Err(_) => FormKind::None,
    };
    let change = Change {
        app: &app,
        session: &session,
        headers: &headers,
        path,
    };
    change
        .apply(form.csrf.as_deref(), kind, form.edit(), |_| {})
        .await
}

/// `POST /modules/M/C/remove`: the confirmation page, then (with
/// `confirm=yes`) the removal.
pub async fn remove_host(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    form: Result<Form<RemoveForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(r) => return bad_form(&app, &session, &r),
    };
    let change = Change {
        app: &app,
        session: &session,
        headers: &headers,
        path,
    };
    let parsed = form.edit();
    if let (false, Ok(RouteEdit::DelHost(host))) = (form.confirmed(), &parsed) {
        return match change.admit(form.csrf.as_deref()) {
            Ok((module, ctx)) => confirm_remove_page(&ctx, module, *host).into_response(),
            Err(resp) => resp.into_response(),
        };
    }
    let kind = match parsed {
        Ok(RouteEdit::DelHost(host)) => FormKind::Remove(host),
        _ => FormKind::None,
    };
    change
        .apply(form.csrf.as_deref(), kind, parsed, |_| {})
        .await
}

/// `POST /modules/M/C/policy`: set the policy and panic threshold.
pub async fn set_policy(
    State(app): State<Shared>,
    Extension(session): Extension<ReqSession>,
    headers: HeaderMap,
    path: Path<(String, String)>,
    form: Result<Form<PolicyForm>, FormRejection>,
) -> Response {
    let Form(form) = match form {
        Ok(f) => f,
        Err(r) => return bad_form(&app, &session, &r),
    };
    let change = Change {
        app: &app,
        session: &session,
        headers: &headers,
        path,
    };
    let refill = |v: &mut ModuleView| v.policy = Some(form.clone());
    change
        .apply(form.csrf.as_deref(), FormKind::Policy, form.edit(), refill)
        .await
}
