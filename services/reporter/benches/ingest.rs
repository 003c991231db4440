//! Ingest benchmark of the report service against MariaDB (127.0.0.1:3306,
//! a fresh database per phase): 4 connections — 4 agents, each its own
//! caller — send `ReportStatusRequest`s of 10 host results for
//! `LARS_BENCH_SECS` seconds (default 5), rotating over 1000 modules × 10
//! hosts, in two phases:
//!
//! 1. *paced*: together `LARS_BENCH_RATE` host results/s (default 1000000,
//!    ten times the target), where nothing may be dropped and the table
//!    must end with the latest value of every key;
//! 2. *flood*: as fast as the senders can, to find the ceiling and show
//!    that overload is pushed back to the senders (a full writer queue
//!    pauses the connections feeding it, so TCP slows them down), not
//!    dropped and not absorbed by memory: here too the table must end with
//!    the latest value of every key. The senders run in this process, so
//!    they compete with the service for the CPU.
//!
//! `LARS_BENCH_BATCH` overrides `batch_size` (500). Each phase prints the
//! accepted rate, the store's rate, the backlog (lag)
//! when the senders stop and how long it takes to flush, and the RSS.
//! `LARS_BENCH_STORE=sqlite` writes to a fresh SQLite file instead, and
//! also prints the largest size its write-ahead log reached.
//!
//! `cargo bench -p lars-reporter --bench ingest`

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lars_proto::{msgid, HostCallResult, ReportStatusRequest};
use lars_reactor::frame;
use lars_reporter::{ReporterConfig, ReporterService, ReporterStats};
use lars_store::open_status_store;
use lars_store::StoreSettings;
use lars_testkit::stores::{TempMysql, TempSqlite};
use lars_testkit::{proc_status_kib, wait_until};

const SENDERS: u32 = 4;
const MODULES: u32 = 1000;
const HOSTS: u32 = 10;
/// Frames written per `write_all`.
const FRAMES_PER_WRITE: u32 = 64;

fn main() {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let secs = env_number("LARS_BENCH_SECS", 5);
    let rate = env_number("LARS_BENCH_RATE", 1_000_000);
    let (hwm, rss) = memory();
    println!("memory at start: VmHWM {hwm} kB, VmRSS {rss} kB");
    run_phase(&format!("paced at {rate} results/s"), Some(rate), secs);
    run_phase("flood", None, secs);
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// One phase: a fresh database and service, senders at `rate` results/s
/// (`None`: unpaced) for `secs` seconds.
fn run_phase(name: &str, rate: Option<u64>, secs: u64) {
    let db = BenchStore::new();
    let mut config = ReporterConfig::new("127.0.0.1:0".parse().unwrap(), db.config().clone());
    config.batch_size = env_number("LARS_BENCH_BATCH", config.batch_size as u64) as usize;
    println!(
        "\n== {name}: {SENDERS} connections × reports of {HOSTS} results, {MODULES} modules, \
         {secs} s; {} network threads, {} writers, flush {:?} / {} keys, batches of {} rows; store {}",
        config.server.threads,
        config.db_thread_cnt,
        config.flush_interval,
        config.batch_size,
        config.batch_size,
        db.config()
    );
    let (hwm0, rss0) = memory();
    // Messages per second per sender.
    let per_sender = rate.map(|r| r as f64 / f64::from(HOSTS * SENDERS));
    let service = ReporterService::start(config).expect("start the reporter");
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<JoinHandle<u32>> = (0..SENDERS)
        .map(|s| {
            let (addr, stop) = (service.local_addr(), stop.clone());
            std::thread::spawn(move || send(addr, s, per_sender, &stop))
        })
        .collect();

    let started = Instant::now();
    let (mut max_pending, mut max_queued, mut last, mut last_t) = (0, 0, service.stats(), started);
    let mut max_wal = 0;
    while started.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_millis(100));
        max_wal = max_wal.max(db.wal_bytes());
        let s = service.stats();
        (max_pending, max_queued) = (max_pending.max(s.pending_keys), max_queued.max(s.queued));
        if last_t.elapsed() >= Duration::from_secs(1) {
            let dt = last_t.elapsed().as_secs_f64();
            println!(
                "  {:>4.1} s: {:>8.0} results/s accepted, {:>8.0} rows/s written, {:>5.0} batches/s, \
                 pending {:>6}, queued {:>5}, RSS {} kB",
                started.elapsed().as_secs_f64(),
                (s.results - last.results) as f64 / dt,
                (s.rows_written - last.rows_written) as f64 / dt,
                (s.batches_written - last.batches_written) as f64 / dt,
                s.pending_keys,
                s.queued,
                memory().1
            );
            (last, last_t) = (s, Instant::now());
        }
    }
    stop.store(true, Ordering::SeqCst);
    let sent: Vec<u32> = senders.into_iter().map(|t| t.join().unwrap()).collect();
    let window = started.elapsed().as_secs_f64();
    let at_stop = service.stats();
    let total_sent: u64 = sent.iter().map(|&n| u64::from(n)).sum();

    // Lag: what the store is behind when the senders stop, and how long it
    // takes to catch up (socket buffers included).
    let drain_start = Instant::now();
    let caught_up = wait_until(Duration::from_secs(60), || {
        max_wal = max_wal.max(db.wal_bytes());
        let s = service.stats();
        s.messages + s.messages_dropped == total_sent && s.queued == 0 && s.pending_keys == 0
    });
    let drain = drain_start.elapsed();
    let (hwm1, rss1) = memory();
    let fin = service.stop();
    report(&at_stop, &fin, total_sent, window, drain, caught_up);
    println!(
        "  memory: VmHWM {hwm0} kB at start → {hwm1} kB at end; VmRSS {rss0} kB → {rss1} kB; \
         max during run: {max_pending} pending keys, {max_queued} queued items"
    );
    if let BenchStore::Sqlite(_) = db {
        println!(
            "  SQLite write-ahead log: at most {:.1} MB during the run and the flush",
            max_wal as f64 / 1e6
        );
    }
    check_table(&db, &sent, fin.messages_dropped == 0);
}

/// One agent: sends reports (`rate` messages/s, or unpaced) until `stop`;
/// returns how many it sent.
fn send(addr: SocketAddr, s: u32, rate: Option<f64>, stop: &AtomicBool) -> u32 {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect");
    let caller = (0xC0A8_0000 + s + 1) as i32; // 192.168.0.s+1, negative on the wire
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut k: u32 = 0;
    let mut msg = ReportStatusRequest {
        caller,
        cmdid: 1,
        ..Default::default()
    };
    while !stop.load(Ordering::Relaxed) {
        buf.clear();
        for _ in 0..FRAMES_PER_WRITE {
            let (m, round) = (k % MODULES, k / MODULES);
            msg.modid = m as i32 + 1;
            msg.ts = round;
            msg.results.clear();
            msg.results.extend((0..HOSTS).map(|h| host(m, h, round)));
            frame::encode_frame(msgid::REPORT_STATUS_REQUEST, &msg, &mut buf).unwrap();
            k += 1;
        }
        stream.write_all(&buf).expect("send");
        if let Some(rate) = rate {
            let due = started + Duration::from_secs_f64(f64::from(k) / rate);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
    }
    k
}

fn host(m: u32, h: u32, round: u32) -> HostCallResult {
    HostCallResult {
        ip: (0x0A00_0000 + m * 16 + h) as i32,
        port: 8000 + h as i32,
        succ: round,
        err: h,
        overload: round % 2 == 1,
    }
}

fn report(
    at_stop: &ReporterStats,
    fin: &ReporterStats,
    sent: u64,
    window: f64,
    drain: Duration,
    caught_up: bool,
) {
    println!("results over the {window:.2} s sending window:");
    println!(
        "  accepted: {:>9.0} messages/s, {:>9.0} host results/s ({} messages sent, {} accepted, {} dropped, {} updates dropped at the key bound; connections paused {} times at full queues)",
        at_stop.messages as f64 / window,
        at_stop.results as f64 / window,
        sent,
        fin.messages,
        fin.messages_dropped,
        fin.updates_dropped,
        fin.pauses
    );
    println!(
        "  store:    {:>9.0} rows/s written, {:>9.1} batches (transactions) /s, {:.0} rows per batch, {} write failures",
        at_stop.rows_written as f64 / window,
        at_stop.batches_written as f64 / window,
        at_stop.rows_written as f64 / at_stop.batches_written.max(1) as f64,
        fin.write_failures
    );
    println!(
        "  lag when the senders stopped: {} keys pending, {} items queued, {} messages still in socket buffers; \
         flushed in {:.0} ms{}",
        at_stop.pending_keys,
        at_stop.queued,
        sent - at_stop.messages - at_stop.messages_dropped,
        drain.as_secs_f64() * 1000.0,
        if caught_up { "" } else { " (NOT caught up after 60 s)" }
    );
    println!(
        "  final: {} rows written in {} batches, {} rows lost",
        fin.rows_written, fin.batches_written, fin.rows_lost
    );
}

/// Checks that every (caller, module, host) holds its last sent round;
/// asserted only when nothing was dropped (`strict`).
fn check_table(db: &BenchStore, sent: &[u32], strict: bool) {
    let rows = open_status_store(db.config())
        .and_then(|mut s| s.read_statuses(None, None))
        .expect("read the table");
    let mut expected = 0usize;
    for &n in sent {
        expected += (n.min(MODULES) * HOSTS) as usize;
    }
    let wrong = rows
        .iter()
        .filter(|r| {
            let s = (u32::from(r.caller) - 0xC0A8_0001) as usize;
            let m = r.module.modid as u32 - 1;
            let n = sent[s];
            let last_k = m + (n - 1 - m) / MODULES * MODULES;
            r.succ_cnt != last_k / MODULES || r.ts != last_k / MODULES
        })
        .count();
    println!(
        "  table: {} rows (want {expected}), {wrong} not holding the latest value{}",
        rows.len(),
        if strict {
            ""
        } else {
            " (messages were dropped)"
        }
    );
    if strict {
        assert_eq!((rows.len(), wrong), (expected, 0));
    }
}

/// The store of one phase: a fresh MariaDB database, or a fresh SQLite
/// file with `LARS_BENCH_STORE=sqlite`.
enum BenchStore {
    Mysql(TempMysql),
    Sqlite(TempSqlite),
}

impl BenchStore {
    fn new() -> BenchStore {
        match std::env::var("LARS_BENCH_STORE").as_deref() {
            Ok("sqlite") => BenchStore::Sqlite(TempSqlite::new("bench_reporter")),
            _ => BenchStore::Mysql(TempMysql::new("bench_reporter")),
        }
    }

    fn config(&self) -> &StoreSettings {
        match self {
            BenchStore::Mysql(db) => &db.config,
            BenchStore::Sqlite(db) => &db.config,
        }
    }

    /// The size of the SQLite write-ahead log (0 for MariaDB).
    fn wal_bytes(&self) -> u64 {
        let BenchStore::Sqlite(db) = self else {
            return 0;
        };
        let mut wal = db.path().as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map_or(0, |m| m.len())
    }
}

/// (VmHWM, VmRSS) of this process in kB.
fn memory() -> (u64, u64) {
    let field = |name: &str| proc_status_kib(name).unwrap_or(0);
    (field("VmHWM:"), field("VmRSS:"))
}
