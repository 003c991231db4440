//! A stand-in for a lars-agent's HTTP endpoint: answers
//! `GET /modules/MODID/CMDID` with hand-written JSON of the shape
//! docs/AGENT_HTTP.md defines, so the Live page can be tested without an
//! agent that serves it. The answers can be changed while it runs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// The JSON of module `modid/cmdid` with `hosts` as (`host`, `state`,
/// `rsucc`, `rerr`, last change reason or `None`).
pub fn module_json(
    modid: i32,
    cmdid: i32,
    hosts: &[(&str, &str, u64, u64, Option<&str>)],
) -> String {
    let hosts: Vec<String> = hosts
        .iter()
        .map(|(host, state, rsucc, rerr, reason)| {
            let (ip, port) = host.rsplit_once(':').unwrap();
            let change = match reason {
                Some(reason) => format!(
                    r#"{{"unix_ms": {}, "to": "{state}", "reason": "{reason}"}}"#,
                    now_ms() - 7_000
                ),
                None => "null".to_string(),
            };
            format!(
                r#"{{"host": "{host}", "ip": "{ip}", "port": {port}, "weight": 1, "state": "{state}",
                   "vsucc": {}, "verr": {}, "rsucc": {rsucc}, "rerr": {rerr},
                   "contin_succ": 0, "contin_err": 0, "last_change": {change}}}"#,
                rsucc + 180,
                rerr + 5
            )
        })
        .collect();
    format!(
        r#"{{"modid": {modid}, "cmdid": {cmdid}, "table": 2, "status": "new", "route_version": 3,
           "policy": "rr", "panic_threshold": 0, "probes_total": 4, "panic_picks_total": 0,
           "hosts": [{}]}}"#,
        hosts.join(",")
    )
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// The stub; stops when dropped.
pub struct StubAgent {
    addr: SocketAddr,
    answers: Arc<Mutex<HashMap<String, String>>>,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StubAgent {
    /// A stub on a free port of 127.0.0.1 that knows no module yet.
    pub fn start() -> StubAgent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let answers: Arc<Mutex<HashMap<String, String>>> = Arc::default();
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (answers, requests, stop) = (answers.clone(), requests.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(conn) = conn {
                        requests.fetch_add(1, Ordering::SeqCst);
                        let _ = answer(conn, &answers);
                    }
                }
            })
        };
        StubAgent {
            addr,
            answers,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves `json` for module `modid/cmdid` from now on.
    pub fn set(&self, modid: i32, cmdid: i32, json: String) {
        let path = format!("/modules/{modid}/{cmdid}");
        self.answers.lock().unwrap().insert(path, json);
    }

    /// How many requests it answered.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for StubAgent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request and answers it like an agent: the module's JSON, or
/// `404` with the agent's error text.
fn answer(conn: TcpStream, answers: &Mutex<HashMap<String, String>>) -> std::io::Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let found = answers.lock().unwrap().get(&path).cloned();
    let (status, body) = match found {
        Some(json) => ("200 OK", json),
        None => {
            let module = path.trim_start_matches("/modules/");
            let text = format!(r#"{{"error": "module {module} is not held by this agent"}}"#);
            ("404 Not Found", text)
        }
    };
    let mut conn = conn;
    write!(
        conn,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )?;
    conn.flush()
}
