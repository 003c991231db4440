//! `simulator MODID CMDID [ERR_RATE] [QUERY_CNT]`: a caller whose calls fail
//! at random. reg_init once, then QUERY_CNT times get_host and, when a host
//! came back, report a failure (RET_OVERLOAD) with probability ERR_RATE/10
//! or a success otherwise; at the end, a table of what each host got. Used
//! to watch the agent move hosts between idle and overloaded.
//!
//! With `--latency` every report carries a latency: each host gets a
//! typical latency of 1 to 50 ms from the dice when it is first returned,
//! and each call takes that ±20 %, so a module with policy `ewma` can be
//! watched moving its calls to the fast hosts.
//!
//! The dice are [`XorShift`], seeded from the clock or `--seed`, so a run
//! can be replayed.

use crate::args::SimulatorArgs;
use anyhow::Context;
use lars_api::{ClientOptions, HostAddr, LarsClient, ModuleId, RetCode};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A tiny xorshift64* generator: enough for dice, reproducible from a seed.
///
/// ```
/// use lars_cli::XorShift;
/// let (mut a, mut b) = (XorShift::new(7), XorShift::new(7));
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    /// A generator from `seed` (any value, 0 included: the seed is mixed
    /// through splitmix64 first, so nearby seeds give unrelated streams).
    pub fn new(seed: u64) -> XorShift {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        XorShift(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0; the modulo bias is negligible for dice).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// What a simulator run saw.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    /// host → (successes reported, failures reported).
    hosts: BTreeMap<HostAddr, (u64, u64)>,
    /// host → its typical latency in ms (with `--latency` only).
    typical_ms: BTreeMap<HostAddr, u64>,
    overload: u64,
    noexist: u64,
    errors: u64,
}

pub(crate) fn run(opts: ClientOptions, args: &SimulatorArgs) -> anyhow::Result<ExitCode> {
    let module = ModuleId::new(args.modid, args.cmdid);
    let mut client = LarsClient::with_options(opts).with_context(|| {
        format!(
            "open a client of the agent at {}:{}",
            opts.agent_ip, opts.base_port
        )
    })?;
    let seed = args.seed.unwrap_or_else(clock_seed);
    let mut dice = XorShift::new(seed);
    let code = client.reg_init(module);
    println!("reg_init {module}: {code}");
    println!(
        "{} queries, err rate {}/10, seed {seed}",
        args.query_cnt, args.err_rate
    );
    let mut tally = Tally::default();
    let mut first_error = None;
    for _ in 0..args.query_cnt {
        match client.get_host(module) {
            Ok((RetCode::Succ, Some(host))) => {
                let failed = dice.below(10) < u64::from(args.err_rate);
                let code = if failed {
                    RetCode::Overload
                } else {
                    RetCode::Succ
                };
                let sent = if args.latency {
                    let typical = *tally
                        .typical_ms
                        .entry(host)
                        .or_insert_with(|| 1 + dice.below(50));
                    let latency = jitter(typical, &mut dice);
                    client.report_with_latency(module, host, code, latency)
                } else {
                    client.report(module, host, code)
                };
                sent.with_context(|| format!("report {module} {host}"))?;
                let entry = tally.hosts.entry(host).or_default();
                if failed {
                    entry.1 += 1;
                } else {
                    entry.0 += 1;
                }
            }
            Ok((RetCode::Overload, _)) => tally.overload += 1,
            Ok((RetCode::NoExist, _)) => tally.noexist += 1,
            Ok(_) => tally.errors += 1,
            Err(e) => {
                tally.errors += 1;
                first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    print!("{}", render(&tally));
    if let Some(e) = first_error {
        println!("first error: {e}");
    }
    Ok(if tally.hosts.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// One call's latency: `typical_ms` ±20 %, in whole microseconds.
fn jitter(typical_ms: u64, dice: &mut XorShift) -> Duration {
    let percent = 80 + dice.below(41);
    Duration::from_micros(typical_ms * percent * 10)
}

/// The end-of-run table: one line per host (with its typical latency under
/// `--latency`), then the totals.
fn render(tally: &Tally) -> String {
    let with_latency = !tally.typical_ms.is_empty();
    let mut out = format!("{:<21} {:>8} {:>8}", "host", "succ", "err");
    out += if with_latency { "   lat_ms\n" } else { "\n" };
    let (mut succ, mut err) = (0, 0);
    for (host, (s, e)) in &tally.hosts {
        out += &format!("{:<21} {s:>8} {e:>8}", host.to_string());
        match tally.typical_ms.get(host) {
            Some(ms) => out += &format!(" {ms:>8}\n"),
            None => out += "\n",
        }
        succ += s;
        err += e;
    }
    out += &format!("{:<21} {succ:>8} {err:>8}\n", "total");
    out += &format!(
        "RET_OVERLOAD {}, RET_NOEXIST {}, errors {}\n",
        tally.overload, tally.noexist, tally.errors
    );
    out
}

/// A seed that differs from run to run: the clock's nanoseconds and the pid.
fn clock_seed() -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dice_are_reproducible_and_roughly_fair() {
        let mut a = XorShift::new(42);
        let mut b = XorShift::new(42);
        let mut c = XorShift::new(43);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        let zs: Vec<u64> = (0..8).map(|_| c.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        let mut zero = XorShift::new(0);
        let mut faces = [0u32; 10];
        for _ in 0..10_000 {
            faces[zero.below(10) as usize] += 1;
        }
        assert!(faces.iter().all(|&n| (850..1150).contains(&n)), "{faces:?}");
    }

    #[test]
    fn the_table_lists_hosts_in_order_with_totals() {
        let mut tally = Tally {
            overload: 1,
            errors: 2,
            ..Tally::default()
        };
        tally
            .hosts
            .insert("127.0.0.1:9002".parse().unwrap(), (5, 1));
        tally
            .hosts
            .insert("127.0.0.1:9001".parse().unwrap(), (3, 2));
        let text = render(&tally);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(lines[0].starts_with("host"));
        assert!(lines[1].starts_with("127.0.0.1:9001"));
        assert!(lines[1].ends_with("       3        2"), "{}", lines[1]);
        assert!(lines[3].starts_with("total"));
        assert!(lines[3].ends_with("       8        3"), "{}", lines[3]);
        assert_eq!(lines[4], "RET_OVERLOAD 1, RET_NOEXIST 0, errors 2");
    }

    #[test]
    fn latencies_add_a_column_and_jitter_by_a_fifth() {
        let host: HostAddr = "127.0.0.1:9001".parse().unwrap();
        let mut tally = Tally::default();
        tally.hosts.insert(host, (4, 0));
        tally.typical_ms.insert(host, 12);
        let text = render(&tally);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].ends_with("err   lat_ms"), "{}", lines[0]);
        assert!(
            lines[1].ends_with("       4        0       12"),
            "{}",
            lines[1]
        );
        let mut dice = XorShift::new(1);
        let samples: Vec<u128> = (0..1000)
            .map(|_| jitter(10, &mut dice).as_micros())
            .collect();
        assert!(samples.iter().all(|us| (8_000..=12_000).contains(us)));
        assert!(samples.contains(&8_000) && samples.contains(&12_000));
    }
}
