//! Runs N client threads for a fixed time, each doing request → wait for
//! reply → next request, and reports round trips per second.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Outcome of one timed run.
#[derive(Debug, Clone, Copy)]
pub struct RunResult {
    /// Client threads used.
    pub clients: usize,
    /// Round trips completed.
    pub round_trips: u64,
    /// Wall time measured.
    pub elapsed: Duration,
}

impl RunResult {
    /// Round trips per second.
    pub fn per_second(&self) -> f64 {
        self.round_trips as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs `clients` threads for `duration`. `make_client(i)` runs on client
/// thread `i` and returns the closure doing one round trip (returning false
/// on failure, which ends that thread).
pub fn run<F, C>(clients: usize, duration: Duration, make_client: F) -> RunResult
where
    F: Fn(usize) -> C + Send + Sync + 'static,
    C: FnMut() -> bool,
{
    let make_client = Arc::new(make_client);
    let stop = Arc::new(AtomicBool::new(false));
    let total = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (make_client, stop, total) = (make_client.clone(), stop.clone(), total.clone());
            std::thread::spawn(move || {
                let mut round_trip = make_client(i);
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    if !round_trip() {
                        break;
                    }
                    n += 1;
                }
                total.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();
    let start = Instant::now();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        let _ = t.join();
    }
    RunResult {
        clients,
        round_trips: total.load(Ordering::Relaxed),
        elapsed: start.elapsed(),
    }
}

/// Seconds per measurement: `LARS_BENCH_SECS` or `default`.
pub fn bench_seconds(default: u64) -> Duration {
    let secs = std::env::var("LARS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default);
    Duration::from_secs(secs)
}
