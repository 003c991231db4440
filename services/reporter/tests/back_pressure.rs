//! An unpaced flood from several agents into writers with tiny queues:
//! full queues pause the connections instead of dropping, so every result
//! sent is accepted and the table ends with the last value of every key.

mod util;

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use lars_proto::{ip_to_wire, msgid, HostAddr, HostCallResult, ModuleId, ReportStatusRequest};
use lars_reactor::frame;
use lars_reporter::ReporterService;
use lars_store::CallStatus;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;

use util::*;

const SENDERS: u8 = 4;
const ROUNDS: u32 = 25;
const MODULES: i32 = 100;
const HOSTS: u8 = 5;

/// Agent `s`'s caller address.
fn caller(s: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 9, 0, s + 1)
}

/// Host `h` of every module.
fn host(h: u8) -> HostAddr {
    HostAddr::new(Ipv4Addr::new(172, 16, 1, h + 1), 8000 + u16::from(h))
}

/// The report agent `s` sends for `modid` in `round`.
fn report(s: u8, modid: i32, round: u32) -> ReportStatusRequest {
    ReportStatusRequest {
        modid,
        cmdid: 1,
        caller: ip_to_wire(caller(s)),
        ts: 1_700_000_000 + round,
        results: (0..HOSTS)
            .map(|h| HostCallResult {
                ip: ip_to_wire(host(h).ip),
                port: i32::from(host(h).port),
                succ: round,
                err: u32::from(s),
                overload: round % 2 == 1,
            })
            .collect(),
    }
}

/// Agent `s`: every round of every module, as fast as the socket takes
/// them (64 frames per write). Blocks while the service reads nothing.
fn flood(addr: SocketAddr, s: u8) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_write_timeout(Some(WAIT)).unwrap();
    let mut buf = Vec::new();
    for round in 0..ROUNDS {
        for modid in 1..=MODULES {
            frame::encode_frame(
                msgid::REPORT_STATUS_REQUEST,
                &report(s, modid, round),
                &mut buf,
            )
            .unwrap();
            if buf.len() > 64 * 40 {
                stream.write_all(&buf).expect("the service takes the flood");
                buf.clear();
            }
        }
    }
    stream.write_all(&buf).unwrap();
}

#[test]
fn a_flood_into_full_queues_loses_nothing_and_ends_with_the_last_values() {
    let db = TempSqlite::new("rep_flood");
    let mut cfg = config(db.config.clone());
    cfg.db_thread_cnt = 2;
    cfg.queue_capacity = 2;
    let service = ReporterService::start(cfg).unwrap();
    let addr = service.local_addr();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| std::thread::spawn(move || flood(addr, s)))
        .collect();
    for sender in senders {
        sender.join().expect("a sender was stopped");
    }
    let messages = u64::from(SENDERS) * u64::from(ROUNDS) * MODULES as u64;
    let results = messages * u64::from(HOSTS);
    assert!(
        wait_until(Duration::from_secs(30), || service.stats().results
            == results),
        "{:?}",
        service.stats()
    );

    // The last round of every (module, host, caller), written out by hand.
    let mut want = Vec::new();
    for modid in 1..=MODULES {
        for h in 0..HOSTS {
            for s in 0..SENDERS {
                want.push(CallStatus {
                    module: ModuleId::new(modid, 1),
                    host: host(h),
                    caller: caller(s),
                    succ_cnt: ROUNDS - 1,
                    err_cnt: u32::from(s),
                    ts: 1_700_000_000 + ROUNDS - 1,
                    overload: (ROUNDS - 1) % 2 == 1,
                });
            }
        }
    }
    want.sort_by_key(|r| (r.module, r.host, r.caller));
    assert_table(&db.config, &want);
    let stats = service.stop();
    assert_eq!((stats.messages, stats.results), (messages, results));
    assert_eq!((stats.messages_dropped, stats.updates_dropped), (0, 0));
    assert!(stats.pauses > 0, "the queues never filled: {stats:?}");
    assert_eq!(stats.rows_lost, 0);
}
