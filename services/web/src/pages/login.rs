//! The sign-in page: the admin token, entered once per session.

use maud::{html, Markup};

use crate::pages::layout::{page, PageCtx};
use crate::pages::widgets::csrf_field;

/// The sign-in page; `next` is where to go afterwards, `error` the message
/// for a wrong token.
pub fn login_page(ctx: &PageCtx, next: &str, error: Option<&str>) -> Markup {
    let body = html! {
        h1 { "Sign in" }
        @if !ctx.token_required {
            p { "This console has no admin token: changes need none. Set "
                code { "[web] admin_token" } " or " code { "LARS_WEB_TOKEN" } " to require one." }
        } @else if ctx.signed_in {
            p { "You are signed in. " a href=(next) { "Go on" } }
        } @else {
            p { "Changing routes needs the admin token of this console ("
                code { "[web] admin_token" } " or " code { "LARS_WEB_TOKEN" } ")." }
            form #login method="post" action="/login" {
                (csrf_field(ctx))
                input type="hidden" name="next" value=(next);
                label { "admin token " input type="password" name="token" autocomplete="current-password" required autofocus; }
                @if let Some(e) = error { " " span.field-error data-field="token" { (e) } }
                " " button type="submit" { "Sign in" }
            }
        }
    };
    page("Sign in", ctx, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_carries_csrf_and_next_and_shows_a_wrong_token() {
        let ctx = PageCtx {
            token_required: true,
            csrf: "c".into(),
            ..PageCtx::default()
        };
        let html = login_page(&ctx, "/modules/1/1", Some("wrong token")).into_string();
        crate::pages::assert_has(
            &html,
            &[
                r#"<input type="hidden" name="next" value="/modules/1/1">"#,
                r#"<input type="hidden" name="csrf" value="c">"#,
                r#"<span class="field-error" data-field="token">wrong token</span>"#,
            ],
        );
        let open = login_page(&PageCtx::default(), "/", None).into_string();
        assert!(
            open.contains("no admin token") && !open.contains("<form id=\"login\""),
            "{open}"
        );
    }
}
