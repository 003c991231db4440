//! The reading pages through the console's router: Modules with its
//! filter, Statistics from the reporter's rows, Live from agents' endpoints
//! (a stub serving the documented JSON, an agent that is not there), the
//! static files, and the answers for a missing page or store.

mod util;

use lars_proto::ModuleId;
use lars_store::{open_status_store, CallStatus, MysqlSettings, StoreSettings};
use lars_testkit::stores::TempSqlite;
use util::stub_agent::{module_json, StubAgent};
use util::{settings, Console};

fn unix_now() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32
}

#[tokio::test]
async fn the_modules_page_lists_every_module_and_filters_by_modid() {
    let db = TempSqlite::new("web-modules");
    let mut console = Console::new(settings(db.config.clone(), vec![], None));
    let root = console.get("/").await;
    assert_eq!(
        (root.status, root.location.as_deref()),
        (303, Some("/modules"))
    );
    let all = console.get("/modules").await;
    assert_eq!(all.status, 200);
    assert!(
        all.content_type.starts_with("text/html"),
        "{}",
        all.content_type
    );
    for (module, hosts) in [("1/1", 3), ("1/2", 2), ("2/1", 1)] {
        let row = format!(
            r#"<tr data-module="{module}"><td><a href="/modules/{module}">{module}</a></td><td class="num">{hosts}</td>"#
        );
        assert!(all.body.contains(&row), "{row}: {}", all.body);
    }
    let one = console.get("/modules?modid=2").await;
    assert!(
        one.body.contains(r#"data-module="2/1""#) && !one.body.contains(r#"data-module="1/1""#)
    );
    let none = console.get("/modules?modid=77").await;
    assert!(
        none.body.contains("No modules with modid 77."),
        "{}",
        none.body
    );
    let bad = console.get("/modules?modid=%3Cb%3E").await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains(r#"data-field="filter">'&lt;b&gt;' is not a modid"#),
        "{}",
        bad.body
    );
    assert!(!bad.body.contains("<b>"), "input is escaped");
}

#[tokio::test]
async fn statistics_show_each_host_and_caller_with_overload_marked() {
    let db = TempSqlite::new("web-stats");
    let mut console = Console::new(settings(db.config.clone(), vec![], None));
    let now = unix_now();
    let row = |host: &str, caller: [u8; 4], succ, err, overload| CallStatus {
        module: ModuleId::new(1, 1),
        host: host.parse().unwrap(),
        caller: caller.into(),
        succ_cnt: succ,
        err_cnt: err,
        ts: now - 30,
        overload,
    };
    open_status_store(&db.config)
        .unwrap()
        .upsert_statuses(&[
            row("127.0.0.1:9001", [10, 0, 0, 7], 321, 4, false),
            row("127.0.0.1:9002", [10, 0, 0, 7], 12, 88, true),
            row("127.0.0.1:9002", [10, 0, 0, 8], 5, 0, false),
        ])
        .unwrap();
    let page = console.get("/modules/1/1/stats").await;
    assert_eq!(page.status, 200);
    let b = &page.body;
    util::assert_has(
        b,
        &[
            r#"<tr class="overload" data-host="127.0.0.1:9002" data-caller="10.0.0.7">"#,
            r#"<tr data-host="127.0.0.1:9001" data-caller="10.0.0.7">"#,
            r#"<th class="host" rowspan="2" scope="row">127.0.0.1:9002</th>"#,
            r#"<td class="num">321</td><td class="num">4</td><td>idle</td>"#,
        ],
    );
    assert!(b.contains("30 s ago") || b.contains("31 s ago"), "{b}");
    assert!(b.contains("1 of 2 hosts overloaded"), "{b}");
    // The chart: the largest count (321) is the full bar; 88 errors of
    // 127.0.0.1:9002 are 88 * 400 / 321 = 109 units.
    util::assert_has(
        b,
        &[
            r#"<rect class="succ" x="170" y="4" width="400" height="13">"#,
            r#"<rect class="err" x="170" y="55" width="109" height="13">"#,
            r#"<g class="bar-row overload" data-host="127.0.0.1:9002">"#,
        ],
    );
    let empty = console.get("/modules/2/1/stats").await;
    assert!(empty.body.contains("No statistics for module 2/1 yet."));
}

#[tokio::test]
async fn the_live_page_shows_what_each_agent_says() {
    let db = TempSqlite::new("web-live");
    let stub = StubAgent::start();
    stub.set(
        1,
        1,
        module_json(
            1,
            1,
            &[
                ("127.0.0.1:9001", "idle", 40, 1, None),
                (
                    "127.0.0.1:9002",
                    "overload",
                    2,
                    30,
                    Some("consecutive_errors"),
                ),
            ],
        ),
    );
    let gone = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut console = Console::new(settings(db.config.clone(), vec![stub.addr(), gone], None));
    let page = console.get("/modules/1/1/live").await;
    assert_eq!(page.status, 200);
    let b = &page.body;
    let agent = format!(r#"<section class="agent" data-agent="{}">"#, stub.addr());
    assert!(b.contains(&agent), "{b}");
    util::assert_has(
        b,
        &[
            r#"<tr class="overload" data-host="127.0.0.1:9002" data-state="overload">"#,
            r#"<tr data-host="127.0.0.1:9001" data-state="idle">"#,
            "7 s ago</time>: too many consecutive errors",
        ],
    );
    assert!(b.contains(&format!(r#"<section class="agent" data-agent="{gone}"><h2>Agent {gone}</h2><p class="agent-error">Could not ask the agent: "#)), "{b}");
    assert!(
        b.contains(r#"data-src="/modules/1/1/live/fragment" data-interval="2000""#),
        "{b}"
    );

    stub.set(
        1,
        1,
        module_json(1, 1, &[("127.0.0.1:9001", "idle", 41, 1, None)]),
    );
    let fragment = console.get("/modules/1/1/live/fragment").await;
    assert_eq!(fragment.status, 200);
    assert!(
        !fragment.body.contains("<html"),
        "only the part that refreshes"
    );
    assert!(
        !fragment.body.contains("127.0.0.1:9002"),
        "{}",
        fragment.body
    );
    let other = console.get("/modules/5/1/live/fragment").await;
    assert!(
        other
            .body
            .contains("Does not hold module 5/1: module 5/1 is not held by this agent"),
        "{}",
        other.body
    );
    assert!(stub.requests() >= 3);
}

#[tokio::test]
async fn static_files_errors_and_a_missing_store_have_their_answers() {
    let db = TempSqlite::new("web-misc");
    let mut console = Console::new(settings(db.config.clone(), vec![], None));
    let css = console.get("/static/style.css").await;
    assert_eq!(
        (css.status, css.content_type.as_str()),
        (200, "text/css; charset=utf-8")
    );
    let js = console.get("/static/live.js").await;
    assert!(js.body.contains("setInterval(refresh, every)"));
    let missing = console.get("/nothing/here").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("There is no page /nothing/here."));
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "no-store"),
    ] {
        assert_eq!(missing.header(name), Some(value), "{name}");
    }
    assert!(missing
        .header("content-security-policy")
        .unwrap()
        .contains("script-src 'self'"));

    let port = lars_testkit::free_tcp_port();
    let nowhere = StoreSettings::Mysql(MysqlSettings {
        port,
        ..MysqlSettings::default()
    });
    let mut down = Console::new(settings(nowhere, vec![], None));
    let page = down.get("/modules").await;
    assert_eq!(page.status, 503, "{}", page.body);
    assert!(
        page.body.contains("Error 503: store unavailable"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("127.0.0.1:{port}")),
        "{}",
        page.body
    );
}
