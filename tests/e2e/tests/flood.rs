//! The agent process under a flood of requests for random modules: it keeps
//! serving real modules, and logs the junk as a few counted lines instead
//! of one line per module.

use std::time::{Duration, Instant};

use lars_api::{ModuleId, RetCode};
use lars_e2e::{Stack, Store};
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

#[test]
fn junk_modules_are_counted_in_a_few_log_lines() {
    let stack = Stack::start(Store::Sqlite(TempSqlite::new("e2e-flood")), "");
    let mut client = stack.client(Duration::from_millis(500));
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.reg_init(ModuleId::new(1, 1)) != RetCode::Succ {
        assert!(Instant::now() < deadline, "no route for 1/1");
    }
    for i in 0..20_000 {
        let (code, _) = client.get_host(ModuleId::new(5000 + i, 3)).unwrap();
        assert_eq!(code, RetCode::NoExist);
    }
    // Real modules are served throughout.
    let (code, host) = client.get_host(ModuleId::new(1, 1)).unwrap();
    assert_eq!(code, RetCode::Succ);
    assert!(host.is_some());
    // The counted lines come once per report interval (0.2 s here).
    let path = stack.dir.join("lars-agent.log");
    let read = || std::fs::read_to_string(&path).unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || read()
            .contains("modules have no hosts in DNS and were dropped")),
        "{}",
        read()
    );
    let lines = read().lines().count();
    assert!(lines < 100, "{lines} log lines for 20 000 junk requests");
}
