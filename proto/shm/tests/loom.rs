//! Model checks of the concurrency protocol with loom: the seqlock that
//! publishes views, the report ring, the pick counters and the doorbell. Run with
//! `RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p
//! lars-shm --release --test loom`.
#![cfg(loom)]

use lars_proto::HostAddr;
use lars_shm::doorbell;
use lars_shm::layout::Doorbell;
use lars_shm::layout::{ModuleCounters, ModuleHead, RingIndex};
use lars_shm::pick::{pick, ShmPick};
use lars_shm::ring::RingRef;
use lars_shm::seqlock;
use lars_shm::sync::{AtomicU64, Ordering};
use lars_shm::view::{ModuleMode, ModuleRef, PublishedModule};
use loom::sync::Arc;
use loom::thread;

/// A module slot on the heap: 2 hosts, 4 rotation entries (one word), one
/// overloaded word.
struct Module {
    head: ModuleHead,
    hosts: Vec<AtomicU64>,
    rotation: Vec<AtomicU64>,
    overloaded: Vec<AtomicU64>,
    counters: ModuleCounters,
}

impl Module {
    fn new() -> Module {
        Module {
            head: ModuleHead::new(),
            hosts: (0..2).map(|_| AtomicU64::new(0)).collect(),
            rotation: vec![AtomicU64::new(0)],
            overloaded: vec![AtomicU64::new(0)],
            counters: ModuleCounters::new(),
        }
    }

    fn slot(&self) -> ModuleRef<'_> {
        ModuleRef {
            head: &self.head,
            hosts: &self.hosts,
            rotation: &self.rotation,
            rotation_len: 4,
            overloaded: &self.overloaded,
            counters: &self.counters,
        }
    }
}

fn host(n: u16) -> HostAddr {
    HostAddr::from_number(0x0a00_0000 + u32::from(n), n)
}

fn serve<'a>(hosts: &'a [HostAddr], rotation: &'a [u16]) -> PublishedModule<'a> {
    PublishedModule {
        mode: ModuleMode::Serve,
        hosts,
        rotation,
        overloaded: &[],
        probe: false,
    }
}

/// Two view words under a seqlock.
struct View {
    seq: AtomicU64,
    words: [AtomicU64; 2],
}

impl View {
    fn publish(&self, values: [u64; 2]) {
        let end = seqlock::write_begin(&self.seq);
        for (word, value) in self.words.iter().zip(values) {
            word.store(value, Ordering::Relaxed);
        }
        seqlock::write_end(&self.seq, end);
    }

    fn read(&self) -> Option<[u64; 2]> {
        let start = seqlock::read_begin(&self.seq)?;
        let values = self.words.each_ref().map(|w| w.load(Ordering::Relaxed));
        seqlock::read_valid(&self.seq, start).then_some(values)
    }
}

/// (1) A reader's successful read is one whole view: the initial one, A or
/// B, never a mix of two.
#[test]
fn seqlock_reads_are_never_a_mix_of_two_views() {
    loom::model(|| {
        let view = Arc::new(View {
            seq: AtomicU64::new(0),
            words: [AtomicU64::new(1), AtomicU64::new(2)],
        });
        let writer = {
            let view = view.clone();
            thread::spawn(move || {
                view.publish([10, 11]);
                view.publish([20, 21]);
            })
        };
        if let Some(read) = view.read() {
            assert!(
                [[1, 2], [10, 11], [20, 21]].contains(&read),
                "torn read {read:?}"
            );
        }
        writer.join().unwrap();
        assert_eq!(view.read(), Some([20, 21]));
    });
}

/// (1b) The same through the real view code: a route read while the agent
/// republishes is the old route or the new one, with its own host count.
#[test]
fn a_route_read_during_a_publish_is_one_whole_route() {
    loom::model(|| {
        let initial = [host(1), host(2)];
        let module = Arc::new(Module::new());
        module.slot().write_view(&serve(&initial, &[]));
        let writer = {
            let module = module.clone();
            thread::spawn(move || module.slot().write_view(&serve(&[host(20)], &[])))
        };
        let mut route = Vec::new();
        if module.slot().read_route(&mut route) {
            assert!(
                route == initial || route == [host(20)],
                "torn read {route:?}"
            );
        }
        writer.join().unwrap();
    });
}

/// A ring of capacity 2 on the heap.
struct Ring {
    head: RingIndex,
    tail: RingIndex,
    entries: Vec<AtomicU64>,
}

impl Ring {
    fn new() -> Ring {
        Ring {
            head: RingIndex::new(),
            tail: RingIndex::new(),
            entries: (0..6).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn ring(&self) -> RingRef<'_> {
        RingRef {
            head: &self.head,
            tail: &self.tail,
            entries: &self.entries,
        }
    }
}

fn entry(n: u64) -> [u64; 3] {
    [n, n * 10, n * 100]
}

/// (2) Every accepted entry is consumed exactly once, in order, whole.
#[test]
fn ring_entries_arrive_once_in_order_untorn() {
    loom::model(|| {
        let ring = Arc::new(Ring::new());
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || {
                let mut accepted = Vec::new();
                for n in 1..=3 {
                    // One retry after a full ring; then the report is
                    // counted as sent elsewhere.
                    if ring.ring().push(entry(n)) || ring.ring().push(entry(n)) {
                        accepted.push(n);
                    }
                }
                accepted
            })
        };
        let mut tail = 0;
        let mut consumed = Vec::new();
        for _ in 0..2 {
            ring.ring()
                .pop(&mut tail, 8, |words| consumed.push(words))
                .expect("a well-formed ring");
        }
        let accepted = producer.join().unwrap();
        ring.ring()
            .pop(&mut tail, 8, |words| consumed.push(words))
            .expect("a well-formed ring");
        assert_eq!(&accepted[..2], &[1, 2], "a ring of 2 takes the first two");
        let expected: Vec<[u64; 3]> = accepted.iter().map(|&n| entry(n)).collect();
        assert_eq!(consumed, expected);
    });
}

/// (3) A producer that stops after writing an entry's words but before
/// publishing the head shows nothing of it, then or after it is gone.
#[test]
fn an_unpublished_entry_is_never_seen() {
    loom::model(|| {
        let ring = Arc::new(Ring::new());
        let producer = {
            let ring = ring.clone();
            thread::spawn(move || {
                let r = ring.ring();
                assert!(r.push(entry(1)));
                let position = r.reserve().expect("room for a second entry");
                r.write(position, entry(2));
                // Killed here: no commit.
            })
        };
        let mut tail = 0;
        let mut consumed = Vec::new();
        ring.ring()
            .pop(&mut tail, 8, |words| consumed.push(words))
            .unwrap();
        producer.join().unwrap();
        // The reap path: drain what the dead producer published.
        ring.ring()
            .pop(&mut tail, 8, |words| consumed.push(words))
            .unwrap();
        assert_eq!(consumed, vec![entry(1)]);
    });
}

/// (4) With probe_num 1, two concurrent picks take two consecutive access
/// values: exactly one of them probes the overloaded host.
#[test]
fn two_concurrent_picks_make_exactly_one_probe() {
    loom::model(|| {
        let module = Arc::new(Module::new());
        let hosts = [host(1), host(2)];
        module.slot().write_view(&PublishedModule {
            mode: ModuleMode::Serve,
            hosts: &hosts,
            rotation: &[0],
            overloaded: &[1],
            probe: true,
        });
        let other = {
            let module = module.clone();
            thread::spawn(move || pick(&module.slot(), 1))
        };
        let mine = pick(&module.slot(), 1);
        let theirs = other.join().unwrap();
        let mut picks = [mine, theirs];
        picks.sort_by_key(|p| match p {
            ShmPick::Host(h) => h.port,
            _ => u16::MAX,
        });
        assert_eq!(picks, [ShmPick::Host(host(1)), ShmPick::Host(host(2))]);
    });
}

/// (5) The doorbell: an agent parking while a client publishes a report
/// never leaves the report waiting — either the agent's last look at the
/// ring finds it, or the client rings (exactly one client's ring for one
/// park).
#[test]
fn a_report_published_while_the_agent_parks_is_found_or_rung() {
    loom::model(|| {
        let ring = Arc::new(Ring::new());
        let bell = Arc::new(Doorbell::new());
        let client = {
            let (ring, bell) = (ring.clone(), bell.clone());
            thread::spawn(move || {
                assert!(ring.ring().push(entry(1)));
                doorbell::must_ring(&bell.bell)
            })
        };
        doorbell::park(&bell.bell);
        let mut tail = 0;
        let mut found = Vec::new();
        ring.ring()
            .pop(&mut tail, 8, |words| found.push(words))
            .unwrap();
        let rang = client.join().unwrap();
        assert!(
            rang || found == vec![entry(1)],
            "the report was neither found by the parking agent nor rung"
        );
    });
}
