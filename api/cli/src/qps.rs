//! `qps THREADS [--seconds N] [--rate R]`: the agent benchmark. Thread i
//! owns one client and module (i+1, 1); it loops get_host → report success
//! (paced to its share of R calls a second when R is given), timing every
//! get_host in nanoseconds into its own [`Histogram`]. The main thread
//! prints the total QPS once a second, then a summary: total QPS and the
//! p50 / p99 / max get_host latency in microseconds.
//!
//! The loop allocates nothing (the client encodes on the stack and receives
//! into its own buffer), and the threads share nothing but a stop flag and
//! one progress counter each on its own cache line.

use crate::args::QpsArgs;
use crate::histogram::Histogram;
use anyhow::Context;
use lars_api::{ClientOptions, LarsClient, ModuleId, RetCode};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

/// A per-thread request counter, alone on its cache line so the threads do
/// not slow each other down.
#[repr(align(64))]
#[derive(Default)]
struct Counter(AtomicU64);

/// What one thread saw.
#[derive(Default)]
struct Stats {
    latency_ns: Histogram,
    requests: u64,
    succ: u64,
    overload: u64,
    noexist: u64,
    timeouts: u64,
    errors: u64,
}

impl Stats {
    fn merge(&mut self, other: &Stats) {
        self.latency_ns.merge(&other.latency_ns);
        self.requests += other.requests;
        self.succ += other.succ;
        self.overload += other.overload;
        self.noexist += other.noexist;
        self.timeouts += other.timeouts;
        self.errors += other.errors;
    }
}

pub(crate) fn run(opts: ClientOptions, args: &QpsArgs) -> anyhow::Result<ExitCode> {
    let threads = args.threads as usize;
    let stop = Arc::new(AtomicBool::new(false));
    let counters: Arc<Vec<Counter>> = Arc::new((0..threads).map(|_| Counter::default()).collect());
    // Everyone (the main thread too) starts the clock together, after each
    // thread's reg_init.
    let start_line = Arc::new(Barrier::new(threads + 1));
    let mut workers = Vec::with_capacity(threads);
    for i in 0..threads {
        let client = LarsClient::with_options(opts)
            .with_context(|| format!("thread {i}: open a client of the agent"))?;
        let (stop, counters, start_line) = (stop.clone(), counters.clone(), start_line.clone());
        let module = ModuleId::new(i as i32 + 1, 1);
        // Each thread's share of the rate, as the time between its calls.
        let pace =
            (args.rate > 0).then(|| Duration::from_secs_f64(threads as f64 / args.rate as f64));
        let worker = thread::Builder::new()
            .name(format!("qps-{i}"))
            .spawn(move || {
                let mut client = client;
                client.reg_init(module);
                start_line.wait();
                hammer(&mut client, module, pace, &stop, &counters[i])
            })
            .context("spawn a client thread")?;
        workers.push(worker);
    }
    start_line.wait();
    let start = Instant::now();
    println!(
        "qps: {threads} threads, modules 1..={threads}/1, agent {}:{}, transport {:?}, {} s",
        opts.agent_ip, opts.base_port, opts.transport, args.seconds
    );
    let mut last = 0u64;
    for sec in 1..=args.seconds {
        let tick = start + Duration::from_secs(sec);
        thread::sleep(tick.saturating_duration_since(Instant::now()));
        let now: u64 = counters.iter().map(|c| c.0.load(Ordering::Relaxed)).sum();
        println!("[{sec:>4}s] {:>9} qps", now - last);
        last = now;
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = Stats::default();
    for worker in workers {
        let stats = worker
            .join()
            .map_err(|_| anyhow::anyhow!("a client thread panicked"))?;
        total.merge(&stats);
    }
    let elapsed = start.elapsed();
    print!("{}", summary(&total, threads, elapsed));
    Ok(if total.succ > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One thread's loop: get_host, report success, until `stop`; one call
/// every `pace` if given.
fn hammer(
    client: &mut LarsClient,
    module: ModuleId,
    pace: Option<Duration>,
    stop: &AtomicBool,
    progress: &Counter,
) -> Stats {
    let mut stats = Stats::default();
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        if let Some(pace) = pace {
            next += pace;
            thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        let t0 = Instant::now();
        let answer = client.get_host(module);
        stats.latency_ns.record(t0.elapsed().as_nanos() as u64);
        stats.requests += 1;
        match answer {
            Ok((RetCode::Succ, Some(host))) => {
                stats.succ += 1;
                if client.report(module, host, RetCode::Succ).is_err() {
                    stats.errors += 1;
                }
            }
            Ok((RetCode::Overload, _)) => stats.overload += 1,
            Ok((RetCode::NoExist, _)) => stats.noexist += 1,
            Ok(_) => stats.errors += 1,
            Err(lars_api::ApiError::Timeout) => stats.timeouts += 1,
            Err(_) => stats.errors += 1,
        }
        progress.0.store(stats.requests, Ordering::Relaxed);
    }
    stats
}

/// The end-of-run summary.
fn summary(total: &Stats, threads: usize, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-9);
    let h = &total.latency_ns;
    let us = |ns: u64| ns as f64 / 1000.0;
    format!(
        "total: {} get_host in {secs:.2} s by {threads} threads = {:.0} qps\n\
         answers: RET_SUCC {}, RET_OVERLOAD {}, RET_NOEXIST {}, timeouts {}, errors {}\n\
         get_host latency (us): p50 {:.2}  p99 {:.2}  max {:.2}\n",
        total.requests,
        total.requests as f64 / secs,
        total.succ,
        total.overload,
        total.noexist,
        total.timeouts,
        total.errors,
        us(h.quantile(0.50)),
        us(h.quantile(0.99)),
        us(h.max()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_sit_on_their_own_cache_lines() {
        assert_eq!(std::mem::align_of::<Counter>(), 64);
        assert_eq!(std::mem::size_of::<Counter>(), 64);
    }

    #[test]
    fn summary_adds_up_the_threads() {
        let mut a = Stats::default();
        let mut b = Stats::default();
        // Nanoseconds below 128 are kept exactly: 0.01, 0.02, 0.03 and
        // 0.1 microseconds.
        for v in [10, 20, 30] {
            a.latency_ns.record(v);
        }
        b.latency_ns.record(100);
        (a.requests, a.succ, b.requests, b.timeouts) = (3, 3, 1, 1);
        a.merge(&b);
        let text = summary(&a, 2, Duration::from_secs(2));
        assert!(
            text.starts_with("total: 4 get_host in 2.00 s by 2 threads = 2 qps\n"),
            "{text}"
        );
        assert!(text.contains("RET_SUCC 3, RET_OVERLOAD 0, RET_NOEXIST 0, timeouts 1, errors 0"));
        assert!(text.ends_with("p50 0.02  p99 0.10  max 0.10\n"), "{text}");
    }
}
