//! The handlers of the forms that change a route: add a host, set a
//! weight, remove a host (after a confirmation page), set the policy.
//!
//! Each checks who may change ([`judge_change`]), then the form's values,
//! and only then makes one store edit — one transaction, exactly like
//! `lars route` — so a refused form writes nothing. A refused form comes
//! back (`422`) with its values and the messages by its fields; a done one
//! redirects (`303`) to the module's page, which says what was done.

use axum::extract::rejection::FormRejection;
use axum::extract::Form;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use lars_store::{RouteEdit, StoreError};

use crate::access::{judge_change, Verdict, TOKEN_HEADER};
use crate::db::DbError;
use crate::handlers::extract::ModuleReq;
use crate::handlers::read::module_view;
use crate::handlers::{error_response, store_failed, Early};
use crate::input::{AddHostForm, FieldError, PolicyForm, RemoveForm, WeightForm};
use crate::pages::layout::module_path;
use crate::pages::module::{confirm_remove_page, module_page, FormKind, ModuleView};

/// Whether the sender of `req` may change its module with a form that
/// carries `csrf`; else the answer.
fn admit(req: &ModuleReq, csrf: Option<&str>) -> Result<(), Early> {
    let header_token = req
        .headers
        .get(TOKEN_HEADER)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let admin_token = req.app.settings.admin_token.as_deref();
    let (status, title, message) =
        match judge_change(admin_token, header_token, req.session.0.as_ref(), csrf) {
            Verdict::Allowed => return Ok(()),
            Verdict::NeedToken => (
                StatusCode::UNAUTHORIZED,
                "admin token needed",
                "Changing routes needs the admin token: sign in, or send it in the \
                 X-Lars-Token header. Nothing was changed.",
            ),
            Verdict::BadForm => (
                StatusCode::FORBIDDEN,
                "form out of date",
                "This form does not belong to a live session of this console (it \
                 restarted, or the session expired). Nothing was changed: reload the \
                 page and try again.",
            ),
        };
    Err(Early::from(error_response(
        status, title, message, &req.ctx,
    )))
}

/// The form of a request, or the answer for a body that is no form.
fn form_of<T>(req: &ModuleReq, form: Result<Form<T>, FormRejection>) -> Result<T, Early> {
    form.map(|Form(f)| f).map_err(|rejection| {
        let text = rejection.body_text();
        Early::from(error_response(
            StatusCode::BAD_REQUEST,
            "not a form",
            &text,
            &req.ctx,
        ))
    })
}

impl ModuleReq {
    /// Checks, then applies `parsed`; `refill` puts the form's values back
    /// into the page of a refusal.
    async fn apply(
        &self,
        csrf: Option<&str>,
        kind: FormKind,
        parsed: Result<RouteEdit, Vec<FieldError>>,
        refill: impl FnOnce(&mut ModuleView),
    ) -> Response {
        if let Err(resp) = admit(self, csrf) {
            return resp.into_response();
        }
        let (module, ctx) = (self.module, &self.ctx);
        let edit = match parsed {
            Ok(edit) => edit,
            Err(errors) => return self.refused(kind, errors, refill).await,
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
                self.refused(kind, vec![e], refill).await
            }
            Err(DbError::Store(StoreError::HostAbsent { host, .. })) => {
                let e = FieldError::new(
                    "host",
                    format!("{host} is not a host of module {module} (removed meanwhile?); nothing was changed"),
                );
                self.refused(kind, vec![e], refill).await
            }
            Err(e) => store_failed(&e, ctx),
        }
    }

    async fn refused(
        &self,
        kind: FormKind,
        errors: Vec<FieldError>,
        refill: impl FnOnce(&mut ModuleView),
    ) -> Response {
        match module_view(&self.app, self.module).await {
            Ok(mut view) => {
                refill(&mut view);
                view.refused = (kind, errors);
                let page = module_page(&self.ctx, &view);
                (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
            }
            Err(e) => store_failed(&e, &self.ctx),
        }
    }
}

/// `POST /modules/M/C/hosts`: add a host.
pub async fn add_host(req: ModuleReq, form: Result<Form<AddHostForm>, FormRejection>) -> Response {
    let form = match form_of(&req, form) {
        Ok(f) => f,
        Err(resp) => return resp.into_response(),
    };
    let refill = |v: &mut ModuleView| v.add = form.clone();
    req.apply(form.csrf.as_deref(), FormKind::Add, form.edit(), refill)
        .await
}

/// `POST /modules/M/C/weight`: set a host's weight.
pub async fn set_weight(req: ModuleReq, form: Result<Form<WeightForm>, FormRejection>) -> Response {
    let form = match form_of(&req, form) {
        Ok(f) => f,
        Err(resp) => return resp.into_response(),
    };
    let kind = form.host.parse().map_or(FormKind::None, FormKind::Weight);
    req.apply(form.csrf.as_deref(), kind, form.edit(), |_| {})
        .await
}

/// `POST /modules/M/C/remove`: the confirmation page, then (with
/// `confirm=yes`) the removal.
pub async fn remove_host(
    req: ModuleReq,
    form: Result<Form<RemoveForm>, FormRejection>,
) -> Response {
    let form = match form_of(&req, form) {
        Ok(f) => f,
        Err(resp) => return resp.into_response(),
    };
    let parsed = form.edit();
    let kind = match parsed {
        Ok(RouteEdit::DelHost(host)) => FormKind::Remove(host),
        _ => FormKind::None,
    };
    if let (false, FormKind::Remove(host)) = (form.confirmed(), kind) {
        return match admit(&req, form.csrf.as_deref()) {
            Ok(()) => confirm_remove_page(&req.ctx, req.module, host).into_response(),
            Err(resp) => resp.into_response(),
        };
    }
    req.apply(form.csrf.as_deref(), kind, parsed, |_| {}).await
}

/// `POST /modules/M/C/policy`: set the policy and panic threshold.
pub async fn set_policy(req: ModuleReq, form: Result<Form<PolicyForm>, FormRejection>) -> Response {
    let form = match form_of(&req, form) {
        Ok(f) => f,
        Err(resp) => return resp.into_response(),
    };
    let refill = |v: &mut ModuleView| v.policy = Some(form.clone());
    req.apply(form.csrf.as_deref(), FormKind::Policy, form.edit(), refill)
        .await
}
