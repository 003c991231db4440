//! The console in a real browser against the real daemons: lars-dns,
//! lars-reporter and lars-agent on a fresh SQLite store, lars-web (the
//! binary) on the same store, headless Chromium through chromedriver. An
//! on-call engineer's path: open the modules, sign in, add a host through
//! the form and see the agent serve it within 3 s, get a bad IP refused,
//! read the statistics the reporter stored, watch the live state refresh
//! (from a stand-in of the agent's HTTP endpoint), remove the host after
//! confirming. Screenshots of every page go to `target/web-screenshots/`.

mod util;

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lars_api::{HostAddr, LarsClient, ModuleId, RetCode};
use lars_e2e::{Stack, Store};
use lars_store::{open_route_store, open_status_store, StoreSettings};
use lars_testkit::stores::TempSqlite;
use util::browser::Browser;
use util::stub_agent::{module_json, StubAgent};

const TOKEN: &str = "e2e-admin-token";
const M: ModuleId = ModuleId::new(1, 1);

/// lars-web, the binary, with `web.conf` in `dir`; killed on drop.
struct WebDaemon(Child);

impl WebDaemon {
    fn start(dir: &Path, store_ini: &str, agents: &str) -> (WebDaemon, String) {
        let port = lars_testkit::free_tcp_port();
        let conf = format!(
            "[web]\nlisten = 127.0.0.1:{port}\nagents = {agents}\nadmin_token = {TOKEN}\n{store_ini}"
        );
        std::fs::write(dir.join("web.conf"), conf).unwrap();
        let log = std::fs::File::create(dir.join("lars-web.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_lars-web"))
            .args(["-c", "web.conf"])
            .current_dir(dir)
            .env_remove(lars_web::TOKEN_ENV)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start lars-web");
        let up = lars_testkit::wait_until(Duration::from_secs(10), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(
            up,
            "lars-web does not listen; see {}/lars-web.log",
            dir.display()
        );
        (WebDaemon(child), format!("http://127.0.0.1:{port}"))
    }
}

impl Drop for WebDaemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `target/web-screenshots/`.
fn screenshot_dir() -> PathBuf {
    lars_e2e::bin_dir()
        .parent()
        .unwrap()
        .join("web-screenshots")
}

/// Waits (at most `limit`) until the agent's route of module 1/1 satisfies
/// `done`; how long it took.
fn wait_route(
    client: &mut LarsClient,
    limit: Duration,
    done: impl Fn(&[HostAddr]) -> bool,
) -> Duration {
    let t0 = Instant::now();
    loop {
        if let Ok(hosts) = client.get_route(M) {
            if done(&hosts) {
                return t0.elapsed();
            }
        }
        assert!(
            t0.elapsed() < limit,
            "the agent's route of {M} did not change within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn host_count(store: &StoreSettings) -> usize {
    open_route_store(store)
        .unwrap()
        .list_routes(Some(1), Some(1))
        .unwrap()
        .len()
}

/// Calls through the agent: every call to `sick` fails, the others succeed,
/// until the reporter stored `sick` as overloaded.
fn make_traffic(client: &mut LarsClient, store: &StoreSettings, sick: HostAddr) {
    let t0 = Instant::now();
    let mut statuses = open_status_store(store).unwrap();
    loop {
        for _ in 0..100 {
            if let Ok((RetCode::Succ, Some(host))) = client.get_host(M) {
                let code = if host == sick {
                    RetCode::Overload
                } else {
                    RetCode::Succ
                };
                client.report(M, host, code).unwrap();
            }
        }
        let rows = statuses.read_statuses(Some(1), Some(1)).unwrap();
        if rows.iter().any(|r| r.host == sick && r.overload) {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "the reporter never stored {sick} overloaded: {rows:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_engineer_changes_a_route_in_the_browser_and_the_agent_serves_it() {
    let stack = Stack::start(Store::Sqlite(TempSqlite::new("web-e2e")), "");
    let store_ini = match &stack.store {
        Store::Sqlite(s) => s.ini(),
        Store::Mysql(m) => m.ini(),
    };
    let store = stack.store.config().clone();
    let stub = StubAgent::start();
    stub.set(
        1,
        1,
        module_json(
            1,
            1,
            &[
                ("127.0.0.1:9001", "idle", 41, 0, Some("success_rate")),
                ("127.0.0.1:9003", "idle", 38, 1, None),
                (
                    "127.0.0.1:9002",
                    "overload",
                    3,
                    27,
                    Some("consecutive_errors"),
                ),
            ],
        ),
    );
    // The stack's real agent (its `/modules`) and a stand-in whose answers
    // the test sets.
    let agents = format!("{},{}", stack.http.agent, stub.addr());
    let (_web, base) = WebDaemon::start(&stack.dir, &store_ini, &agents);
    let mut agent = stack.client(Duration::from_millis(500));
    agent.reg_init(M);
    wait_route(&mut agent, Duration::from_secs(10), |hosts| {
        hosts.len() == 3
    });

    let shots = screenshot_dir();
    let browser = Browser::start(&base, &shots, &stack.dir);

    // The modules page lists the demo modules.
    browser.open("/modules");
    browser.wait_for(r#"tr[data-module="1/1"]"#);
    browser.wait_for(r#"tr[data-module="2/1"]"#);
    assert_eq!(browser.text(r#"tr[data-module="1/1"] td.num"#), "3");

    // Changes need the token: sign in once.
    browser.open("/modules/1/1");
    browser.wait_for("p.locked");
    browser.click("p.locked a");
    browser.wait_for("#login");
    browser.screenshot("login");
    browser.fill(r#"#login input[name="token"]"#, TOKEN);
    browser.click(r#"#login button[type="submit"]"#);
    browser.wait_for("p.flash");
    assert_eq!(browser.path(), "/modules/1/1");

    // Add a host through the form; the agent serves it within 3 s.
    let new_host: HostAddr = "127.0.0.1:9555".parse().unwrap();
    browser.fill(r#"#add-host input[name="ip"]"#, "127.0.0.1");
    browser.fill(r#"#add-host input[name="port"]"#, "9555");
    browser.fill(r#"#add-host input[name="weight"]"#, "3");
    let added = Instant::now();
    browser.click(r#"#add-host button[type="submit"]"#);
    browser.wait_for(r#"tr[data-host="127.0.0.1:9555"]"#);
    let served = wait_route(&mut agent, Duration::from_secs(3), |hosts| {
        hosts.contains(&new_host)
    });
    eprintln!(
        "127.0.0.1:9555 served by the agent {:?} after the click ({served:?} after the page)",
        added.elapsed()
    );
    assert!(
        added.elapsed() < Duration::from_secs(3),
        "took {:?}",
        added.elapsed()
    );
    assert!(browser
        .text("p.flash")
        .contains("add host 127.0.0.1:9555 (weight 3) to module 1/1"));
    browser.screenshot("module");

    // A bad IP is refused next to its field and changes nothing.
    let version = open_route_store(&store).unwrap().version().unwrap();
    browser.fill(r#"#add-host input[name="ip"]"#, "10.0.0.300");
    browser.fill(r#"#add-host input[name="port"]"#, "9556");
    browser.click(r#"#add-host button[type="submit"]"#);
    browser.wait_for(r#"span.field-error[data-field="ip"]"#);
    assert_eq!(
        browser.text(r#"span.field-error[data-field="ip"]"#),
        "'10.0.0.300' is not an IPv4 address a.b.c.d"
    );
    browser.screenshot("module-refused");
    assert_eq!(
        open_route_store(&store).unwrap().version().unwrap(),
        version
    );
    assert_eq!(host_count(&store), 4);

    // Statistics: calls through the real agent, stored by the reporter.
    let sick: HostAddr = "127.0.0.1:9002".parse().unwrap();
    make_traffic(&mut agent, &store, sick);
    browser.open("/modules/1/1/stats");
    browser.wait_for(r#"tr.overload[data-host="127.0.0.1:9002"]"#);
    browser.wait_for(r#"tr[data-host="127.0.0.1:9555"]"#);
    browser.wait_for("figure.chart svg g.bar-row.overload");
    browser.screenshot("stats");

    // Live: the agents' view, refreshed every 2 s. The real agent saw
    // 127.0.0.1:9002 fail and overloaded it.
    browser.open("/modules/1/1/live");
    let real = format!(r#"section.agent[data-agent="{}"]"#, stack.http.agent);
    browser.wait_for(&format!(
        r#"{real} tr[data-host="127.0.0.1:9002"][data-state="overload"]"#
    ));
    browser.wait_for(&format!(r#"{real} tr[data-host="127.0.0.1:9555"]"#));
    browser.wait_for(r#"tr[data-host="127.0.0.1:9002"][data-state="overload"]"#);
    browser.wait_for(r#"tr[data-host="127.0.0.1:9003"][data-state="idle"]"#);
    browser.screenshot("live");
    stub.set(
        1,
        1,
        module_json(
            1,
            1,
            &[
                ("127.0.0.1:9001", "idle", 44, 0, Some("success_rate")),
                (
                    "127.0.0.1:9002",
                    "overload",
                    3,
                    29,
                    Some("consecutive_errors"),
                ),
                (
                    "127.0.0.1:9003",
                    "overload",
                    12,
                    9,
                    Some("window_error_rate"),
                ),
            ],
        ),
    );
    let t0 = Instant::now();
    browser.wait_for(r#"tr[data-host="127.0.0.1:9003"][data-state="overload"]"#);
    assert!(
        t0.elapsed() < Duration::from_secs(5),
        "refreshed after {:?}",
        t0.elapsed()
    );
    assert_eq!(browser.path(), "/modules/1/1/live", "refreshed in place");

    // Remove the host, after confirming; the agent drops it.
    browser.open("/modules/1/1");
    browser.click(r#"tr[data-host="127.0.0.1:9555"] button.danger"#);
    browser.wait_for("#confirm-remove");
    assert_eq!(host_count(&store), 4, "asking removes nothing");
    browser.screenshot("confirm-remove");
    browser.click(r#"#confirm-remove button[type="submit"]"#);
    browser.wait_gone(r#"tr[data-host="127.0.0.1:9555"]"#);
    wait_route(&mut agent, Duration::from_secs(3), |hosts| {
        !hosts.contains(&new_host) && hosts.len() == 3
    });
    assert_eq!(host_count(&store), 3);

    browser.open("/modules");
    browser.wait_for(r#"tr[data-module="1/1"] time"#);
    browser.screenshot("modules");
    let local = Ipv4Addr::LOCALHOST;
    assert_eq!(new_host.ip, local);
    for name in [
        "login",
        "module",
        "module-refused",
        "stats",
        "live",
        "confirm-remove",
        "modules",
    ] {
        assert!(shots.join(format!("{name}.png")).exists(), "{name}.png");
    }
}
