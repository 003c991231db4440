//! From a decoded `ReportStatusRequest` to the writers' queues, on the
//! network threads: convert each host result to a row, pick the writer by
//! module (so one module's updates stay in order), and queue without ever
//! blocking. What a full queue does not take is handed back as
//! [`Blocked`]: the connection keeps it, pauses, and queues it when the
//! writer's [`Room`] resumes it — nothing accepted is dropped.

use std::net::SocketAddr;
use std::sync::Arc;

use crossbeam_channel::{Sender, TrySendError};
use lars_proto::{ip_from_wire, HostAddr, ModuleId, ReportStatusRequest};
use lars_reactor::{ConnHandle, LogThrottle};
use lars_store::CallStatus;

use crate::room::Room;
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
    /// Connections paused at a full queue.
    pub paused: LogThrottle,
}

/// The rows of one message that their writer's queue had no room for,
/// in order. The connection that sent them holds them until it resumes.
#[derive(Debug)]
pub struct Blocked {
    writer: usize,
    rows: Vec<CallStatus>,
    /// Whether the message was counted (its first rows were queued).
    counted: bool,
}

impl Blocked {
    /// The writer whose queue was full.
    pub fn writer(&self) -> usize {
        self.writer
    }
}

/// The senders to every writer's queue, and who waits for room in each.
/// Safe from any thread.
#[derive(Debug)]
pub struct Ingest {
    queues: Vec<Sender<Batch>>,
    rooms: Vec<Arc<Room>>,
    stats: Arc<Stats>,
}

impl Ingest {
    /// Ingest into `queues` (one per writer, at least one), each with its
    /// [`Room`].
    pub fn new(queues: Vec<Sender<Batch>>, rooms: Vec<Arc<Room>>, stats: Arc<Stats>) -> Ingest {
        assert!(!queues.is_empty(), "at least one writer queue");
        assert_eq!(queues.len(), rooms.len(), "one room per queue");
        Ingest {
            queues,
            rooms,
            stats,
        }
    }

    /// Converts `req` (from `peer`) and queues its rows to the module's
    /// writer. Never blocks: what the queue has no room for is returned.
    pub fn submit(
        &self,
        req: &ReportStatusRequest,
        peer: SocketAddr,
        log: &mut IngestLog,
    ) -> Option<Blocked> {
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
            return None;
        }
        let writer = writer_of(ModuleId::new(req.modid, req.cmdid), self.queues.len());
        self.queue(Blocked {
            writer,
            rows,
            counted: false,
        })
    }

    /// Queues what `blocked` holds as far as its writer's queue has room;
    /// returns what is still left.
    pub fn retry(&self, blocked: Blocked) -> Option<Blocked> {
        self.queue(blocked)
    }

    /// `conn` waits for room in `writer`'s queue (see [`Room::wait`]).
    pub fn wait_for_room(&self, writer: usize, conn: ConnHandle) {
        self.rooms[writer].wait(conn);
    }

    /// A connection paused for lack of room.
    pub fn paused(&self) {
        self.stats.paused();
    }

    fn queue(&self, mut pending: Blocked) -> Option<Blocked> {
        let queue = &self.queues[pending.writer];
        // Rows queued: a large message goes in chunks; the chunks queued
        // before the queue filled up are stored.
        let mut queued = 0;
        let outcome = if pending.rows.len() <= MAX_ROWS_PER_ITEM {
            let n = pending.rows.len();
            match queue.try_send(std::mem::take(&mut pending.rows)) {
                Ok(()) => {
                    queued = n;
                    Ok(())
                }
                Err(e) => {
                    let refused = matches!(e, TrySendError::Full(_));
                    pending.rows = e.into_inner();
                    if refused {
                        Err(TrySendError::Full(()))
                    } else {
                        Err(TrySendError::Disconnected(()))
                    }
                }
            }
        } else {
            pending
                .rows
                .chunks(MAX_ROWS_PER_ITEM)
                .try_for_each(|chunk| {
                    queue.try_send(chunk.to_vec()).map_err(|e| match e {
                        TrySendError::Full(_) => TrySendError::Full(()),
                        TrySendError::Disconnected(_) => TrySendError::Disconnected(()),
                    })?;
                    queued += chunk.len();
                    Ok(())
                })
        };
        if queued > 0 {
            self.stats.accepted(!pending.counted, queued);
            pending.counted = true;
        }
        match outcome {
            Ok(()) => None,
            Err(TrySendError::Full(())) => {
                pending.rows.drain(..queued);
                Some(pending)
            }
            Err(TrySendError::Disconnected(())) => {
                self.stats.message_dropped();
                log::debug!("report dropped: the service is stopping");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::HostCallResult;
    use std::net::Ipv4Addr;

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
    fn a_full_queue_hands_back_the_rest_in_order_and_counts_each_message_once() {
        let stats = Arc::new(Stats::default());
        let (tx, rx) = crossbeam_channel::bounded(3);
        let ingest = Ingest::new(vec![tx], vec![Arc::new(Room::new(3))], stats.clone());
        let peer: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut log = IngestLog::default();
        let big: Vec<HostCallResult> = (0..200).map(|i| result(i, 80, 1)).collect();
        let blocked = ingest
            .submit(&request(big), peer, &mut log)
            .expect("200 results do not fit in 3 items of 64");
        assert_eq!(rx.len(), 3, "items of 64, 64, 64 queued");
        assert_eq!((blocked.writer(), blocked.rows.len()), (0, 8));
        assert_eq!(blocked.rows[0].host.port, 80);
        assert_eq!(blocked.rows[0].host.ip, Ipv4Addr::from(192u32));
        let small = ingest.submit(&request(vec![result(1, 80, 1)]), peer, &mut log);
        assert_eq!(
            small.as_ref().map(|b| b.rows.len()),
            Some(1),
            "nothing fits"
        );

        let _ = rx.try_recv().unwrap();
        assert!(ingest.retry(blocked).is_none(), "the rest fits in one item");
        let s = stats.snapshot();
        assert_eq!((s.messages, s.results, s.messages_dropped), (1, 200, 0));
        let sizes: Vec<usize> = rx.try_iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [64, 64, 8]);
        assert!(ingest.retry(small.unwrap()).is_none());
        let s = stats.snapshot();
        assert_eq!((s.messages, s.results), (2, 201));
    }
}
