//! `lars-reporter` settings from `conf/lars_reporter.conf`.
//!
//! ```text
//! [reactor]   ip (127.0.0.1), port (7779), threadNum (5), maxConn (1024)
//! [store]     backend, sqlite_path      ; see lars_daemon::store_settings
//! [mysql]     db_host, db_port, db_user, db_passwd, db_name
//! [reporter]  db_thread_cnt (3), flush_interval (1 s), batch_size (500),
//!             max_pending_keys (1000000), queue_capacity (10000),
//!             retry_min (0.1 s), retry_max (5 s), shutdown_timeout (5 s),
//!             unhealthy_after (30 s)
//! [metrics]   listen                ; off when missing
//! ```
//!
//! The original spells the section `[repoter]`; it is accepted too, and
//! when both are present a key in `[reporter]` wins over the same key in
//! `[repoter]`.

use std::time::Duration;

use lars_reactor::{Config, ConfigError, ServerConfig};
use lars_store::StoreSettings;

/// The section name used in this crate's documentation.
pub const SECTION: &str = "reporter";

/// The original's spelling of [`SECTION`], accepted as a fallback.
pub const ORIGINAL_SECTION: &str = "repoter";

/// Everything the report service needs to start.
#[derive(Debug, Clone)]
pub struct ReporterConfig {
    /// `[reactor] ip, port (7779), threadNum (5), maxConn (1024)`.
    pub server: ServerConfig,
    /// `[store]` / `[mysql]`: where `ServerCallStatus` lives.
    pub store: StoreSettings,
    /// `db_thread_cnt` (3): writer threads, each with its own store
    /// connection, queue and coalescer; a module always goes to the same one.
    pub db_thread_cnt: usize,
    /// `flush_interval` seconds (1): the longest a report waits in memory
    /// while the store is up.
    pub flush_interval: Duration,
    /// `batch_size` rows (500): rows per transaction, and the pending-key
    /// count that triggers a flush before the interval is over.
    pub batch_size: usize,
    /// `max_pending_keys` (1000000): per writer, the most rows held in
    /// memory (pending or being written). A report for a key not yet held
    /// is dropped (throttled warning, counted) when the bound is reached;
    /// updates of held keys are always kept.
    pub max_pending_keys: usize,
    /// `queue_capacity` (10000): per writer, the queue between the network
    /// threads and the writer, in items (one item is one message's results,
    /// split into items of at most 64 results). When full, the message is
    /// dropped (throttled warning, counted): a loop thread never blocks.
    pub queue_capacity: usize,
    /// `retry_min` seconds (0.1): first wait after a store failure.
    pub retry_min: Duration,
    /// `retry_max` seconds (5): the wait doubles up to this.
    pub retry_max: Duration,
    /// `shutdown_timeout` seconds (5): at stop, how long each writer keeps
    /// trying to store what is pending before it gives up (and logs how
    /// many rows were lost).
    pub shutdown_timeout: Duration,
    /// `unhealthy_after` seconds (30): `/healthz` fails once a writer has
    /// not reached the store for this long.
    pub unhealthy_after: Duration,
    /// `[metrics] listen`: the HTTP endpoint (`/metrics`, `/healthz`); off
    /// when missing.
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl ReporterConfig {
    /// Reads and checks every key; a bad value is an error naming it.
    pub fn from_config(cfg: &Config) -> Result<ReporterConfig, ConfigError> {
        let server = ServerConfig::from_config("lars-reporter", cfg, "reactor", 7779, 5)?;
        let db_thread_cnt = positive(cfg, "db_thread_cnt", 3)?;
        if db_thread_cnt > 256 {
            return Err(bad(cfg, "db_thread_cnt", "must be at most 256"));
        }
        Ok(ReporterConfig {
            server,
            store: lars_daemon::store_settings(cfg)?,
            db_thread_cnt,
            flush_interval: seconds(cfg, "flush_interval", 1.0)?,
            batch_size: positive(cfg, "batch_size", 500)?,
            max_pending_keys: positive(cfg, "max_pending_keys", 1_000_000)?,
            queue_capacity: positive(cfg, "queue_capacity", 10_000)?,
            retry_min: seconds(cfg, "retry_min", 0.1)?,
            retry_max: seconds(cfg, "retry_max", 5.0)?,
            shutdown_timeout: seconds(cfg, "shutdown_timeout", 5.0)?,
            unhealthy_after: seconds(cfg, "unhealthy_after", 30.0)?,
            metrics_listen: lars_daemon::metrics_listen(cfg)?,
        })
    }

    /// The defaults, listening on `addr`, storing into `store`: handy for
    /// tests and benchmarks.
    pub fn new(addr: std::net::SocketAddr, store: StoreSettings) -> ReporterConfig {
        let mut server = ServerConfig::new("lars-reporter", addr);
        server.threads = 5;
        ReporterConfig {
            server,
            store,
            db_thread_cnt: 3,
            flush_interval: Duration::from_secs(1),
            batch_size: 500,
            max_pending_keys: 1_000_000,
            queue_capacity: 10_000,
            retry_min: Duration::from_millis(100),
            retry_max: Duration::from_secs(5),
            shutdown_timeout: Duration::from_secs(5),
            unhealthy_after: Duration::from_secs(30),
            metrics_listen: None,
        }
    }
}

/// The section `key` is read from: `[reporter]` if it has the key, else
/// `[repoter]`.
fn section_of(cfg: &Config, key: &str) -> &'static str {
    if cfg.get(SECTION, key).is_none() && cfg.get(ORIGINAL_SECTION, key).is_some() {
        ORIGINAL_SECTION
    } else {
        SECTION
    }
}

fn bad(cfg: &Config, key: &str, reason: &str) -> ConfigError {
    let section = section_of(cfg, key);
    let value = cfg.get(section, key).unwrap_or_default();
    cfg.bad_value(section, key, value, reason)
}

/// A count of at least 1.
fn positive(cfg: &Config, key: &str, default: usize) -> Result<usize, ConfigError> {
    let value: usize = cfg.get_int(section_of(cfg, key), key, default)?;
    if value == 0 {
        return Err(bad(cfg, key, "must be at least 1"));
    }
    Ok(value)
}

/// A positive duration given in (fractional) seconds.
fn seconds(cfg: &Config, key: &str, default: f64) -> Result<Duration, ConfigError> {
    cfg.get_seconds(section_of(cfg, key), key, default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ReporterConfig, ConfigError> {
        ReporterConfig::from_config(&Config::parse(text, "t.conf").unwrap())
    }

    #[test]
    fn defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.server.addr.to_string(), "127.0.0.1:7779");
        assert_eq!((c.server.threads, c.server.max_conn), (5, 1024));
        assert_eq!(c.db_thread_cnt, 3);
        assert_eq!(c.flush_interval, Duration::from_secs(1));
        assert_eq!(c.batch_size, 500);
        assert_eq!(c.max_pending_keys, 1_000_000);
        assert_eq!(c.queue_capacity, 10_000);
        assert_eq!(c.retry_min, Duration::from_millis(100));
        assert_eq!(c.retry_max, Duration::from_secs(5));
        assert_eq!(c.shutdown_timeout, Duration::from_secs(5));
        assert_eq!(c.store.to_string(), "sqlite data/lars.db");
    }

    #[test]
    fn the_original_conf_file_is_read() {
        let text = "[reactor]\nmaxConn = 1024\nthreadNum = 2\nip = 127.0.0.1\nport = 7779\n\
                    [mysql]\ndb_host = 127.0.0.1\ndb_port = 3306\ndb_user = root\n\
                    db_passwd = aceld\ndb_name = lars_dns\n[repoter]\ndb_thread_cnt = 4\n";
        let cfg = Config::parse(&format!("[store]\nbackend = mysql\n{text}"), "t.conf").unwrap();
        let c = ReporterConfig::from_config(&cfg).unwrap();
        assert_eq!(c.db_thread_cnt, 4);
        assert_eq!(c.server.threads, 2);
        assert_eq!(c.store.to_string(), "mysql root@127.0.0.1:3306/lars_dns");
    }

    #[test]
    fn reporter_section_wins_key_by_key() {
        let c = parse(
            "[repoter]\ndb_thread_cnt = 4\nbatch_size = 7\n\
             [reporter]\ndb_thread_cnt = 2\nflush_interval = 0.25\n",
        )
        .unwrap();
        assert_eq!(c.db_thread_cnt, 2);
        assert_eq!(c.batch_size, 7);
        assert_eq!(c.flush_interval, Duration::from_millis(250));
    }

    #[test]
    fn bad_values_name_the_section_and_key() {
        let err = parse("[repoter]\ndb_thread_cnt = 0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[repoter] db_thread_cnt: '0'"), "{err}");
        let err = parse("[reporter]\nflush_interval = -1\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[reporter] flush_interval"), "{err}");
        let err = parse("[reporter]\nbatch_size = many\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("[reporter] batch_size: 'many'"), "{err}");
        let err = parse("[reporter]\ndb_thread_cnt = 1000\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("at most 256"), "{err}");
    }
}
