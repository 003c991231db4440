//! The frame every page shares: head, the console's header with the sign-in
//! state, a module's tabs, the message left by the last change, and the
//! error page. Markup only; the handlers pass in what it shows.

use lars_proto::ModuleId;
use maud::{html, Markup, DOCTYPE};

/// What every page needs to know of the request.
#[derive(Debug, Clone, Default)]
pub struct PageCtx {
    /// The session's CSRF token, put in every change form.
    pub csrf: String,
    /// Whether changes need the admin token.
    pub token_required: bool,
    /// Whether the session entered it.
    pub signed_in: bool,
    /// The result of the last change, shown once.
    pub flash: Option<String>,
    /// The page's path, to come back to after signing in.
    pub path: String,
    /// The store, as in its log lines.
    pub store: String,
}

impl PageCtx {
    /// Whether this session may change routes.
    pub fn may_change(&self) -> bool {
        !self.token_required || self.signed_in
    }
}

/// The tabs of a module's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Hosts, weights and policy.
    Hosts,
    /// The reporter's statistics.
    Stats,
    /// The agents' live state.
    Live,
}

/// A module's pages' base path: `/modules/MODID/CMDID`.
pub fn module_path(module: ModuleId) -> String {
    format!("/modules/{}/{}", module.modid, module.cmdid)
}

/// A whole page titled `title` around `body`.
pub fn page(title: &str, ctx: &PageCtx, body: Markup) -> Markup {
    page_with_head(title, ctx, html! {}, body)
}

/// [`page`] with more elements in its `head`.
pub fn page_with_head(title: &str, ctx: &PageCtx, head: Markup, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Lars console" }
                link rel="stylesheet" href="/static/style.css";
                (head)
            }
            body {
                header.top {
                    a.brand href="/modules" { "Lars console" }
                    nav { a href="/modules" { "Modules" } }
                    span.store title="the store lars-dns serves from" { (ctx.store) }
                    (account(ctx))
                }
                main {
                    @if let Some(message) = &ctx.flash {
                        p.flash role="status" { (message) }
                    }
                    (body)
                }
            }
        }
    }
}

/// The sign-in state and its button.
fn account(ctx: &PageCtx) -> Markup {
    html! {
        span.account {
            @if !ctx.token_required {
                span.muted title="set [web] admin_token or LARS_WEB_TOKEN to require one" {
                    "changes need no token"
                }
            } @else if ctx.signed_in {
                form.inline method="post" action="/logout" {
                    input type="hidden" name="csrf" value=(ctx.csrf);
                    "signed in " button.link type="submit" { "Sign out" }
                }
            } @else {
                a href={ "/login?next=" (urlencode(&ctx.path)) } { "Sign in to change routes" }
            }
        }
    }
}

/// A module's heading and its tabs.
pub fn module_header(module: ModuleId, active: Tab) -> Markup {
    let base = module_path(module);
    let tabs = [
        (Tab::Hosts, base.clone(), "Hosts"),
        (Tab::Stats, format!("{base}/stats"), "Statistics"),
        (Tab::Live, format!("{base}/live"), "Live"),
    ];
    html! {
        h1 { "Module " (module) }
        nav.tabs {
            @for (tab, href, label) in tabs {
                a class=[(tab == active).then_some("active")] href=(href) { (label) }
            }
        }
    }
}

/// The page of an error answer: `status` and what went wrong.
pub fn error_page(status: u16, title: &str, message: &str, ctx: &PageCtx) -> Markup {
    page(
        &format!("Error {status}: {title}"),
        ctx,
        html! {
            section.error data-status=(status) {
                h1 { "Error " (status) ": " (title) }
                p { (message) }
                p { a href="/modules" { "Back to the modules" } }
            }
        },
    )
}

/// `text` for a query string value: everything but unreserved characters
/// percent-encoded.
pub fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(urlencode("/modules/1/-2"), "/modules/1/-2");
        assert_eq!(urlencode("/a?b=c&d"), "/a%3Fb%3Dc%26d");
        assert_eq!(urlencode("é "), "%C3%A9%20");
    }

    #[test]
    fn the_header_says_whether_changes_need_a_token() {
        let mut ctx = PageCtx {
            path: "/modules/1/1".into(),
            ..PageCtx::default()
        };
        let open = page("t", &ctx, html! {}).into_string();
        assert!(open.contains("changes need no token"), "{open}");
        ctx.token_required = true;
        let locked = page("t", &ctx, html! {}).into_string();
        assert!(
            locked.contains(r#"href="/login?next=/modules/1/1""#),
            "{locked}"
        );
        assert!(!ctx.may_change());
        ctx.signed_in = true;
        ctx.csrf = "tok".into();
        let signed = page("t", &ctx, html! {}).into_string();
        assert!(
            signed.contains(r#"<input type="hidden" name="csrf" value="tok">"#),
            "{signed}"
        );
        assert!(ctx.may_change());
    }

    #[test]
    fn errors_carry_their_status_and_escape_the_message() {
        let html = error_page(503, "store unavailable", "<x>", &PageCtx::default()).into_string();
        crate::pages::assert_has(
            &html,
            &[
                "<title>Error 503: store unavailable · Lars console</title>",
                r#"data-status="503""#,
            ],
        );
        assert!(
            html.contains("&lt;x&gt;") && !html.contains("<x>"),
            "{html}"
        );
    }
}
