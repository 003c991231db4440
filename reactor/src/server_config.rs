//! [`ServerConfig`]: the settings of a [`TcpServer`](crate::TcpServer),
//! built in code or read from a `[reactor]` section, and [`SERVER_KEYS`],
//! the keys that section may hold.
//!
//! | key | default | bounds | meaning |
//! |---|---|---|---|
//! | `ip` | 127.0.0.1 | an IP address | where to listen |
//! | `port` | per daemon | 0..=65535 | 0 picks a free port |
//! | `threadNum` | per daemon | 1..=256 | worker loop threads |
//! | `maxConn` | 1024 | 1..=1000000 | connections open at once |
//! | `max_conn_per_ip` | maxConn / 4 | 1..=maxConn | connections open at once from one address |
//! | `idle_timeout` | 60 s | 0 (off) or 0.001..=86400 s | close a connection that completes no frame for this long |
//! | `frame_timeout` | 10 s | 0 (off) or 0.001..=3600 s | close a connection that does not finish a frame this long after its first byte |
//! | `allow` | everyone on a loopback `ip`; required otherwise | CIDR list | who may connect |

use std::net::SocketAddr;
use std::time::Duration;

use crate::allow_list::AllowList;
use crate::config::Config;
use crate::config_error::ConfigError;
use crate::tcp_conn::DEFAULT_MAX_OUTPUT;

/// Every key [`ServerConfig::from_config`] reads, for a daemon's list of
/// known keys ([`KnownSection`](crate::KnownSection)).
pub const SERVER_KEYS: &[&str] = &[
    "ip",
    "port",
    "threadNum",
    "maxConn",
    "max_conn_per_ip",
    "idle_timeout",
    "frame_timeout",
    "allow",
];

/// `[reactor] idle_timeout` when the file does not set it.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// `[reactor] frame_timeout` when the file does not set it.
pub const DEFAULT_FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of a [`TcpServer`](crate::TcpServer).
///
/// [`ServerConfig::new`] gives a library's defaults (no timeouts, no
/// per-address limit, everyone allowed); [`ServerConfig::from_config`]
/// gives a daemon's (the table in this module's docs).
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on (port 0 picks a free port).
    pub addr: SocketAddr,
    /// Number of worker loop threads (at least 1).
    pub threads: usize,
    /// Open connections allowed at once; more are refused.
    pub max_conn: usize,
    /// Open connections allowed at once from one IP address; more from it
    /// are refused, so one address cannot take every slot.
    pub max_conn_per_ip: usize,
    /// A connection that completes no frame for this long is closed
    /// (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// A connection that does not finish a frame this long after the
    /// frame's first byte arrived is closed (`None`: never).
    pub frame_timeout: Option<Duration>,
    /// The peers that may connect; others are closed at once.
    pub allow: AllowList,
    /// Per-connection cap on unsent output, in bytes.
    pub max_output: usize,
    /// Name used for threads and logs.
    pub name: String,
}

impl ServerConfig {
    /// Defaults: 1 worker, 1024 connections with no per-address limit, no
    /// timeouts, everyone allowed, 4 MiB output cap.
    pub fn new(name: &str, addr: SocketAddr) -> ServerConfig {
        ServerConfig {
            addr,
            threads: 1,
            max_conn: 1024,
            max_conn_per_ip: 1024,
            idle_timeout: None,
            frame_timeout: None,
            allow: AllowList::any(),
            max_output: DEFAULT_MAX_OUTPUT,
            name: name.to_string(),
        }
    }

    /// Reads [`SERVER_KEYS`] from `section` of `config` (the original's
    /// `[reactor]` keys and ours), with the given defaults for the port and
    /// the number of worker threads. Values outside their bounds are
    /// errors naming the key, and so is a missing `allow` when `ip` is not
    /// a loopback address: a server others can reach says who may connect.
    pub fn from_config(
        name: &str,
        config: &Config,
        section: &str,
        default_port: u16,
        default_threads: usize,
    ) -> Result<ServerConfig, ConfigError> {
        let ip = config.get_string(section, "ip", "127.0.0.1");
        let port = config.get_int_in(section, "port", default_port, 0..=u16::MAX)?;
        let addr: SocketAddr = format!("{ip}:{port}")
            .parse()
            .or_else(|_| format!("[{ip}]:{port}").parse())
            .map_err(|_| config.bad_value(section, "ip", &ip, "is not an IP address"))?;
        let threads = config.get_int_in(section, "threadNum", default_threads, 1..=256)?;
        let max_conn = config.get_int_in(section, "maxConn", 1024, 1..=1_000_000)?;
        let per_ip_default = (max_conn / 4).max(1);
        let max_conn_per_ip =
            config.get_int_in(section, "max_conn_per_ip", per_ip_default, 1..=max_conn)?;
        let idle_timeout = config.get_seconds_or_off(
            section,
            "idle_timeout",
            DEFAULT_IDLE_TIMEOUT.as_secs_f64(),
            0.001..=86_400.0,
        )?;
        let frame_timeout = config.get_seconds_or_off(
            section,
            "frame_timeout",
            DEFAULT_FRAME_TIMEOUT.as_secs_f64(),
            0.001..=3_600.0,
        )?;
        let allow = match config.get(section, "allow") {
            Some(text) => AllowList::parse(text)
                .map_err(|reason| config.bad_value(section, "allow", text, reason))?,
            None if addr.ip().is_loopback() => AllowList::any(),
            None => {
                return Err(config.bad_value(
                    section,
                    "allow",
                    "",
                    format!(
                        "must be set when ip is {ip}, which others can reach: list who may \
                         connect, e.g. allow = 10.0.0.0/8 (allow = 0.0.0.0/0, ::/0 for everyone)"
                    ),
                ))
            }
        };
        Ok(ServerConfig {
            addr,
            threads,
            max_conn,
            max_conn_per_ip,
            idle_timeout,
            frame_timeout,
            allow,
            max_output: DEFAULT_MAX_OUTPUT,
            name: name.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<ServerConfig, String> {
        let config = Config::parse(text, "s.conf").unwrap();
        ServerConfig::from_config("t", &config, "reactor", 7778, 5).map_err(|e| e.to_string())
    }

    #[test]
    fn daemon_defaults() {
        let c = read("").unwrap();
        assert_eq!(c.addr, "127.0.0.1:7778".parse().unwrap());
        assert_eq!((c.threads, c.max_conn, c.max_conn_per_ip), (5, 1024, 256));
        assert_eq!(c.idle_timeout, Some(Duration::from_secs(60)));
        assert_eq!(c.frame_timeout, Some(Duration::from_secs(10)));
        assert!(c.allow.is_any());
    }

    #[test]
    fn every_key_is_read() {
        let c = read(
            "[reactor]\nip = 10.0.0.1\nport = 9\nthreadNum = 2\nmaxConn = 10\n\
             max_conn_per_ip = 3\nidle_timeout = 0\nframe_timeout = 0.5\nallow = 10.0.0.0/8\n",
        )
        .unwrap();
        assert_eq!(c.addr, "10.0.0.1:9".parse().unwrap());
        assert_eq!((c.threads, c.max_conn, c.max_conn_per_ip), (2, 10, 3));
        assert_eq!(c.idle_timeout, None);
        assert_eq!(c.frame_timeout, Some(Duration::from_millis(500)));
        assert_eq!(c.allow.to_string(), "10.0.0.0/8");
        let small = read("[reactor]\nmaxConn = 3\n").unwrap();
        assert_eq!(small.max_conn_per_ip, 1, "a quarter, at least 1");
        let v6 = read("[reactor]\nip = ::1\n").unwrap();
        assert_eq!(v6.addr, "[::1]:7778".parse().unwrap());
    }

    #[test]
    fn out_of_bounds_values_name_their_key() {
        for (text, want) in [
            (
                "[reactor]\nthreadNum = 99999999999\n",
                "config s.conf:2 [reactor] threadNum: '99999999999' is out of range: 1..=256",
            ),
            (
                "[reactor]\nmaxConn = 0\n",
                "config s.conf:2 [reactor] maxConn: '0' is out of range: 1..=1000000",
            ),
            (
                "[reactor]\nmaxConn = 8\nmax_conn_per_ip = 9\n",
                "config s.conf:3 [reactor] max_conn_per_ip: '9' is out of range: 1..=8",
            ),
            (
                "[reactor]\nidle_timeout = -1\n",
                "config s.conf:2 [reactor] idle_timeout: '-1' is out of range: 0.001 to 86400 seconds",
            ),
            (
                "[reactor]\nallow = 10.0.0.1/8\n",
                "config s.conf:2 [reactor] allow: '10.0.0.1/8' 10.0.0.1/8 has bits set past its /8 \
                 (did you mean 10.0.0.0/8?)",
            ),
            (
                "[reactor]\nip = 127.0.0.1:80\n",
                "config s.conf:2 [reactor] ip: '127.0.0.1:80' is not an IP address",
            ),
        ] {
            assert_eq!(read(text).unwrap_err(), want, "{text}");
        }
    }

    #[test]
    fn a_reachable_address_needs_an_allow_list() {
        let err = read("[reactor]\nip = 0.0.0.0\n").unwrap_err();
        assert!(
            err.starts_with("config s.conf [reactor] allow: '' must be set when ip is 0.0.0.0"),
            "{err}"
        );
        let open = read("[reactor]\nip = 0.0.0.0\nallow = 0.0.0.0/0\n").unwrap();
        assert!(open.allow.allows("203.0.113.5".parse().unwrap()));
        assert!(read("[reactor]\nip = 127.0.0.2\n").unwrap().allow.is_any());
    }
}
