//! Shared helpers of the reporter's integration tests: a fast-flushing
//! config, building reports and their expected rows, reading the table
//! with a deadline, and an in-memory store that can be switched off.
#![allow(dead_code)]

pub mod fake;
pub mod scenarios;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use lars_proto::{ip_to_wire, msgid, HostAddr, HostCallResult, ModuleId, ReportStatusRequest};
use lars_reporter::{ReporterConfig, ReporterService};
use lars_store::{open_status_store, CallStatus, StoreSettings};
use lars_testkit::client::FrameClient;
use lars_testkit::wait_until;

/// How long a test waits for rows to reach the store.
pub const WAIT: Duration = Duration::from_secs(10);

/// A caller at or above 128.0.0.0, negative on the wire.
pub const CALLER: Ipv4Addr = Ipv4Addr::new(200, 1, 2, 3);

/// A service on a free port with 2 network threads, 3 writers, a 50 ms
/// flush interval and quick retries (logs with `RUST_LOG=info`).
pub fn config(store: StoreSettings) -> ReporterConfig {
    let _ = env_logger::builder().is_test(true).try_init();
    let mut c = ReporterConfig::new("127.0.0.1:0".parse().unwrap(), store);
    c.server.threads = 2;
    c.flush_interval = Duration::from_millis(50);
    c.retry_min = Duration::from_millis(50);
    c.retry_max = Duration::from_millis(300);
    c.shutdown_timeout = Duration::from_secs(2);
    c
}

/// One host result: `(ip, port, succ, err, overload)`.
pub type Host = (Ipv4Addr, i32, u32, u32, bool);

/// A report from [`CALLER`] as the test describes it.
#[derive(Debug, Clone)]
pub struct Report {
    /// The module.
    pub module: ModuleId,
    /// The report's time stamp.
    pub ts: u32,
    /// Its host results.
    pub hosts: Vec<Host>,
}

impl Report {
    /// The message an agent sends.
    pub fn wire(&self) -> ReportStatusRequest {
        ReportStatusRequest {
            modid: self.module.modid,
            cmdid: self.module.cmdid,
            caller: ip_to_wire(CALLER),
            results: self
                .hosts
                .iter()
                .map(|&(ip, port, succ, err, overload)| HostCallResult {
                    ip: ip_to_wire(ip),
                    port,
                    succ,
                    err,
                    overload,
                })
                .collect(),
            ts: self.ts,
        }
    }

    /// The rows the report must leave in the table: one per host whose
    /// port fits in 0..=65535, each column as reported.
    pub fn rows(&self) -> Vec<CallStatus> {
        self.hosts
            .iter()
            .filter_map(|&(ip, port, succ_cnt, err_cnt, overload)| {
                Some(CallStatus {
                    module: self.module,
                    host: HostAddr::new(ip, u16::try_from(port).ok()?),
                    caller: CALLER,
                    succ_cnt,
                    err_cnt,
                    ts: self.ts,
                    overload,
                })
            })
            .collect()
    }
}

/// A report from [`CALLER`] for module `modid/cmdid` at `ts`.
pub fn report(modid: i32, cmdid: i32, ts: u32, hosts: &[Host]) -> Report {
    Report {
        module: ModuleId::new(modid, cmdid),
        ts,
        hosts: hosts.to_vec(),
    }
}

/// Sends every report on `client`.
pub fn send_all(client: &mut FrameClient, reports: &[Report]) {
    for r in reports {
        client
            .send(msgid::REPORT_STATUS_REQUEST, &r.wire())
            .unwrap();
    }
}

/// The latest row per (module, host, caller) of `reports`, in the order the
/// store reads them back (sorted by those columns).
pub fn latest(reports: &[Report]) -> Vec<CallStatus> {
    let mut map = BTreeMap::new();
    for r in reports {
        for row in r.rows() {
            map.insert((row.module, row.host, row.caller), row);
        }
    }
    map.into_values().collect()
}

/// The whole table, or `None` while the store cannot be read.
pub fn read_all(store: &StoreSettings) -> Option<Vec<CallStatus>> {
    let mut s = open_status_store(store).ok()?;
    s.read_statuses(None, None).ok()
}

/// Waits until the table equals `want` (sorted by key); panics with the
/// difference otherwise.
pub fn assert_table(store: &StoreSettings, want: &[CallStatus]) {
    let ok = wait_until(WAIT, || read_all(store).as_deref() == Some(want));
    if !ok {
        let got = read_all(store).unwrap_or_default();
        let missing = want.iter().filter(|r| !got.contains(r)).count();
        let extra: Vec<_> = got.iter().filter(|r| !want.contains(r)).take(5).collect();
        panic!(
            "table has {} rows, want {}: {missing} wanted rows missing or different; e.g. extra {extra:?}",
            got.len(),
            want.len()
        );
    }
}

/// Waits until the service has accepted `results` host results.
pub fn wait_accepted(service: &ReporterService, results: u64) {
    assert!(
        wait_until(WAIT, || service.stats().results >= results),
        "accepted {:?}, want {results} results",
        service.stats()
    );
}

/// `n` reports: module `modid_base + i`, `hosts` hosts each with
/// addresses from 128.0.0.0 up, counts derived from `round`.
pub fn modules(modid_base: i32, n: i32, hosts: u8, round: u32) -> Vec<Report> {
    (0..n)
        .map(|i| {
            let hs: Vec<Host> = (0..hosts)
                .map(|h| {
                    let ip = Ipv4Addr::new(128 + h, 0, (i / 256) as u8, (i % 256) as u8);
                    (
                        ip,
                        9000 + i32::from(h),
                        round * 100 + u32::from(h),
                        round,
                        round % 2 == 1,
                    )
                })
                .collect();
            report(modid_base + i, 1, 1_700_000_000 + round, &hs)
        })
        .collect()
}

/// One `#[test]` per scenario of `scenarios.rs`, each on a fresh store
/// made by `$store` (a `TempSqlite` or `TempMysql`).
#[macro_export]
macro_rules! scenario_tests {
    ($store:expr) => {
        $crate::scenario_tests!(
            $store;
            report_reaches_the_table,
            last_of_ten_reports_wins,
            two_thousand_keys_arrive_intact,
            stop_flushes_pending_rows,
        );
    };
    ($store:expr; $($scenario:ident),* $(,)?) => {
        $(
            #[test]
            fn $scenario() {
                let db = $store;
                $crate::util::scenarios::$scenario(db.config.clone());
            }
        )*
    };
}
