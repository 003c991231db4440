//! SIGTERM stops the real lars-reporter within `shutdown_timeout` even
//! when its MariaDB link hangs (a proxy that stops forwarding while it
//! keeps the connection open), and its last log line counts the keys it
//! could not store.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lars_e2e::binary;
use lars_proto::{ip_to_wire, msgid, HostCallResult, ReportStatusRequest};
use lars_store::open_status_store;
use lars_testkit::client::FrameClient;
use lars_testkit::http::Exposition;
use lars_testkit::proxy::TcpProxy;
use lars_testkit::stores::TempMysql;
use lars_testkit::{free_tcp_port, wait_until, ScratchDir};

const WAIT: Duration = Duration::from_secs(10);

/// A report of module `modid`/1 with three hosts 10.0.0.1..3:9000.
fn report(modid: i32, round: u32) -> ReportStatusRequest {
    ReportStatusRequest {
        modid,
        cmdid: 1,
        caller: ip_to_wire([10, 9, 9, 9].into()),
        results: (1..=3)
            .map(|h| HostCallResult {
                ip: ip_to_wire([10, 0, 0, h].into()),
                port: 9000,
                succ: round,
                err: 0,
                overload: false,
            })
            .collect(),
        ts: round,
    }
}

fn send(client: &mut FrameClient, modids: std::ops::RangeInclusive<i32>, round: u32) {
    for modid in modids {
        client
            .send(msgid::REPORT_STATUS_REQUEST, &report(modid, round))
            .unwrap();
    }
}

#[test]
fn sigterm_with_a_hanging_database_exits_within_shutdown_timeout() {
    let db = TempMysql::new("e2e_stop");
    let rows = || {
        open_status_store(&db.config)
            .and_then(|mut s| s.read_statuses(None, None))
            .map_or(0, |r| r.len())
    };
    assert_eq!(rows(), 0, "the database and its tables are made");
    let proxy = TcpProxy::start(([127, 0, 0, 1], 3306).into()).unwrap();
    let dir = ScratchDir::new("e2e_stop");
    let port = free_tcp_port();
    let http: SocketAddr = ([127, 0, 0, 1], free_tcp_port()).into();
    let conf = format!(
        "[reactor]\nport = {port}\nthreadNum = 1\n\
         [store]\nbackend = mysql\n\
         [mysql]\ndb_host = 127.0.0.1\ndb_port = {}\ndb_user = {}\ndb_name = {}\n\
         [reporter]\ndb_thread_cnt = 1\nflush_interval = 0.1\nshutdown_timeout = 1\n\
         [metrics]\nlisten = {http}\n",
        proxy.addr().port(),
        lars_testkit::stores::mysql_server().user,
        db.db_name()
    );
    std::fs::write(dir.join("reporter.conf"), conf).unwrap();
    let log_path = dir.join("lars-reporter.log");
    let mut child = Command::new(binary("lars-reporter"))
        .args(["-c", "reporter.conf"])
        .current_dir(dir.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    assert!(wait_until(WAIT, || FrameClient::connect(addr).is_ok()));
    let mut client = FrameClient::connect(addr).unwrap();
    let metric = |name: &str| Exposition::scrape(http).sum(name, &[]);
    send(&mut client, 1..=10, 1);
    // Stored, and the reporter has heard the commit's answer.
    assert!(wait_until(WAIT, || rows() == 30
        && metric("lars_reporter_rows_written_total") == 30.0));

    // The link hangs; 4 modules more (12 new keys) wait in the reporter,
    // which tries to write them and blocks on the silent connection.
    proxy.stall();
    send(&mut client, 11..=14, 1);
    let pending = || metric("lars_reporter_pending_keys");
    assert!(
        wait_until(WAIT, || pending() == 12.0),
        "{} keys pending",
        pending()
    );

    let stopped = Instant::now();
    // SAFETY: plain kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut status = None;
    wait_until(Duration::from_secs(40), || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    let took = stopped.elapsed();
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    proxy.resume();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(status.is_some_and(|s| s.success()), "{status:?}\n{log}");
    assert!(
        took < Duration::from_secs(3),
        "exit {took:?} after SIGTERM, shutdown_timeout is 1 s\n{log}"
    );
    let last = log.lines().last().unwrap_or_default();
    assert!(
        last.contains("lars-reporter stopped: ") && last.contains(" 12 keys not stored"),
        "last log line: {last}"
    );
    assert_eq!(rows(), 30, "nothing more reached the table");
}
