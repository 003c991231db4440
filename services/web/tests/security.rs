//! Who may change routes: the per-session CSRF token on every form, the
//! admin token (entered once, or in the X-Lars-Token header), sign-in and
//! sign-out, and the Host check. Every refused change writes nothing.

mod util;

use axum::body::Body;
use lars_store::open_route_store;
use lars_testkit::stores::TempSqlite;
use util::{settings, Console};

const ADD: [(&str, &str); 3] = [("ip", "10.0.0.5"), ("port", "9000"), ("weight", "1")];

fn with_csrf<'a>(csrf: &'a str, form: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(form);
    all
}

fn version(db: &TempSqlite) -> u64 {
    open_route_store(&db.config).unwrap().version().unwrap()
}

#[tokio::test]
async fn a_change_needs_a_live_session_and_its_csrf_token() {
    let db = TempSqlite::new("web-csrf");
    let mut console = Console::new(settings(db.config.clone(), vec![], None));
    let no_session = console
        .post("/modules/1/1/hosts", &with_csrf("x", &ADD))
        .await;
    assert_eq!(
        no_session.status, 403,
        "a cross-site form has no session cookie"
    );
    assert!(
        no_session.body.contains("Error 403: form out of date"),
        "{}",
        no_session.body
    );

    let page = console.get("/modules/1/1").await;
    let session = page.session.clone().expect("a GET starts a session");
    assert_eq!(session.len(), 32);
    let set_cookie = page.header("set-cookie").unwrap();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );
    let no_csrf = console.post("/modules/1/1/hosts", &ADD).await;
    assert_eq!(no_csrf.status, 403);
    let wrong = console
        .post(
            "/modules/1/1/hosts",
            &with_csrf("0123456789abcdef0123456789abcdef", &ADD),
        )
        .await;
    assert_eq!(wrong.status, 403);
    assert_eq!(version(&db), 0, "nothing written");

    let mut other = Console::new(settings(db.config.clone(), vec![], None));
    other.session = Some(session);
    let other_console = other
        .post("/modules/1/1/hosts", &with_csrf(&page.csrf(), &ADD))
        .await;
    assert_eq!(
        other_console.status, 403,
        "sessions of one console are not another's"
    );

    let ok = console
        .post("/modules/1/1/hosts", &with_csrf(&page.csrf(), &ADD))
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(version(&db), 1);
}

#[tokio::test]
async fn with_an_admin_token_a_session_signs_in_once_and_scripts_send_the_header() {
    let db = TempSqlite::new("web-token");
    let mut console = Console::new(settings(db.config.clone(), vec![], Some("s3cret")));
    let page = console.get("/modules/1/1").await;
    assert!(
        page.body.contains("Changes need the admin token"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<fieldset disabled>"), "{}", page.body);
    let refused = console
        .post("/modules/1/1/hosts", &with_csrf(&page.csrf(), &ADD))
        .await;
    assert_eq!(refused.status, 401);
    assert!(
        refused.body.contains("Error 401: admin token needed"),
        "{}",
        refused.body
    );

    let login = console.get("/login?next=/modules/1/1").await;
    let csrf = login.csrf();
    let wrong = console
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("token", "guess"),
                ("next", "/modules/1/1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.body.contains("That is not the admin token."),
        "{}",
        wrong.body
    );
    let before = console.session.clone().unwrap();
    let right = console
        .post(
            "/login",
            &[
                ("csrf", &csrf),
                ("token", "s3cret"),
                ("next", "/modules/1/1"),
            ],
        )
        .await;
    assert_eq!(
        (right.status, right.location.as_deref()),
        (303, Some("/modules/1/1"))
    );
    let after = right.session.clone().expect("a new session cookie");
    assert_ne!(after, before, "signing in changes the session id");

    let page = console.get("/modules/1/1").await;
    assert!(
        page.body.contains("Signed in: you may change routes."),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<fieldset disabled>"));
    let done = console
        .post("/modules/1/1/hosts", &with_csrf(&page.csrf(), &ADD))
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(version(&db), 1);

    let signed_out = console.post("/logout", &[("csrf", &page.csrf())]).await;
    assert_eq!(signed_out.status, 303);
    assert_eq!(console.session, None, "the cookie is cleared");

    let mut script = Console::new(settings(db.config.clone(), vec![], Some("s3cret")));
    let form = [("ip", "10.0.0.6"), ("port", "9000")];
    let bad = script
        .post_with("/modules/1/1/hosts", &form, &[("x-lars-token", "nope")])
        .await;
    assert_eq!(bad.status, 401);
    let good = script
        .post_with("/modules/1/1/hosts", &form, &[("x-lars-token", "s3cret")])
        .await;
    assert_eq!(good.status, 303, "{}", good.body);
    assert_eq!(version(&db), 2);
}

#[tokio::test]
async fn sign_in_goes_back_only_to_local_paths() {
    let db = TempSqlite::new("web-next");
    let mut console = Console::new(settings(db.config.clone(), vec![], Some("t")));
    let login = console.get("/login?next=//evil.example/").await;
    assert!(
        login.body.contains(r#"name="next" value="/modules""#),
        "{}",
        login.body
    );
    let right = console
        .post(
            "/login",
            &[
                ("csrf", &login.csrf()),
                ("token", "t"),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(right.location.as_deref(), Some("/modules"));
}

#[tokio::test]
async fn only_the_consoles_own_host_names_are_answered() {
    let db = TempSqlite::new("web-host");
    let mut names = settings(db.config.clone(), vec![], None);
    names.host_names = vec!["lars.example".into()];
    let mut console = Console::new(names);
    for (host, status) in [
        ("evil.example:8080", 421),
        ("lars.example:8080", 200),
        ("localhost:8080", 200),
        ("[::1]:8080", 200),
    ] {
        let req = console.request("GET", "/modules");
        let mut req = req.body(Body::empty()).unwrap();
        req.headers_mut().insert("host", host.parse().unwrap());
        assert_eq!(console.send(req).await.status, status, "{host}");
    }
    let mut req = console
        .request("POST", "/modules/1/1/hosts")
        .body(Body::empty())
        .unwrap();
    req.headers_mut()
        .insert("host", "evil.example".parse().unwrap());
    let refused = console.send(req).await;
    assert_eq!(refused.status, 421);
    assert!(
        refused.body.contains("add it to [web] host_names"),
        "{}",
        refused.body
    );
}
