//! Small pieces the forms share: the CSRF field, the message next to a
//! field, the note for a session that may not change routes.

use maud::{html, Markup};

use crate::input::FieldError;
use crate::pages::layout::{urlencode, PageCtx};

/// The hidden field with the session's CSRF token.
pub fn csrf_field(ctx: &PageCtx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf); }
}

/// The messages for `field` among `errors`, next to the field.
pub fn field_error(errors: &[FieldError], field: &str) -> Markup {
    html! {
        @for e in errors.iter().filter(|e| e.field == field) {
            " " span.field-error data-field=(field) { (e.message) }
        }
    }
}

/// The note above forms a session may not use yet.
pub fn locked_note(ctx: &PageCtx) -> Markup {
    html! {
        @if !ctx.may_change() {
            p.locked {
                "Changes need the admin token: "
                a href={ "/login?next=" (urlencode(&ctx.path)) } { "sign in" } "."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fields_own_messages_are_shown() {
        let errors = [
            FieldError::new("ip", "bad ip"),
            FieldError::new("port", "bad port"),
        ];
        assert_eq!(
            field_error(&errors, "port").into_string(),
            r#" <span class="field-error" data-field="port">bad port</span>"#
        );
        assert_eq!(field_error(&errors, "weight").into_string(), "");
    }

    #[test]
    fn the_locked_note_shows_only_without_the_right_to_change() {
        let mut ctx = PageCtx {
            token_required: true,
            path: "/modules/1/1".into(),
            ..PageCtx::default()
        };
        assert!(locked_note(&ctx)
            .into_string()
            .contains("/login?next=/modules/1/1"));
        ctx.signed_in = true;
        assert_eq!(locked_note(&ctx).into_string(), "");
    }
}
