//! Shared helpers of lars-web's tests: the console's router driven in
//! process with a browser's cookie and form handling, and a stub agent
//! endpoint (`stub_agent.rs`). The browser test's own helpers are in
//! `browser.rs`.
#![allow(dead_code)]

pub mod browser;
pub mod stub_agent;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request};
use axum::Router;
use lars_store::StoreSettings;
use lars_web::{router, App, WebSettings};
use tower::ServiceExt;

/// Settings for a console on `store` with `agents` and an optional token.
pub fn settings(
    store: StoreSettings,
    agents: Vec<std::net::SocketAddr>,
    token: Option<&str>,
) -> WebSettings {
    WebSettings {
        listen: "127.0.0.1:0".parse().unwrap(),
        agents,
        admin_token: token.map(str::to_string),
        agent_timeout: Duration::from_millis(800),
        host_names: Vec::new(),
        store,
    }
}

/// An answer, its body read.
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// `Location`, for a redirect.
    pub location: Option<String>,
    /// The session cookie `Set-Cookie` sets, if any.
    pub session: Option<String>,
    /// `Content-Type`.
    pub content_type: String,
    /// Every header, as text.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
}

impl Answer {
    /// The value of the first `name="csrf"` field of the page.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find(r#"name="csrf" value=""#)
            .expect("a form with a csrf field");
        let rest = &self.body[at + r#"name="csrf" value=""#.len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }

    /// The value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A console served in process, with one browser's cookie jar.
pub struct Console {
    router: Router,
    /// The session cookie the console set last.
    pub session: Option<String>,
}

impl Console {
    /// A console with `settings`.
    pub fn new(settings: WebSettings) -> Console {
        Console {
            router: router(App::new(settings)),
            session: None,
        }
    }

    /// `GET path` as the browser.
    pub async fn get(&mut self, path: &str) -> Answer {
        let req = self.request("GET", path).body(Body::empty()).unwrap();
        self.send(req).await
    }

    /// `POST path` with `form` as the browser.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Answer {
        self.post_with(path, form, &[]).await
    }

    /// `POST path` with `form` and extra `headers`.
    pub async fn post_with(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .request("POST", path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Body::from(encode(form))).unwrap();
        self.send(req).await
    }

    /// A request with the console's `Host` and the browser's cookie.
    pub fn request(&self, method: &str, path: &str) -> axum::http::request::Builder {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:8080");
        if let Some(s) = &self.session {
            req = req.header(header::COOKIE, format!("lars_web_session={s}"));
        }
        req
    }

    /// Sends `req`, keeping a session cookie the answer sets.
    pub async fn send(&mut self, req: Request<Body>) -> Answer {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let text = |name: header::HeaderName| {
            resp.headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let session = text(header::SET_COOKIE).and_then(|c| {
            let value = c
                .strip_prefix("lars_web_session=")?
                .split(';')
                .next()?
                .to_string();
            Some(value)
        });
        if let Some(s) = &session {
            self.session = (!s.is_empty()).then(|| s.clone());
        }
        let answer = Answer {
            status: resp.status().as_u16(),
            location: text(header::LOCATION),
            content_type: text(header::CONTENT_TYPE).unwrap_or_default(),
            headers: resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                .collect(),
            session,
            body: String::new(),
        };
        let bytes = axum::body::to_bytes(resp.into_body(), 16 << 20)
            .await
            .unwrap();
        Answer {
            body: String::from_utf8(bytes.to_vec()).unwrap(),
            ..answer
        }
    }
}

/// `form` as `application/x-www-form-urlencoded`.
pub fn encode(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                lars_web::pages::layout::urlencode(k),
                lars_web::pages::layout::urlencode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Asserts that `html` contains every one of `parts`, showing the page
/// when one is missing.
pub fn assert_has(html: &str, parts: &[&str]) {
    for part in parts {
        assert!(html.contains(part), "missing {part:?} in:\n{html}");
    }
}
