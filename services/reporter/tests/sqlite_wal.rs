//! The SQLite write-ahead log stays bounded under a report flood and
//! shrinks back once the flood is over.

mod util;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lars_proto::{frame, msgid, HostCallResult, ReportStatusRequest};
use lars_reporter::ReporterService;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

use util::config;

const MB: u64 = 1024 * 1024;

/// How long the agents flood.
const FLOOD: Duration = Duration::from_secs(8);

/// How often the log's size is looked at.
const SAMPLE: Duration = Duration::from_millis(20);

fn wal_size(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal)).map_or(0, |m| m.len())
}

/// One agent (caller `sender`) flooding `addr` with reports of 20 hosts
/// over 2000 modules until `stop`; returns how many it sent.
fn flood(addr: SocketAddr, sender: i32, stop: &AtomicBool) -> u64 {
    let mut stream = TcpStream::connect(addr).unwrap();
    let mut buf = Vec::new();
    let mut round = 0u32;
    while !stop.load(Ordering::Relaxed) {
        buf.clear();
        for m in 0..64 {
            let msg = ReportStatusRequest {
                modid: (round as i32 * 64 + m) % 2000,
                cmdid: sender,
                caller: sender,
                results: (0..20)
                    .map(|h| HostCallResult {
                        ip: 0x0A00_0000 + h,
                        port: 9000,
                        succ: round,
                        err: 1,
                        overload: false,
                    })
                    .collect(),
                ts: round,
            };
            frame::encode_frame(msgid::REPORT_STATUS_REQUEST, &msg, &mut buf).unwrap();
        }
        stream
            .write_all(&buf)
            .expect("the reporter reads its connections");
        round += 1;
    }
    u64::from(round) * 64
}

/// Four agents flood the reporter for 8 s with reports spread over 16 000
/// keys, from several writer threads at once: SQLite's own passive
/// checkpoints never catch up with them, so without truncating
/// checkpoints the log grows by megabytes a second and is never given
/// back. It must stay within 64 MiB while the flood is written, and be
/// empty again once the writers have been idle for a while.
#[test]
fn wal_stays_bounded_in_a_flood_and_shrinks_back() {
    let db = TempSqlite::new("rep_wal");
    let service = ReporterService::start(config(db.config.clone())).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (1..=4)
        .map(|s| {
            let (addr, stop) = (service.local_addr(), stop.clone());
            std::thread::spawn(move || flood(addr, s, &stop))
        })
        .collect();
    let mut largest = 0;
    let mut sample = || largest = largest.max(wal_size(db.path()));
    let started = Instant::now();
    while started.elapsed() < FLOOD {
        sample();
        std::thread::sleep(SAMPLE);
    }
    stop.store(true, Ordering::SeqCst);
    let sent: u64 = senders.into_iter().map(|s| s.join().unwrap()).sum();
    let drained = wait_until(Duration::from_secs(60), || {
        sample();
        let s = service.stats();
        s.messages + s.messages_dropped == sent && s.queued == 0 && s.pending_keys == 0
    });
    let stats = service.stats();
    assert!(drained, "{sent} messages sent, {stats:?}");
    assert!(
        largest <= 64 * MB,
        "the log reached {largest} bytes while {} rows were written",
        stats.rows_written
    );
    assert!(
        wait_until(Duration::from_secs(10), || wal_size(db.path()) == 0),
        "the log still holds {} bytes after the flood ({} rows written)",
        wal_size(db.path()),
        stats.rows_written
    );
    service.stop();
}
