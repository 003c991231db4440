//! When the same-host fast path is not there, a client silently uses UDP
//! (docs/SHM.md §5): the agent has it off, the segment file is gone, the
//! caller is another user, the agent restarted (then it attaches again).

mod util;

use std::sync::Arc;
use std::time::Duration;

use lars_agent::shm::{segment_path, ShmSettings};
use lars_agent::{AgentConfig, ManualClock};
use lars_api::{ClientOptions, LarsClient, ModuleId, RetCode, Transport};
use lars_reactor::Config;
use lars_testkit::wait_until;
use util::*;

const MODULE: ModuleId = ModuleId { modid: 1, cmdid: 1 };

fn client(base_port: u16, transport: Transport) -> LarsClient {
    LarsClient::with_options(ClientOptions {
        base_port,
        timeout: REPLY,
        transport,
        ..ClientOptions::default()
    })
    .unwrap()
}

/// get_host until it answers a host; the answer's path is the client's.
fn ready(client: &mut LarsClient) {
    assert!(wait_until(WAIT, || matches!(
        client.get_host(MODULE),
        Ok((RetCode::Succ, Some(_)))
    )));
}

/// The three segment files of the agent on `base_port` (default `shm_dir`).
fn segment_files(base_port: u16) -> Vec<std::path::PathBuf> {
    let settings = ShmSettings::default();
    (0..3)
        .map(|i| segment_path(&settings, base_port, i))
        .collect()
}

#[test]
fn shm_off_means_no_segment_and_udp_for_everyone() {
    let s = setup("");
    let base = s.agent.udp_addrs()[0].port();
    assert!(
        segment_files(base).iter().all(|f| f.exists()),
        "on by default"
    );
    let clock = Arc::new(ManualClock::new(WALL));
    let off = agent_on(
        s.dns.local_addr(),
        s.reporter.local_addr(),
        "snapshot_dir = off\nshm = off\n",
        "",
        &clock,
        "",
    );
    let off_base = off.udp_addrs()[0].port();
    assert!(segment_files(off_base).iter().all(|f| !f.exists()));
    let mut c = client(off_base, Transport::Shm);
    ready(&mut c);
    assert!(!c.uses_shared_memory(MODULE));
}

#[test]
fn a_removed_segment_file_means_udp() {
    let s = setup("");
    let base = s.agent.udp_addrs()[0].port();
    for file in segment_files(base) {
        std::fs::remove_file(file).unwrap();
    }
    let mut c = client(base, Transport::Shm);
    ready(&mut c);
    c.report(MODULE, "127.0.0.1:9001".parse().unwrap(), RetCode::Succ)
        .unwrap();
    assert!(!c.uses_shared_memory(MODULE));
}

#[test]
fn a_client_follows_its_agent_through_a_restart() {
    let s = setup("");
    let base = s.agent.udp_addrs()[0].port();
    let mut c = client(base, Transport::Auto);
    ready(&mut c);
    assert!(
        wait_until(WAIT, || {
            let _ = c.get_host(MODULE);
            c.uses_shared_memory(MODULE)
        }),
        "Auto attaches within a few calls"
    );
    let Setup {
        agent,
        dns,
        reporter,
        ..
    } = s;
    agent.stop();
    // The closed segment is noticed at once: the call goes over UDP, and
    // nobody answers there.
    assert!(c.get_host(MODULE).is_err());
    assert!(!c.uses_shared_memory(MODULE));
    let text = format!(
        "[agent]\nbase_port = {base}\nsnapshot_dir = off\n[dnsserver]\nport = {}\n\
         [reporter]\nport = {}\n",
        dns.local_addr().port(),
        reporter.local_addr().port()
    );
    let config = AgentConfig::from_config(&Config::parse(&text, "t.conf").unwrap()).unwrap();
    let _again = lars_agent::Agent::start(config).unwrap();
    assert!(
        wait_until(Duration::from_secs(8), || {
            let answered = matches!(c.get_host(MODULE), Ok((RetCode::Succ, Some(_))));
            answered && c.uses_shared_memory(MODULE)
        }),
        "attached to the new agent's segment"
    );
}

/// A client process of another user: as root, this test binary again as
/// user `nobody`; otherwise (no root to switch users) the segment files
/// are made unreadable, which the system refuses the same way.
#[test]
fn a_client_that_may_not_open_the_segment_uses_udp() {
    let s = setup("");
    let base = s.agent.udp_addrs()[0].port();
    let root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    if root {
        use std::os::unix::process::CommandExt;
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "other_user_client", "--nocapture"])
            .env("LARS_OTHER_USER_BASE", base.to_string())
            .uid(65534)
            .gid(65534)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("udp only"),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    } else {
        use std::os::unix::fs::PermissionsExt;
        for file in segment_files(base) {
            std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o000)).unwrap();
        }
        let mut c = client(base, Transport::Shm);
        ready(&mut c);
        assert!(!c.uses_shared_memory(MODULE));
    }
}

/// Run by [`a_client_that_may_not_open_the_segment_uses_udp`] as another
/// user: the agent's answers come over UDP and no segment is used.
#[test]
#[ignore = "a client process of another user, started as root by the test above"]
fn other_user_client() {
    let base: u16 = std::env::var("LARS_OTHER_USER_BASE")
        .unwrap()
        .parse()
        .unwrap();
    let mut c = client(base, Transport::Shm);
    ready(&mut c);
    c.report(MODULE, "127.0.0.1:9001".parse().unwrap(), RetCode::Succ)
        .unwrap();
    assert!(!c.uses_shared_memory(MODULE));
    println!("udp only");
}
