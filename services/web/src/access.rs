//! Who may change routes, and which requests are served at all: pure
//! decisions, no I/O.
//!
//! A change (any `POST`) is allowed when
//! * it carries the admin token in the [`TOKEN_HEADER`] header (scripts;
//!   a cross-site page cannot set such a header), or
//! * it comes from a live session, carries that session's CSRF token in
//!   its form, and — when an admin token is configured — the session
//!   entered the token once on the sign-in page.
//!
//! Every request must name this console in its `Host` header: an IP
//! address, `localhost`, or a name of `[web] host_names`. A page of another
//! site that makes its own name resolve to 127.0.0.1 (DNS rebinding) is
//! refused that way.

use std::net::IpAddr;

use crate::session::{same_secret, SessionView};

/// The header that carries the admin token on a scripted change.
pub const TOKEN_HEADER: &str = "x-lars-token";

/// Whether a change may go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allowed,
    /// The admin token is missing or wrong: `401`, sign in.
    NeedToken,
    /// No live session or a wrong CSRF token: `403`, reload the page.
    BadForm,
}

/// The verdict on a change; see the module docs. `session` is the live
/// session the request's cookie names, `form_csrf` the form's `csrf` field.
pub fn judge_change(
    admin_token: Option<&str>,
    header_token: Option<&str>,
    session: Option<&SessionView>,
    form_csrf: Option<&str>,
) -> Verdict {
    if let Some(given) = header_token {
        return match admin_token {
            Some(token) if same_secret(given, token) => Verdict::Allowed,
            _ => Verdict::NeedToken,
        };
    }
    let Some(session) = session else {
        return Verdict::BadForm;
    };
    match form_csrf {
        Some(csrf) if same_secret(csrf, &session.csrf) => {}
        _ => return Verdict::BadForm,
    }
    if admin_token.is_some() && !session.admin {
        return Verdict::NeedToken;
    }
    Verdict::Allowed
}

/// Whether a request with `Host` header `host` is for this console: an IP
/// address (with or without port), `localhost`, or one of `names`
/// (lowercase). A request without the header is refused.
pub fn host_allowed(host: Option<&str>, names: &[String]) -> bool {
    let Some(host) = host.map(str::trim).filter(|h| !h.is_empty()) else {
        return false;
    };
    let name = if let Some(rest) = host.strip_prefix('[') {
        // [v6] or [v6]:port
        match rest.split_once(']') {
            Some((v6, _)) => return v6.parse::<IpAddr>().is_ok(),
            None => return false,
        }
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    let name = name.to_ascii_lowercase();
    name.parse::<IpAddr>().is_ok() || name == "localhost" || names.contains(&name)
}

/// Whether `path` is a local path to send a browser to after signing in:
/// it starts with one `/` and stays on this site.
pub fn local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(admin: bool) -> SessionView {
        SessionView {
            id: "id".into(),
            csrf: "c5rf".into(),
            admin,
            is_new: false,
        }
    }

    #[test]
    fn without_a_token_a_change_needs_only_the_sessions_csrf_token() {
        let s = session(false);
        assert_eq!(
            judge_change(None, None, Some(&s), Some("c5rf")),
            Verdict::Allowed
        );
        assert_eq!(
            judge_change(None, None, Some(&s), Some("other")),
            Verdict::BadForm
        );
        assert_eq!(judge_change(None, None, Some(&s), None), Verdict::BadForm);
        assert_eq!(
            judge_change(None, None, None, Some("c5rf")),
            Verdict::BadForm
        );
        assert_eq!(
            judge_change(None, Some("x"), Some(&s), Some("c5rf")),
            Verdict::NeedToken,
            "a token header is checked even when no token is configured"
        );
    }

    #[test]
    fn with_a_token_a_form_needs_a_signed_in_session() {
        let t = Some("s3cret");
        assert_eq!(
            judge_change(t, None, Some(&session(false)), Some("c5rf")),
            Verdict::NeedToken
        );
        assert_eq!(
            judge_change(t, None, Some(&session(true)), Some("c5rf")),
            Verdict::Allowed
        );
        assert_eq!(
            judge_change(t, None, Some(&session(true)), Some("bad")),
            Verdict::BadForm,
            "signed in is not enough without the form's token"
        );
    }

    #[test]
    fn the_token_header_alone_allows_a_scripted_change() {
        let t = Some("s3cret");
        assert_eq!(
            judge_change(t, Some("s3cret"), None, None),
            Verdict::Allowed
        );
        assert_eq!(
            judge_change(t, Some("s3cre"), None, None),
            Verdict::NeedToken
        );
        assert_eq!(
            judge_change(t, Some("wrong"), Some(&session(true)), Some("c5rf")),
            Verdict::NeedToken,
            "a wrong header is refused even from a signed-in session"
        );
    }

    #[test]
    fn hosts_are_ips_localhost_or_configured_names() {
        let names = vec!["lars.example".to_string()];
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "10.1.2.3:80",
            "[::1]:8080",
            "[::1]",
            "localhost:8080",
            "LOCALHOST",
            "lars.example:8080",
            "Lars.Example",
        ] {
            assert!(host_allowed(Some(ok), &names), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "[::1",
            "",
            "localhost.evil.example",
        ] {
            assert!(!host_allowed(Some(bad), &names), "{bad}");
        }
        assert!(!host_allowed(None, &names));
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert!(local_path("/modules/1/1"));
        assert!(local_path("/"));
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "",
            "x",
        ] {
            assert!(!local_path(bad), "{bad}");
        }
    }
}
