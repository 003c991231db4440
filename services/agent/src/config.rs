//! `lars-agent` settings from `conf/lars_lb_agent.conf`, checked at start,
//! and [`KNOWN_KEYS`]: every section and key the file may hold.

use std::net::{Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use lars_reactor::{Config, ConfigError, KnownSection};

use crate::lb::LbConfig;
use crate::shm::ShmSettings;

/// Every section and key lars-agent reads; any other in its file stops it
/// at start, naming the line. A new key is one more name here.
pub const KNOWN_KEYS: &[KnownSection] = &[
    KnownSection::new(
        "agent",
        &[
            "ip",
            "base_port",
            "report_interval",
            "caller_ip",
            "idle_spin_us",
            "max_modules",
            "new_modules_per_sec",
            "snapshot_dir",
            "keepalive",
            "shm",
            "shm_dir",
            "shm_group",
            "shm_report_delay",
        ],
    ),
    KnownSection::new("reporter", &["ip", "port"]),
    KnownSection::new("dnsserver", &["ip", "port", "servers"]),
    KnownSection::new(
        "loadbalance",
        &[
            "probe_num",
            "init_succ_cnt",
            "init_err_cnt",
            "err_rate",
            "succ_rate",
            "contin_err_limit",
            "contin_succ_limit",
            "window_err_rate",
            "idle_timeout",
            "overload_timeout",
            "update_timeout",
            "ewma_decay",
        ],
    ),
    lars_daemon::METRICS_SECTION,
];

/// The default `[agent] keepalive` in seconds: a third of the DNS and
/// reporter services' default idle timeout (60 s).
pub const DEFAULT_KEEPALIVE_SECS: f64 = 20.0;

/// Bounds of the `[loadbalance]` counts.
const COUNT: std::ops::RangeInclusive<u32> = 1..=1_000_000;
/// Bounds of the `[loadbalance]` times, in seconds.
const SECONDS: std::ops::RangeInclusive<u64> = 1..=86_400;

/// The default `[agent] idle_spin_us`: off. Same-host callers take the
/// shared-memory fast path (docs/SHM.md), which needs no wake-up; a UDP
/// caller that wants the lower latency of a spinning thread sets it (50 µs
/// covers a round trip on a 2-vCPU VM and costs at most 5 % of a core per
/// 1000 requests a second, BENCHMARKS.md).
pub const DEFAULT_IDLE_SPIN_US: u64 = 0;

/// Everything the agent needs to start.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// `[agent] ip` (127.0.0.1): where the three UDP servers listen.
    pub listen_ip: Ipv4Addr,
    /// `[agent] base_port` (8888): the servers use base_port + 0, 1, 2.
    pub base_port: u16,
    /// `[dnsserver] servers` (host:port list) or `ip`/`port` (127.0.0.1:7778).
    pub dns_servers: Vec<SocketAddr>,
    /// `[reporter] ip`/`port` (127.0.0.1:7779).
    pub reporter: SocketAddr,
    /// `[agent] report_interval` seconds (1): statistics are sent to the
    /// reporter at most once per module per interval.
    pub report_interval: Duration,
    /// `[agent] caller_ip`: this host's IPv4 in reports; by default the
    /// address of the host name, else 127.0.0.1.
    pub caller_ip: Option<Ipv4Addr>,
    /// `[agent] idle_spin_us` ([`DEFAULT_IDLE_SPIN_US`]; 0 = off):
    /// microseconds a UDP thread keeps polling its socket after the last
    /// request while no other thread wants the CPU (it stops at the first
    /// sign of contention), saving the wake-up of a sleeping thread for a
    /// lone client.
    pub idle_spin: Option<Duration>,
    /// `[agent] max_modules` (100000): modules each of the three tables
    /// holds at most; requests for more answer RET_NOEXIST.
    pub max_modules: usize,
    /// `[agent] new_modules_per_sec` (1000; 0 = no limit): modules each
    /// table creates at most per second; further requests for unknown
    /// modules answer RET_NOEXIST (a flood of random modules cannot flood
    /// the DNS service or crowd out real modules).
    pub new_modules_per_sec: u32,
    /// `[agent] snapshot_dir` (`data/agent`; `off` = off): where each
    /// table's routes are saved, to be served at once after a restart.
    pub snapshot_dir: Option<std::path::PathBuf>,
    /// `[agent] keepalive` seconds ([`DEFAULT_KEEPALIVE_SECS`]; 0 = off):
    /// the DNS and reporter links send a harmless frame after this long
    /// without sending anything, so services that close idle connections
    /// (`[reactor] idle_timeout`) keep a quiet agent's connection.
    pub keepalive: Option<Duration>,
    /// `[agent] shm*`: the same-host fast path (docs/SHM.md).
    pub shm: ShmSettings,
    /// `[loadbalance]`: the load-balancing tunables.
    pub lb: LbConfig,
    /// `[metrics] listen`: the HTTP endpoint (`/metrics`, `/healthz`,
    /// `/modules`); off when missing.
    pub metrics_listen: Option<SocketAddr>,
}

impl AgentConfig {
    /// Checks that every section and key is known, then reads and checks
    /// every value; an error names the file, line and key.
    pub fn from_config(cfg: &Config) -> Result<AgentConfig, ConfigError> {
        cfg.check_known(KNOWN_KEYS)?;
        let listen_ip = ip(cfg, "agent", "ip", "127.0.0.1")?;
        // Room for three ports.
        let base_port = cfg.get_int_in("agent", "base_port", 8888, 1..=65533)?;
        let dns_servers = match cfg.get("dnsserver", "servers") {
            Some(list) => list
                .split(',')
                .map(|s| resolve(cfg, "dnsserver", "servers", s.trim()))
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![endpoint(cfg, "dnsserver", 7778)?],
        };
        let reporter = endpoint(cfg, "reporter", 7779)?;
        let report_interval =
            cfg.get_seconds_in("agent", "report_interval", 1.0, 0.01..=3_600.0)?;
        let caller_ip = match cfg.get("agent", "caller_ip") {
            None => None,
            Some(_) => Some(ip(cfg, "agent", "caller_ip", "")?),
        };
        let idle_spin_us =
            cfg.get_int_in("agent", "idle_spin_us", DEFAULT_IDLE_SPIN_US, 0..=1_000_000)?;
        let max_modules = cfg.get_int_in("agent", "max_modules", 100_000, 1..=10_000_000)?;
        let new_modules_per_sec =
            cfg.get_int_in("agent", "new_modules_per_sec", 1000, 0..=10_000_000)?;
        let snapshot_dir = cfg.get_string("agent", "snapshot_dir", "data/agent");
        let snapshot_dir = (snapshot_dir != "off").then(|| snapshot_dir.into());
        Ok(AgentConfig {
            max_modules,
            new_modules_per_sec,
            snapshot_dir,
            keepalive: cfg.get_seconds_or_off(
                "agent",
                "keepalive",
                DEFAULT_KEEPALIVE_SECS,
                0.1..=3_600.0,
            )?,
            idle_spin: (idle_spin_us > 0).then(|| Duration::from_micros(idle_spin_us)),
            listen_ip,
            base_port,
            dns_servers,
            reporter,
            report_interval,
            caller_ip,
            shm: ShmSettings::from_config(cfg)?,
            lb: lb_config(cfg)?,
            metrics_listen: lars_daemon::metrics_listen(cfg)?,
        })
    }
}

fn lb_config(cfg: &Config) -> Result<LbConfig, ConfigError> {
    let d = LbConfig::default();
    let s = "loadbalance";
    let lb = LbConfig {
        probe_num: cfg.get_int_in(s, "probe_num", d.probe_num, COUNT)?,
        init_succ_cnt: cfg.get_int_in(s, "init_succ_cnt", d.init_succ_cnt, COUNT)?,
        init_err_cnt: cfg.get_int_in(s, "init_err_cnt", d.init_err_cnt, 0..=1_000_000)?,
        err_rate: cfg.get_float(s, "err_rate", d.err_rate)?,
        succ_rate: cfg.get_float(s, "succ_rate", d.succ_rate)?,
        contin_err_limit: cfg.get_int_in(s, "contin_err_limit", d.contin_err_limit, COUNT)?,
        contin_succ_limit: cfg.get_int_in(s, "contin_succ_limit", d.contin_succ_limit, COUNT)?,
        window_err_rate: cfg.get_float(s, "window_err_rate", d.window_err_rate)?,
        idle_timeout: cfg.get_int_in(s, "idle_timeout", d.idle_timeout, SECONDS)?,
        overload_timeout: cfg.get_int_in(s, "overload_timeout", d.overload_timeout, SECONDS)?,
        update_timeout: cfg.get_int_in(s, "update_timeout", d.update_timeout, SECONDS)?,
        ewma_decay: cfg.get_int_in(s, "ewma_decay", d.ewma_decay, SECONDS)?,
    };
    lb.validate()
        .map_err(|e| cfg.bad_value(s, e.key, &e.value, e.reason))?;
    Ok(lb)
}

fn ip(cfg: &Config, section: &str, key: &str, default: &str) -> Result<Ipv4Addr, ConfigError> {
    let raw = cfg.get_string(section, key, default);
    raw.parse()
        .map_err(|_| cfg.bad_value(section, key, &raw, "is not an IPv4 address"))
}

fn endpoint(cfg: &Config, section: &str, default_port: u16) -> Result<SocketAddr, ConfigError> {
    let host = cfg.get_string(section, "ip", "127.0.0.1");
    let port = cfg.get_int_in(section, "port", default_port, 1..=u16::MAX)?;
    resolve(cfg, section, "ip", &format!("{host}:{port}"))
}

fn resolve(
    cfg: &Config,
    section: &str,
    key: &str,
    hostport: &str,
) -> Result<SocketAddr, ConfigError> {
    hostport
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.find(SocketAddr::is_ipv4))
        .ok_or_else(|| cfg.bad_value(section, key, hostport, "is not a reachable host:port"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_ones() {
        let c = AgentConfig::from_config(&Config::empty("x.conf")).unwrap();
        assert_eq!(c.listen_ip, Ipv4Addr::LOCALHOST);
        assert_eq!(c.base_port, 8888);
        assert_eq!(c.dns_servers, ["127.0.0.1:7778".parse().unwrap()]);
        assert_eq!(c.reporter, "127.0.0.1:7779".parse().unwrap());
        assert_eq!(c.lb, LbConfig::default());
        assert_eq!(c.idle_spin, None, "shared memory made the spin unnecessary");
        assert_eq!(c.keepalive, Some(Duration::from_secs(20)));
        assert!(c.shm.enabled);
    }

    #[test]
    fn the_shipped_conf_file_says_the_defaults() {
        let text = include_str!("../../../conf/lars_lb_agent.conf");
        let shipped =
            AgentConfig::from_config(&Config::parse(text, "lars_lb_agent.conf").unwrap()).unwrap();
        let defaults = AgentConfig::from_config(&Config::empty("x.conf")).unwrap();
        assert_eq!(shipped.lb, defaults.lb);
        assert_eq!(shipped.idle_spin, defaults.idle_spin);
        assert_eq!(shipped.max_modules, defaults.max_modules);
        assert_eq!(shipped.report_interval, defaults.report_interval);
        assert_eq!(shipped.keepalive, defaults.keepalive);
        assert_eq!(shipped.shm, defaults.shm);
        assert_eq!(
            (shipped.listen_ip, shipped.base_port),
            (defaults.listen_ip, defaults.base_port)
        );
    }

    #[test]
    fn idle_spin_is_read_and_bounded() {
        let c = AgentConfig::from_config(
            &Config::parse("[agent]\nidle_spin_us = 100\n", "x.conf").unwrap(),
        )
        .unwrap();
        assert_eq!(c.idle_spin, Some(Duration::from_micros(100)));
        let off = AgentConfig::from_config(
            &Config::parse("[agent]\nidle_spin_us = 0\n", "x.conf").unwrap(),
        )
        .unwrap();
        assert_eq!(off.idle_spin, None);
    }

    #[test]
    fn server_list_and_overrides() {
        let text = "[dnsserver]\nservers = 127.0.0.1:1, 127.0.0.1:2\n[loadbalance]\nprobe_num = 3\nsucc_rate = 0.9\n";
        let c = AgentConfig::from_config(&Config::parse(text, "x.conf").unwrap()).unwrap();
        assert_eq!(c.dns_servers.len(), 2);
        assert_eq!(c.lb.probe_num, 3);
        assert!((c.lb.succ_rate - 0.9).abs() < 1e-12);
    }

    #[test]
    fn a_tunable_the_algorithm_refuses_is_a_bad_value_of_its_key() {
        let text = "[loadbalance]\nsucc_rate = 1.5\n";
        let err = AgentConfig::from_config(&Config::parse(text, "x.conf").unwrap()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config x.conf:2 [loadbalance] succ_rate: '1.5' must be a rate between 0 and 1"
        );
        assert!(matches!(err, ConfigError::BadValue { .. }), "{err:?}");
    }

    #[test]
    fn bad_values_name_their_key() {
        for (text, key) in [
            ("[loadbalance]\nerr_rate = 1.5\n", "err_rate"),
            ("[loadbalance]\nprobe_num = many\n", "probe_num"),
            ("[agent]\nip = localhost:1\n", "ip"),
            ("[agent]\nreport_interval = 0\n", "report_interval"),
            ("[agent]\nidle_spin_us = 2000000\n", "idle_spin_us"),
            ("[agent]\nbase_port = 65534\n", "base_port"),
            ("[agent]\nmax_modules = 99999999999\n", "max_modules"),
            ("[agent]\nkeepalive = -1\n", "keepalive"),
            (
                "[loadbalance]\nupdate_timeout = 9999999\n",
                "update_timeout",
            ),
            ("[dnsserver]\nservers = nowhere\n", "servers"),
            ("[agent]\nbase_prot = 1\n", "did you mean base_port?"),
            ("[lodbalance]\n", "did you mean [loadbalance]?"),
        ] {
            let err =
                AgentConfig::from_config(&Config::parse(text, "x.conf").unwrap()).unwrap_err();
            assert!(err.to_string().contains(key), "{text}: {err}");
        }
    }
}
