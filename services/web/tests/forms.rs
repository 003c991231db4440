//! The route forms through the console's router on a real store: each
//! change is one transaction like `lars route` (version bumped, change
//! recorded), every bad input is refused next to its field and writes
//! nothing, removal asks first; on SQLite, and once on MariaDB.

mod util;

use lars_proto::{ModuleId, Policy};
use lars_store::{open_route_store, RouteStore, StoreSettings};
use lars_testkit::stores::{TempMysql, TempSqlite};
use util::{settings, Console};

/// The store's routes of `module` as `host weight` lines.
fn hosts(store: &mut dyn RouteStore, module: ModuleId) -> Vec<String> {
    store
        .list_routes(Some(module.modid), Some(module.cmdid))
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.host, r.weight))
        .collect()
}

/// A console on `config` and its page of module 1/1 (the browser's
/// session and CSRF token set).
async fn console_on(config: StoreSettings) -> (Console, String) {
    let mut console = Console::new(settings(config, vec![], None));
    let page = console.get("/modules/1/1").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.csrf();
    (console, csrf)
}

#[tokio::test]
async fn adding_a_host_is_one_route_transaction_and_the_page_says_so() {
    let db = TempSqlite::new("web-add");
    let (mut console, csrf) = console_on(db.config.clone()).await;
    let mut store = open_route_store(&db.config).unwrap();
    let m = ModuleId::new(1, 1);
    assert_eq!(store.version().unwrap(), 0);

    let form = [
        ("csrf", csrf.as_str()),
        ("ip", "10.0.0.5"),
        ("port", "9000"),
        ("weight", "3"),
    ];
    let done = console.post("/modules/1/1/hosts", &form).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/modules/1/1"));
    assert_eq!(
        hosts(store.as_mut(), m),
        [
            "10.0.0.5:9000 3",
            "127.0.0.1:9001 1",
            "127.0.0.1:9002 1",
            "127.0.0.1:9003 1"
        ]
    );
    assert_eq!(store.version().unwrap(), 1, "one version per change");
    assert_eq!(
        store.changed_modules(1).unwrap(),
        [m],
        "the change is recorded for DNS"
    );
    let last = store.last_changes(Some(1), Some(1)).unwrap();
    assert_eq!(last[0].version, 1);

    let page = console.get("/modules/1/1").await;
    assert!(
        page.body
            .contains("Done: add host 10.0.0.5:9000 (weight 3) to module 1/1 (route version 1)."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"<tr data-host="10.0.0.5:9000">"#),
        "{}",
        page.body
    );
    let again = console.get("/modules/1/1").await;
    assert!(!again.body.contains("Done:"), "the message is shown once");
    let list = console.get("/modules").await;
    assert!(
        list.body.contains(
            r#"<td class="num">4</td><td>rr</td><td class="num">0%</td><td class="num">1</td>"#
        ),
        "{}",
        list.body
    );
}

#[tokio::test]
async fn bad_input_is_refused_next_to_its_field_and_writes_nothing() {
    let db = TempSqlite::new("web-bad");
    let (mut console, csrf) = console_on(db.config.clone()).await;
    let cases: [(&str, &str, &str, &str, &str); 6] = [
        (
            "10.0.0.300",
            "9000",
            "1",
            "ip",
            "'10.0.0.300' is not an IPv4 address a.b.c.d",
        ),
        ("not-an-ip", "9000", "1", "ip", "is not an IPv4 address"),
        (
            "10.0.0.5",
            "70000",
            "1",
            "port",
            "port 70000 is not in 1..=65535",
        ),
        ("10.0.0.5", "0", "1", "port", "port 0 is not in 1..=65535"),
        (
            "10.0.0.5",
            "9000",
            "0",
            "weight",
            "weight '0' must be a whole number in 1..=10000",
        ),
        (
            "127.0.0.1",
            "9001",
            "1",
            "ip",
            "127.0.0.1:9001 is already a host of module 1/1",
        ),
    ];
    for (ip, port, weight, field, message) in cases {
        let form = [
            ("csrf", csrf.as_str()),
            ("ip", ip),
            ("port", port),
            ("weight", weight),
        ];
        let refused = console.post("/modules/1/1/hosts", &form).await;
        assert_eq!(
            refused.status, 422,
            "{ip}:{port} w{weight}: {}",
            refused.body
        );
        let by_field = format!(r#"<span class="field-error" data-field="{field}">"#);
        let at = refused
            .body
            .find(&by_field)
            .unwrap_or_else(|| panic!("no message by {field}: {}", refused.body));
        assert!(
            refused.body[at..].contains(message),
            "{message}: {}",
            refused.body
        );
        assert!(
            refused
                .body
                .contains(&format!(r#"name="port" value="{port}""#)),
            "the typed values come back"
        );
    }
    let mut store = open_route_store(&db.config).unwrap();
    assert_eq!(store.version().unwrap(), 0, "nothing was written");
    assert_eq!(hosts(store.as_mut(), ModuleId::new(1, 1)).len(), 3);

    let bad_policy = [
        ("csrf", csrf.as_str()),
        ("policy", "random"),
        ("panic", "101"),
    ];
    let refused = console.post("/modules/1/1/policy", &bad_policy).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains(r#"data-field="policy">'random' is not a policy"#),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains(r#"data-field="panic">panic threshold '101'"#),
        "{}",
        refused.body
    );
    let bad_weight = [
        ("csrf", csrf.as_str()),
        ("host", "127.0.0.1:9001"),
        ("weight", "10001"),
    ];
    assert_eq!(
        console
            .post("/modules/1/1/weight", &bad_weight)
            .await
            .status,
        422
    );
    let absent = [
        ("csrf", csrf.as_str()),
        ("host", "10.9.9.9:1"),
        ("weight", "2"),
    ];
    let refused = console.post("/modules/1/1/weight", &absent).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .body
            .contains("10.9.9.9:1 is not a host of module 1/1"),
        "{}",
        refused.body
    );
    assert_eq!(console.get("/modules/x/1").await.status, 400);
    assert_eq!(store.version().unwrap(), 0, "still nothing written");
}

#[tokio::test]
async fn weight_policy_and_a_confirmed_removal_each_bump_the_version() {
    let db = TempSqlite::new("web-edit");
    let (mut console, csrf) = console_on(db.config.clone()).await;
    let mut store = open_route_store(&db.config).unwrap();
    let m = ModuleId::new(1, 1);

    let weight = [
        ("csrf", csrf.as_str()),
        ("host", "127.0.0.1:9002"),
        ("weight", "7"),
    ];
    assert_eq!(
        console.post("/modules/1/1/weight", &weight).await.status,
        303
    );
    assert_eq!(hosts(store.as_mut(), m)[1], "127.0.0.1:9002 7");
    let policy = [("csrf", csrf.as_str()), ("policy", "hash"), ("panic", "30")];
    assert_eq!(
        console.post("/modules/1/1/policy", &policy).await.status,
        303
    );
    let (_, p) = store.list_policies(Some(1), Some(1)).unwrap()[0];
    assert_eq!((p.policy, p.panic_threshold), (Policy::Hash, 30));
    assert_eq!(store.version().unwrap(), 2);

    let ask = [("csrf", csrf.as_str()), ("host", "127.0.0.1:9003")];
    let confirm = console.post("/modules/1/1/remove", &ask).await;
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert!(
        confirm
            .body
            .contains("Remove 127.0.0.1:9003 from module 1/1?"),
        "{}",
        confirm.body
    );
    assert_eq!(store.version().unwrap(), 2, "asking removes nothing");
    assert_eq!(hosts(store.as_mut(), m).len(), 3);

    let yes = [
        ("csrf", csrf.as_str()),
        ("host", "127.0.0.1:9003"),
        ("confirm", "yes"),
    ];
    assert_eq!(console.post("/modules/1/1/remove", &yes).await.status, 303);
    assert_eq!(
        hosts(store.as_mut(), m),
        ["127.0.0.1:9001 1", "127.0.0.1:9002 7"]
    );
    assert_eq!(store.version().unwrap(), 3);
    assert_eq!(store.changed_modules(3).unwrap(), [m]);
    let page = console.get("/modules/1/1").await;
    assert!(
        page.body
            .contains("Done: delete host 127.0.0.1:9003 from module 1/1 (route version 3)."),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains(r#"<option value="hash" selected>hash</option>"#),
        "{}",
        page.body
    );

    let again = console.post("/modules/1/1/remove", &yes).await;
    assert_eq!(again.status, 422, "removing it twice is refused");
    assert!(
        again
            .body
            .contains(r#"<p class="form-error" data-field="host">127.0.0.1:9003 is not a host"#),
        "{}",
        again.body
    );
    assert_eq!(store.version().unwrap(), 3);
}

#[tokio::test]
async fn a_new_module_can_be_opened_and_given_its_first_host() {
    let db = TempSqlite::new("web-open");
    let mut console = Console::new(settings(db.config.clone(), vec![], None));
    let open = console.get("/modules/open?modid=42&cmdid=-3").await;
    assert_eq!(
        (open.status, open.location.as_deref()),
        (303, Some("/modules/42/-3"))
    );
    let page = console.get("/modules/42/-3").await;
    assert!(
        page.body
            .contains("No hosts: agents asking for this module get none."),
        "{}",
        page.body
    );
    let form = [
        ("csrf", page.csrf()),
        ("ip", "10.1.1.1".into()),
        ("port", "80".into()),
        ("weight", "".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        console.post("/modules/42/-3/hosts", &form).await.status,
        303
    );
    let mut store = open_route_store(&db.config).unwrap();
    assert_eq!(
        hosts(store.as_mut(), ModuleId::new(42, -3)),
        ["10.1.1.1:80 1"]
    );
    let bad = console.get("/modules/open?modid=1&cmdid=x").await;
    assert_eq!(bad.status, 422);
    assert!(
        bad.body
            .contains(r#"data-field="cmdid">'x' is not a cmdid"#),
        "{}",
        bad.body
    );
}

#[tokio::test]
async fn the_forms_work_the_same_on_mariadb() {
    let db = TempMysql::new("lars_web_test");
    let mut store = open_route_store(&db.config).unwrap();
    store
        .add_host(ModuleId::new(1, 1), "127.0.0.1:9001".parse().unwrap())
        .unwrap();
    let (mut console, csrf) = console_on(db.config.clone()).await;
    let form = [
        ("csrf", csrf.as_str()),
        ("ip", "10.0.0.5"),
        ("port", "9000"),
        ("weight", "2"),
    ];
    assert_eq!(console.post("/modules/1/1/hosts", &form).await.status, 303);
    let dup = console.post("/modules/1/1/hosts", &form).await;
    assert_eq!(dup.status, 422);
    assert!(
        dup.body
            .contains("10.0.0.5:9000 is already a host of module 1/1"),
        "{}",
        dup.body
    );
    assert_eq!(
        hosts(store.as_mut(), ModuleId::new(1, 1)),
        ["10.0.0.5:9000 2", "127.0.0.1:9001 1"]
    );
    assert_eq!(store.version().unwrap(), 2);
    let list = console.get("/modules").await;
    assert!(
        list.body.contains(r#"<tr data-module="1/1">"#),
        "{}",
        list.body
    );
    assert!(
        list.body.contains(&db.config.to_string()),
        "the store is named in the header"
    );
}
