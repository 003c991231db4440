//! The `lars` command line: the flags and subcommands as clap types, and
//! [`run`], which dispatches to one file per tool.
//!
//! ```text
//! lars [--agent-ip IP] [--base-port PORT] [--timeout-ms MS] [--transport auto|udp|shm] <COMMAND>
//!   gethost MODID CMDID [--key K]            one get_host (K: hash key)
//!   getroute MODID CMDID                     every host of the module
//!   report MODID CMDID IP PORT 0|1           report success (0) or overload (1)
//!   simulator MODID CMDID [ERR_RATE] [QUERY_CNT] [--seed N] [--latency]
//!   qps THREADS [--seconds N] [--rate R]     the agent benchmark (R calls/s in all)
//!   example MODID CMDID                      reg_init, get_host, report
//!   route [--config PATH] add MODID CMDID IP:PORT [--weight N] | del MODID CMDID IP:PORT
//!         | weight MODID CMDID IP:PORT N | policy MODID CMDID rr|wrr|hash|ewma [--panic PERCENT]
//!         | list [MODID [CMDID]] | version | demo
//!   status [--config PATH] [MODID [CMDID]]   the statistics the reporter stored
//!   db init [--config PATH] [--admin-user U] [--client-host H] [--print-sql]
//!                                            the MySQL database and its least-privilege users
//!   top [--http ADDR] [--once]               the agent's modules and hosts, live
//!   agent modules [MODID CMDID] [--http ADDR] the same, printed once
//! ```
//!
//! Exit codes: 0 success, 1 failure (no host, agent or store error), 2 bad
//! arguments (clap's usage error).

pub use crate::db_args::*;
pub use crate::route_args::*;
use crate::{db, qps, query, route, simulator, status, top};
use clap::{Args, Parser, Subcommand};
use lars_api::{ClientOptions, ModuleId, Transport};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Lars command-line tools: query the local LB agent, load-test it, edit
/// the route store.
#[derive(Debug, Parser)]
#[command(name = "lars", version)]
pub struct Cli {
    /// IPv4 address of the LB agent.
    #[arg(long, global = true, default_value = "127.0.0.1")]
    pub agent_ip: Ipv4Addr,
    /// First of the agent's three UDP ports (it serves PORT, PORT+1, PORT+2).
    #[arg(long, global = true, default_value_t = 8888,
          value_parser = clap::value_parser!(u16).range(1..=65533))]
    pub base_port: u16,
    /// How long get_host / get_route wait for the agent, in milliseconds.
    #[arg(long, global = true, default_value_t = 50,
          value_parser = clap::value_parser!(u64).range(1..=600_000))]
    pub timeout_ms: u64,
    /// Poll this many microseconds for an answer before sleeping, while the
    /// CPU is otherwise idle (0 = sleep at once).
    #[arg(long, global = true, default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    pub spin_us: u64,
    /// How to reach the agent: shared memory where it offers it (auto),
    /// UDP only, or shared memory asked for at start (shm; still falls
    /// back to UDP).
    #[arg(long, global = true, default_value = "auto")]
    pub transport: Transport,
    /// The tool to run.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The client options the global flags describe.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions {
            agent_ip: self.agent_ip,
            base_port: self.base_port,
            timeout: Duration::from_millis(self.timeout_ms),
            spin: (self.spin_us > 0).then(|| Duration::from_micros(self.spin_us)),
            transport: self.transport,
        }
    }
}

/// The tools.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One get_host: prints `host is IP:PORT` or the return code.
    #[command(allow_negative_numbers = true)]
    Gethost(GethostArgs),
    /// One get_route: prints every host of the module, one per line.
    #[command(allow_negative_numbers = true)]
    Getroute(ModuleArgs),
    /// Reports one call to a host: 0 = success, 1 = overload (failure).
    #[command(allow_negative_numbers = true)]
    Report(ReportArgs),
    /// Random failures: reg_init, then QUERY_CNT get_host + report calls.
    ///
    /// Each call to a returned host fails (RET_OVERLOAD is reported) with
    /// probability ERR_RATE/10; the end prints per-host success/error totals.
    /// Exits 1 when no host was ever returned.
    #[command(allow_negative_numbers = true)]
    Simulator(SimulatorArgs),
    /// Benchmark the agent: THREADS threads of get_host + report.
    ///
    /// Thread i uses module (i+1, 1) and loops get_host, report success;
    /// prints the total QPS every second, then the total QPS and the p50 /
    /// p99 / max get_host latency in microseconds.
    Qps(QpsArgs),
    /// What a caller does: reg_init, get_host, report success.
    #[command(allow_negative_numbers = true)]
    Example(ModuleArgs),
    /// Edit or show the routes in the store the DNS service serves from.
    Route(RouteArgs),
    /// Show the call statistics the reporter stored (ServerCallStatus).
    #[command(allow_negative_numbers = true)]
    Status(StatusArgs),
    /// Set up a MySQL / MariaDB database with a least-privilege user per
    /// part of Lars.
    Db(DbArgs),
    /// The agent's modules and hosts (its /modules endpoint), refreshed
    /// every second: state, window counts, last change and its reason.
    Top(TopArgs),
    /// Ask the agent's HTTP endpoint.
    Agent(AgentArgs),
}

/// `top [--http ADDR] [--once] [--interval SECONDS]`.
#[derive(Debug, Args)]
pub struct TopArgs {
    /// The agent's HTTP endpoint (`[metrics] listen` of its conf).
    #[arg(long, default_value = "127.0.0.1:9888")]
    pub http: std::net::SocketAddr,
    /// Print one snapshot and exit (for scripts).
    #[arg(long)]
    pub once: bool,
    /// Seconds between refreshes.
    #[arg(long, default_value_t = 1.0)]
    pub interval: f64,
}

/// `agent modules [MODID CMDID] [--http ADDR]`.
#[derive(Debug, Args)]
pub struct AgentArgs {
    /// What to show.
    #[command(subcommand)]
    pub what: AgentWhat,
}

/// What `agent` shows.
#[derive(Debug, Subcommand)]
pub enum AgentWhat {
    /// Every module the agent holds, or one, with its hosts' states.
    #[command(allow_negative_numbers = true)]
    Modules(AgentModulesArgs),
}

/// `agent modules [MODID CMDID] [--http ADDR]`.
#[derive(Debug, Args)]
pub struct AgentModulesArgs {
    /// The agent's HTTP endpoint (`[metrics] listen` of its conf).
    #[arg(long, default_value = "127.0.0.1:9888")]
    pub http: std::net::SocketAddr,
    /// Only this module's modid (with CMDID).
    #[arg(requires = "cmdid")]
    pub modid: Option<i32>,
    /// Only this module's cmdid.
    pub cmdid: Option<i32>,
}

/// `status [--config PATH] [MODID [CMDID]]`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Configuration file whose `[store]` (and `[mysql]`) section names the
    /// status store.
    #[arg(long, default_value = "conf/lars_reporter.conf")]
    pub config: PathBuf,
    /// Only this modid.
    pub modid: Option<i32>,
    /// Only this cmdid (of MODID).
    pub cmdid: Option<i32>,
}

/// A module.
#[derive(Debug, Args)]
pub struct ModuleArgs {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
}

impl ModuleArgs {
    /// The module the arguments name.
    pub fn module(&self) -> ModuleId {
        ModuleId::new(self.modid, self.cmdid)
    }
}

/// `gethost MODID CMDID [--key K]`.
#[derive(Debug, Args)]
pub struct GethostArgs {
    /// The module.
    #[command(flatten)]
    pub module: ModuleArgs,
    /// Hash key of the request (a module with policy `hash` maps equal
    /// keys to the same host; other policies ignore it).
    #[arg(long)]
    pub key: Option<u64>,
}

/// `report MODID CMDID IP PORT 0|1`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// The host's IPv4 address.
    pub ip: Ipv4Addr,
    /// The host's port.
    #[arg(value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    /// 0: the call succeeded (RET_SUCC); 1: it failed (RET_OVERLOAD).
    #[arg(value_parser = clap::value_parser!(u8).range(0..=1))]
    pub result: u8,
}

impl ReportArgs {
    /// The module the arguments name.
    pub fn module(&self) -> ModuleId {
        ModuleId::new(self.modid, self.cmdid)
    }
}

/// `simulator MODID CMDID [ERR_RATE] [QUERY_CNT]`.
#[derive(Debug, Args)]
pub struct SimulatorArgs {
    /// The module's modid.
    pub modid: i32,
    /// The module's cmdid.
    pub cmdid: i32,
    /// Chance in tenths that a call fails (0 to 10).
    #[arg(default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=10))]
    pub err_rate: u8,
    /// How many get_host calls to make.
    #[arg(default_value_t = 100)]
    pub query_cnt: u64,
    /// Seed of the failure dice (default: from the clock), to replay a run.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Report a latency with every call: each host gets its own typical
    /// latency (1 to 50 ms, from the dice) with ±20 % jitter, so the `ewma`
    /// policy has something to learn.
    #[arg(long)]
    pub latency: bool,
}

/// `qps THREADS [--seconds N]`.
#[derive(Debug, Args)]
pub struct QpsArgs {
    /// How many client threads.
    #[arg(value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: u32,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub seconds: u64,
    /// Calls per second for all threads together (0 = as fast as they
    /// can): each thread paces its own share, to measure the agent's CPU
    /// at a given load.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=100_000_000))]
    pub rate: u64,
}

/// Runs the tool `cli` names; returns the process exit code. Errors are
/// printed on stderr, prefixed with `lars <tool>:`.
pub fn run(cli: Cli) -> ExitCode {
    let opts = cli.client_options();
    let (tool, result) = match cli.command {
        Command::Gethost(g) => ("gethost", query::gethost(opts, &g)),
        Command::Getroute(m) => ("getroute", query::getroute(opts, &m)),
        Command::Report(r) => ("report", query::report(opts, &r)),
        Command::Example(m) => ("example", query::example(opts, &m)),
        Command::Simulator(s) => ("simulator", simulator::run(opts, &s)),
        Command::Qps(q) => ("qps", qps::run(opts, &q)),
        Command::Route(r) => ("route", route::run(&r)),
        Command::Status(s) => ("status", status::run(&s)),
        Command::Db(d) => ("db", db::run(&d)),
        Command::Top(t) => ("top", top::top(&t)),
        Command::Agent(AgentArgs {
            what: AgentWhat::Modules(m),
        }) => ("agent", top::modules(&m)),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lars {tool}: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_go_before_or_after_the_tool() {
        let cli =
            Cli::try_parse_from(["lars", "gethost", "1", "2", "--base-port", "9000"]).unwrap();
        assert_eq!(cli.client_options().base_port, 9000);
        let cli =
            Cli::try_parse_from(["lars", "--timeout-ms", "7", "getroute", "-1", "2"]).unwrap();
        assert_eq!(cli.client_options().timeout, Duration::from_millis(7));
        assert_eq!(cli.client_options().spin, None, "no spin by default");
        let spun = Cli::try_parse_from(["lars", "qps", "1", "--spin-us", "20"]).unwrap();
        assert_eq!(spun.client_options().spin, Some(Duration::from_micros(20)));
        match cli.command {
            Command::Getroute(m) => assert_eq!((m.modid, m.cmdid), (-1, 2)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_arguments_are_usage_errors() {
        for args in [
            &["lars"][..],
            &["lars", "gethost", "1"],
            &["lars", "report", "1", "1", "10.0.0.1", "80", "2"],
            &["lars", "report", "1", "1", "10.0.0.1", "0", "0"],
            &["lars", "simulator", "1", "1", "11"],
            &["lars", "qps", "0"],
            &["lars", "--base-port", "65535", "gethost", "1", "1"],
            &["lars", "--timeout-ms", "0", "gethost", "1", "1"],
        ] {
            let err = Cli::try_parse_from(args).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn route_config_defaults_and_can_follow_the_action() {
        let cli = Cli::try_parse_from(["lars", "route", "version"]).unwrap();
        match cli.command {
            Command::Route(r) => assert_eq!(r.config, PathBuf::from("conf/lars_admin.conf")),
            other => panic!("{other:?}"),
        }
        let cli =
            Cli::try_parse_from(["lars", "route", "list", "3", "--config", "x.conf"]).unwrap();
        match cli.command {
            Command::Route(RouteArgs {
                config,
                action: RouteAction::List(l),
            }) => {
                assert_eq!(config, PathBuf::from("x.conf"));
                assert_eq!((l.modid, l.cmdid), (Some(3), None));
            }
            other => panic!("{other:?}"),
        }
    }
}
