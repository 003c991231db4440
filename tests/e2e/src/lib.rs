//! Runs the real daemons as child processes for end-to-end tests.
//!
//! The binaries are taken from the cargo target directory the tests run
//! from (`cargo test --workspace` builds them; `make test` builds them
//! first explicitly). Each [`Stack`] gets its own directory, config files
//! and free ports, so tests run in parallel; children are killed on drop.
#![warn(missing_docs)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use lars_store::StoreSettings;
use lars_testkit::stores::{TempMysql, TempSqlite};
use lars_testkit::{free_tcp_port, free_udp_base, ScratchDir};

/// The directory holding the workspace's binaries.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

/// The path of workspace binary `name`, checked to exist.
pub fn binary(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace --bins` (make test does)",
        path.display()
    );
    path
}

/// Which store the stack uses.
pub enum Store {
    /// A fresh SQLite file (with the demo routes).
    Sqlite(TempSqlite),
    /// A fresh MariaDB database (demo routes loaded by `lars route demo`).
    Mysql(TempMysql),
}

impl Store {
    fn ini(&self) -> String {
        match self {
            Store::Sqlite(s) => s.ini(),
            Store::Mysql(m) => m.ini(),
        }
    }

    /// The store's settings, to read or write it from the test.
    pub fn config(&self) -> &StoreSettings {
        match self {
            Store::Sqlite(s) => &s.config,
            Store::Mysql(m) => &m.config,
        }
    }
}

/// Where the daemons serve `/metrics` and `/healthz`.
#[derive(Debug, Clone, Copy)]
pub struct Http {
    /// lars-dns.
    pub dns: SocketAddr,
    /// lars-reporter.
    pub reporter: SocketAddr,
    /// lars-agent (also `/modules`).
    pub agent: SocketAddr,
}

/// The three daemons, running.
pub struct Stack {
    /// Working directory with the config files and logs (kept when a test
    /// fails, for its logs).
    pub dir: PathBuf,
    _scratch: Option<ScratchDir>,
    /// The store.
    pub store: Store,
    /// lars-dns address.
    pub dns_port: u16,
    /// First agent UDP port.
    pub agent_base: u16,
    /// The daemons' HTTP endpoints (`[metrics] listen`): DNS, reporter,
    /// agent.
    pub http: Http,
    dns: Option<Child>,
    reporter: Option<Child>,
    agent: Option<Child>,
    extra_agents: Vec<Child>,
}

impl Stack {
    /// Starts dns, reporter and agent; `lb` is extra `[loadbalance]` lines.
    pub fn start(store: Store, lb: &str) -> Stack {
        let store_ini = store.ini();
        Stack::start_with_logins(store, lb, &store_ini, &store_ini)
    }

    /// Like [`Stack::start`], lars-dns and lars-reporter reaching the store
    /// with the `[store]`/`[mysql]` lines given (each its own user).
    pub fn start_with_logins(
        store: Store,
        lb: &str,
        dns_store_ini: &str,
        reporter_store_ini: &str,
    ) -> Stack {
        let scratch = ScratchDir::new("e2e");
        let dir = scratch.path().to_path_buf();
        let (dns_port, reporter_port, agent_base) =
            (free_tcp_port(), free_tcp_port(), free_udp_base());
        let local = |port: u16| SocketAddr::from(([127, 0, 0, 1], port));
        let http = Http {
            dns: local(free_tcp_port()),
            reporter: local(free_tcp_port()),
            agent: local(free_tcp_port()),
        };
        write(&dir, "dns.conf", &format!(
            "[reactor]\nport = {dns_port}\nthreadNum = 2\n{dns_store_ini}[dns]\npoll_interval = 0.1\nstore_connect_attempts = 10\n\
             [metrics]\nlisten = {}\n", http.dns
        ));
        write(&dir, "reporter.conf", &format!(
            "[reactor]\nport = {reporter_port}\nthreadNum = 1\n{reporter_store_ini}[reporter]\nflush_interval = 0.2\ndb_thread_cnt = 2\n\
             [metrics]\nlisten = {}\n", http.reporter
        ));
        write(
            &dir,
            "agent.conf",
            &format!(
                "[agent]\nbase_port = {agent_base}\nreport_interval = 0.2\n\
             [dnsserver]\nport = {dns_port}\n[reporter]\nport = {reporter_port}\n\
             [metrics]\nlisten = {}\n[loadbalance]\n{lb}\n",
                http.agent
            ),
        );
        let mut stack = Stack {
            dir,
            _scratch: Some(scratch),
            store,
            dns_port,
            agent_base,
            http,
            dns: None,
            reporter: None,
            agent: None,
            extra_agents: Vec::new(),
        };
        if let Store::Mysql(_) = stack.store {
            // Demo routes for MariaDB (SQLite files get them on creation),
            // written as the store's own user.
            write(&stack.dir, "store.conf", &stack.store.ini());
            let out = stack.lars(&["route", "--config", "store.conf", "demo"]);
            assert!(
                out.status.success(),
                "lars route demo: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        stack.start_dns();
        stack.reporter = Some(stack.spawn("lars-reporter", "lars-reporter", "reporter.conf"));
        stack.start_agent();
        stack.wait_tcp(reporter_port);
        stack
    }

    fn spawn(&self, log_name: &str, name: &str, conf: &str) -> Child {
        let log = std::fs::File::create(self.dir.join(format!("{log_name}.log"))).unwrap();
        Command::new(binary(name))
            .args(["-c", conf])
            .current_dir(&self.dir)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"))
    }

    fn wait_tcp(&self, port: u16) {
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let up = lars_testkit::wait_until(Duration::from_secs(10), || {
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok()
        });
        assert!(
            up,
            "nothing listens on {addr}; logs in {}",
            self.dir.display()
        );
    }

    /// Starts (or restarts) lars-dns.
    pub fn start_dns(&mut self) {
        self.dns = Some(self.spawn("lars-dns", "lars-dns", "dns.conf"));
        self.wait_tcp(self.dns_port);
    }

    /// Kills lars-dns with SIGKILL.
    pub fn kill_dns(&mut self) {
        kill(self.dns.take());
    }

    /// Starts the agent.
    pub fn start_agent(&mut self) {
        self.agent = Some(self.spawn("lars-agent", "lars-agent", "agent.conf"));
    }

    /// Starts another agent on a free base port, fed by the same DNS
    /// service and reporter; returns its base port. It is killed with the
    /// stack.
    pub fn start_extra_agent(&mut self) -> u16 {
        let base = free_udp_base();
        let main = std::fs::read_to_string(self.dir.join("agent.conf")).unwrap();
        let conf = format!("agent-{base}.conf");
        // Its own UDP ports and its own HTTP port.
        let text = main
            .replacen(
                &format!("base_port = {}", self.agent_base),
                &format!("base_port = {base}"),
                1,
            )
            .replacen(
                &format!("listen = {}", self.http.agent),
                &format!("listen = 127.0.0.1:{}", free_tcp_port()),
                1,
            );
        write(&self.dir, &conf, &text);
        let child = self.spawn(&format!("lars-agent-{base}"), "lars-agent", &conf);
        self.extra_agents.push(child);
        base
    }

    /// Stops the agent (SIGTERM) and waits for it.
    pub fn stop_agent(&mut self) {
        if let Some(mut child) = self.agent.take() {
            // SAFETY: plain kill(2) on our own child's pid.
            unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
            let _ = child.wait();
        }
    }

    /// Runs the `lars` tool in the stack's directory.
    pub fn lars(&self, args: &[&str]) -> Output {
        Command::new(binary("lars"))
            .args(args)
            .current_dir(&self.dir)
            .output()
            .expect("run lars")
    }

    /// Runs `lars route --config dns.conf ARGS...` against the stack's store.
    pub fn route_cmd(&self, args: &[&str]) -> Output {
        let mut full = vec!["route", "--config", "dns.conf"];
        full.extend_from_slice(args);
        self.lars(&full)
    }

    /// Like [`Stack::route_cmd`], asserting success.
    pub fn route_ok(&self, args: &[&str]) {
        let out = self.route_cmd(args);
        assert!(
            out.status.success(),
            "lars route {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A UDP client of this stack's agent with the given timeout (reports
    /// take effect at once, in order with the requests).
    pub fn client(&self, timeout: Duration) -> lars_api::LarsClient {
        client_at(self.agent_base, timeout)
    }

    /// A client of this stack's agent that reaches it by `transport`.
    pub fn client_via(
        &self,
        timeout: Duration,
        transport: lars_api::Transport,
    ) -> lars_api::LarsClient {
        lars_api::LarsClient::with_options(lars_api::ClientOptions {
            base_port: self.agent_base,
            timeout,
            transport,
            ..lars_api::ClientOptions::default()
        })
        .unwrap()
    }
}

/// A UDP client of the agent on 127.0.0.1 at `base_port`.
pub fn client_at(base_port: u16, timeout: Duration) -> lars_api::LarsClient {
    lars_api::LarsClient::with_options(lars_api::ClientOptions {
        agent_ip: std::net::Ipv4Addr::LOCALHOST,
        base_port,
        timeout,
        spin: None,
        transport: lars_api::Transport::Udp,
    })
    .unwrap()
}

impl Drop for Stack {
    fn drop(&mut self) {
        for child in self.extra_agents.drain(..) {
            kill(Some(child));
        }
        kill(self.agent.take());
        kill(self.reporter.take());
        kill(self.dns.take());
        if std::thread::panicking() {
            // Keep the logs of a failed test.
            std::mem::forget(self._scratch.take());
        }
    }
}

fn kill(child: Option<Child>) {
    if let Some(mut c) = child {
        let _ = c.kill();
        let _ = c.wait();
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}
