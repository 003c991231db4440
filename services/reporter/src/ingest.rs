//! From a decoded `ReportStatusRequest` to the writers' queues, on the
//! network threads: convert each host result to a row, pick the writer by
//! module (so one module's updates stay in order), and queue without ever
//! blocking — a full queue drops the message, counted and logged
//! (throttled).

use std::net::SocketAddr;
use std::sync::Arc;

use crossbeam_channel::{Sender, TrySendError};
use lars_proto::{ip_from_wire, HostAddr, ModuleId, ReportStatusRequest};
use lars_reactor::LogThrottle;
use lars_store::CallStatus;

use crate::stats::Stats;

/// Largest number of rows in one queue item: a message with more results is
/// split, so the memory a full queue holds is bounded whatever the peers
/// send.
pub const MAX_ROWS_PER_ITEM: usize = 64;

/// One queue item: rows of one module, in the order they were reported.
pub type Batch = Vec<CallStatus>;

/// The rows of `req`, one per host result, and the number of results
/// skipped because their port is not in 0..=65535.
pub fn rows_of(req: &ReportStatusRequest) -> (Vec<CallStatus>, usize) {
    let module = ModuleId::new(req.modid, req.cmdid);
    let caller = ip_from_wire(req.caller);
    let mut rejected = 0;
    let rows = req
        .results
        .iter()
        .filter_map(|r| match u16::try_from(r.port) {
            // A statistic of port 0 is stored as reported: the reporter
            // records, it does not judge.
            Ok(port) => Some(CallStatus {
                module,
                host: HostAddr::new(ip_from_wire(r.ip), port),
                caller,
                succ_cnt: r.succ,
                err_cnt: r.err,
                ts: req.ts,
                overload: r.overload,
            }),
            Err(_) => {
                rejected += 1;
                None
            }
        })
        .collect();
    (rows, rejected)
}

/// The writer (of `writers`) that owns `module`: a fixed mix of the module
/// key, so modules spread evenly and a module never moves.
pub fn writer_of(module: ModuleId, writers: usize) -> usize {
    // The splitmix64 finaliser.
    let mut x = module.key();
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^= x >> 31;
    (x % writers.max(1) as u64) as usize
}

/// The throttled warnings of one network thread. Loop thread only.
#[derive(Debug, Default)]
pub struct IngestLog {
    bad_port: LogThrottle,
    queue_full: LogThrottle,
}

/// The senders to every writer's queue. Safe from any thread.
#[derive(Debug)]
pub struct Ingest {
    queues: Vec<Sender<Batch>>,
    stats: Arc<Stats>,
}

impl Ingest {
    /// Ingest into `queues` (one per writer, at least one).
    pub fn new(queues: Vec<Sender<Batch>>, stats: Arc<Stats>) -> Ingest {
        assert!(!queues.is_empty(), "at least one writer queue");
        Ingest { queues, stats }
    }

    /// Converts `req` (from `peer`) and queues its rows to the module's
    /// writer. Never blocks: when the queue is full the rest of the message
    /// is dropped.
    pub fn submit(&self, req: &ReportStatusRequest, peer: SocketAddr, log: &mut IngestLog) {
        let (rows, rejected) = rows_of(req);
        if rejected > 0 {
            self.stats.rejected(rejected);
            log.bad_port.warn(|| {
                format!(
                    "{peer}: module {}/{}: {rejected} host result(s) with a port outside 0..=65535 ignored",
                    req.modid, req.cmdid
                )
            });
        }
        if rows.is_empty() {
            return;
        }
        let accepted = rows.len();
        let writer = writer_of(ModuleId::new(req.modid, req.cmdid), self.queues.len());
        let queue = &self.queues[writer];
        // Results queued: a large message goes in chunks, and the chunks
        // queued before the queue filled up are stored.
        let mut queued = 0;
        let outcome = if accepted <= MAX_ROWS_PER_ITEM {
            queue.try_send(rows).map(|()| queued = accepted)
        } else {
            rows.chunks(MAX_ROWS_PER_ITEM).try_for_each(|chunk| {
                queue.try_send(chunk.to_vec())?;
                queued += chunk.len();
                Ok(())
            })
        };
        if queued > 0 {
            self.stats.accepted(queued);
        }
        match outcome {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                if queued == 0 {
                    self.stats.message_dropped();
                }
                log.queue_full.warn(|| {
                    format!(
                        "{peer}: module {}/{}: writer {writer}'s queue is full ({} items); {} of {accepted} host results dropped",
                        req.modid,
                        req.cmdid,
                        queue.capacity().unwrap_or_default(),
                        accepted - queued
                    )
                });
            }
            Err(TrySendError::Disconnected(_)) => {
                log::debug!("{peer}: report dropped: the service is stopping");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::HostCallResult;

    fn result(ip: i32, port: i32, succ: u32) -> HostCallResult {
        HostCallResult {
            ip,
            port,
            succ,
            err: 2,
            overload: true,
        }
    }

    fn request(results: Vec<HostCallResult>) -> ReportStatusRequest {
        ReportStatusRequest {
            modid: 7,
            cmdid: 8,
            caller: -1_062_731_343, // 192.168.1.177
            results,
            ts: 1_700_000_000,
        }
    }

    #[test]
    fn results_become_rows_with_unsigned_addresses() {
        let req = request(vec![result(-1, 9000, 5), result(0x0a00_0001, 0, 1)]);
        let (rows, rejected) = rows_of(&req);
        assert_eq!(rejected, 0);
        assert_eq!(
            rows[0],
            CallStatus {
                module: ModuleId::new(7, 8),
                host: "255.255.255.255:9000".parse().unwrap(),
                caller: "192.168.1.177".parse().unwrap(),
                succ_cnt: 5,
                err_cnt: 2,
                ts: 1_700_000_000,
                overload: true,
            }
        );
        assert_eq!(rows[1].host, HostAddr::from_number(0x0a00_0001, 0));
    }

    #[test]
    fn impossible_ports_are_skipped_and_counted() {
        let req = request(vec![
            result(1, -1, 1),
            result(1, 65535, 1),
            result(1, 65536, 1),
        ]);
        let (rows, rejected) = rows_of(&req);
        assert_eq!(rejected, 2);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].host.port, 65535);
    }

    #[test]
    fn a_module_always_maps_to_one_writer_and_modules_spread() {
        let mut counts = [0usize; 3];
        for modid in 0..3000 {
            let w = writer_of(ModuleId::new(modid, 1), 3);
            assert_eq!(w, writer_of(ModuleId::new(modid, 1), 3));
            counts[w] += 1;
        }
        assert!(counts.iter().all(|&c| c > 900), "{counts:?}");
        assert_eq!(writer_of(ModuleId::new(5, 5), 1), 0);
    }

    #[test]
    fn full_queue_drops_and_counts_large_messages_are_split() {
        let stats = Arc::new(Stats::default());
        let (tx, rx) = crossbeam_channel::bounded(3);
        let ingest = Ingest::new(vec![tx], stats.clone());
        let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut log = IngestLog::default();
        let big: Vec<HostCallResult> = (0..100).map(|i| result(i, 80, 1)).collect();
        ingest.submit(&request(big), peer, &mut log);
        assert_eq!(rx.len(), 2, "100 results → items of 64 and 36");
        ingest.submit(&request(vec![result(1, 80, 1)]), peer, &mut log);
        ingest.submit(&request(vec![result(1, 80, 2)]), peer, &mut log);
        let s = stats.snapshot();
        assert_eq!((s.messages, s.results, s.messages_dropped), (2, 101, 1));
        let sizes: Vec<usize> = rx.try_iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [64, 36, 1]);
    }
}
