//! The real binaries refuse, at start and naming the file, the line and
//! the key, a configuration they cannot trust: a syntax error, an unknown
//! section or key (with a hint for a near miss), a number out of range, a
//! reachable address without an allow list. lars-reporter also stops on a
//! store that can never work, like lars-dns, and serves on one that is
//! only down.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use lars_e2e::binary;
use lars_testkit::{free_tcp_port, wait_until, ScratchDir};

/// How long a daemon may take to refuse its configuration.
const START: Duration = Duration::from_secs(10);

/// Runs `name -c CONF` with `text` as CONF in `dir`; asserts it exits with
/// status 1 within [`START`] and returns what it logged.
fn refused(dir: &Path, name: &str, text: &str) -> String {
    let conf = dir.join(format!("{name}.conf"));
    std::fs::write(&conf, text).unwrap();
    let log = dir.join(format!("{name}.log"));
    let mut child = Command::new(binary(name))
        .args(["-c", &conf.display().to_string()])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut status = None;
    let exited = wait_until(START, || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    if !exited {
        let _ = child.kill();
        let _ = child.wait();
    }
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(exited, "{name} still runs with\n{text}\nlog:\n{logged}");
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{logged}");
    logged
}

#[test]
fn every_daemon_names_the_line_and_key_it_refuses() {
    let scratch = ScratchDir::new("e2e-strict");
    let dir = scratch.path();
    let db = dir.join("lars.db").display().to_string();
    let store = format!("[store]\nsqlite_path = {db}\n");
    let cases = [
        (
            "lars-dns",
            format!("{store}[reactor]\nip = 127.0.0.1\nprot = 7778\n"),
            "lars-dns.conf:5 [reactor] prot: unknown key; did you mean port?".to_string(),
        ),
        (
            "lars-reporter",
            format!("{store}[reactr]\nport = 7779\n"),
            "lars-reporter.conf:3: unknown section [reactr]; did you mean [reactor]?".to_string(),
        ),
        (
            "lars-agent",
            "[agent]\nbase_port 8888\nreport_interval = 1\n".to_string(),
            "lars-agent.conf:2: 'base_port ...' is not `key = value`, a [section] or a comment"
                .to_string(),
        ),
        (
            "lars-web",
            format!("[web]\nadmin_tokn = s3cret\n{store}"),
            "lars-web.conf:2 [web] admin_tokn: unknown key; did you mean admin_token?".to_string(),
        ),
        (
            "lars-dns",
            format!("{store}[reactor]\nthreadNum = 99999999999\n"),
            "lars-dns.conf:4 [reactor] threadNum: '99999999999' is out of range: 1..=256"
                .to_string(),
        ),
        (
            "lars-reporter",
            format!("{store}[repoter]\ndb_thread_cnt = 2\n[reactor]\nip = 0.0.0.0\n"),
            "lars-reporter.conf [reactor] allow: '' must be set when ip is 0.0.0.0".to_string(),
        ),
    ];
    for (name, text, want) in cases {
        let logged = refused(dir, name, &text);
        assert!(logged.contains(&want), "{name}: want {want:?} in\n{logged}");
    }
}

#[test]
fn the_reporter_stops_on_a_store_that_cannot_work_and_serves_on_one_that_is_down() {
    let scratch = ScratchDir::new("e2e-store-start");
    let dir = scratch.path();
    // A regular file where the database's directory should be: even root
    // cannot create the file below it.
    std::fs::write(dir.join("not-a-dir"), "").unwrap();
    let unwritable = dir.join("not-a-dir").join("lars.db");
    let port = free_tcp_port();
    let logged = refused(
        dir,
        "lars-reporter",
        &format!(
            "[reactor]\nport = {port}\n[store]\nsqlite_path = {}\n",
            unwritable.display()
        ),
    );
    assert!(logged.contains("cannot start"), "{logged}");
    assert!(logged.contains("create directory"), "{logged}");

    // MySQL on a port nobody listens on: connection refused, transient.
    let conf = dir.join("down.conf");
    let (port, db_port) = (free_tcp_port(), free_tcp_port());
    std::fs::write(
        &conf,
        format!(
            "[reactor]\nport = {port}\n[store]\nbackend = mysql\n[mysql]\ndb_port = {db_port}\n"
        ),
    )
    .unwrap();
    let mut child = Command::new(binary("lars-reporter"))
        .args(["-c", &conf.display().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let serving = wait_until(START, || {
        std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok()
    });
    let still_running = child.try_wait().unwrap().is_none();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        serving && still_running,
        "the reporter must serve while the store is down"
    );
}
