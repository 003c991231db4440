//! lars-reporter's `ReportStatusRequest` handler (and what it feeds: the
//! writers' queues and coalescers) and the reactor's TCP framing, fed
//! random byte streams over 127.0.0.1: no thread panics, and a valid
//! report after the garbage reaches the store — sent on the same
//! connection when the garbage was whole frames, else on another one once
//! the daemon has handled (and closed) the garbage connection.

mod util;

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use lars_fuzz::messages::reporter_requests;
use lars_fuzz::pieces::stream;
use lars_proto::{frame, msgid, HostCallResult, ModuleId, ReportStatusRequest};
use lars_reporter::{ReporterConfig, ReporterService, StoreOpener};
use lars_store::{CallStatus, StatusStore, StoreError, StoreSettings};
use lars_testkit::client::FrameClient;
use util::{check, closed_after_our_end, fuzz, garbage_connection, ANSWER};

/// The probe's module and caller: no garbage report uses them (the
/// fuzzed ids stay small or are random 32-bit values).
const PROBE_MODID: i32 = 2_000_000_011;
const PROBE_CALLER: i32 = 0x0B0B_0B0B;

/// A status store that keeps nothing but the time stamp of the latest
/// probe row it was given.
#[derive(Clone, Default)]
struct ProbeSink(Arc<(Mutex<u32>, Condvar)>);

impl ProbeSink {
    /// Whether the probe with time stamp `ts` is stored within [`ANSWER`].
    fn stored(&self, ts: u32) -> bool {
        let (latest, changed) = &*self.0;
        let guard = latest.lock().unwrap();
        let (guard, _) = changed
            .wait_timeout_while(guard, ANSWER, |latest| *latest != ts)
            .unwrap();
        *guard == ts
    }
}

impl StatusStore for ProbeSink {
    fn describe(&self) -> String {
        "probe sink".into()
    }

    fn upsert_statuses(&mut self, rows: &[CallStatus]) -> Result<(), StoreError> {
        let probe = ModuleId::new(PROBE_MODID, 1);
        if let Some(row) = rows.iter().rev().find(|r| r.module == probe) {
            let (latest, changed) = &*self.0;
            *latest.lock().unwrap() = row.ts;
            changed.notify_all();
        }
        Ok(())
    }

    fn read_statuses(
        &mut self,
        _modid: Option<i32>,
        _cmdid: Option<i32>,
    ) -> Result<Vec<CallStatus>, StoreError> {
        Ok(Vec::new())
    }
}

/// The probe report of case `n`: its time stamp is `n`.
fn probe_frame(n: u32) -> Vec<u8> {
    let report = ReportStatusRequest {
        modid: PROBE_MODID,
        cmdid: 1,
        caller: PROBE_CALLER,
        results: vec![HostCallResult {
            ip: 0x0A00_0001,
            port: 9000,
            succ: n,
            err: 0,
            overload: false,
        }],
        ts: n,
    };
    frame::frame_to_vec(msgid::REPORT_STATUS_REQUEST, &report).unwrap()
}

#[test]
fn random_streams_leave_lars_reporter_storing() {
    let sink = ProbeSink::default();
    let opener_sink = sink.clone();
    let opener: StoreOpener =
        Arc::new(move || Ok(Box::new(opener_sink.clone()) as Box<dyn StatusStore>));
    let store = StoreSettings::Sqlite {
        path: "/nonexistent/only-a-name.db".into(),
    };
    let mut config = ReporterConfig::new("127.0.0.1:0".parse().unwrap(), store);
    config.server.threads = 1;
    config.db_thread_cnt = 1;
    // Every key is written as soon as it arrives.
    config.batch_size = 1;
    config.flush_interval = Duration::from_millis(10);
    let reporter = ReporterService::start_with(config, opener).unwrap();
    let addr = reporter.local_addr();
    let probe = Mutex::new(FrameClient::connect(addr).unwrap());
    let case = AtomicU32::new(0);
    let stored = |n: u32| sink.stored(n);

    fuzz(stream(reporter_requests()), |(framed, pieces)| {
        let n = case.fetch_add(1, Ordering::SeqCst) + 1;
        let mut conn = garbage_connection(addr, &pieces);
        if framed {
            conn.write_all(&probe_frame(n)).unwrap();
            check(stored(n), || {
                format!("the report sent after whole frames was not stored: {n}")
            })?;
        }
        check(closed_after_our_end(conn), || {
            "the daemon neither closed nor kept reading".into()
        })?;
        let n = case.fetch_add(1, Ordering::SeqCst) + 1;
        probe.lock().unwrap().send_bytes(&probe_frame(n)).unwrap();
        check(stored(n), || {
            format!("the report sent on a clean connection was not stored: {n}")
        })
    });
    let stats = reporter.stop();
    assert_eq!(stats.rows_lost, 0, "{stats:?}");
}
