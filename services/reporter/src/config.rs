//! `lars-reporter` settings from `conf/lars_reporter.conf`, and
//! [`KNOWN_KEYS`]: every section and key the file may hold.
//!
//! ```text
//! [reactor]   ip (127.0.0.1), port (7779), threadNum (5), maxConn (1024),
//!             max_conn_per_ip, idle_timeout, frame_timeout, allow
//! [store]     backend, sqlite_path      ; see lars_daemon::store_settings
//! [mysql]     db_host, db_port, db_user, db_passwd, db_name
//! [reporter]  db_thread_cnt (3, 1..=256), flush_interval (1 s),
//!             batch_size (500, 1..=100000),
//!             max_pending_keys (1000000, 1..=100000000),
//!             queue_capacity (10000, 1..=10000000), retry_min (0.1 s),
//!             retry_max (5 s), shutdown_timeout (5 s) (each 0.001..=3600 s),
//!             unhealthy_after (30 s, 0.001..=86400 s)
//! [metrics]   listen                ; off when missing
//! ```
//!
//! The original spells the section `[repoter]`; it is accepted too, and
//! when both are present a key in `[reporter]` wins over the same key in
//! `[repoter]`.

use std::time::Duration;

use std::ops::RangeInclusive;

use lars_reactor::{Config, ConfigError, KnownSection, ServerConfig, SERVER_KEYS};
use lars_store::StoreSettings;

/// The section name used in this crate's documentation.
pub const SECTION: &str = "reporter";

/// The original's spelling of [`SECTION`], accepted as a fallback.
pub const ORIGINAL_SECTION: &str = "repoter";

/// Every section and key lars-reporter reads; any other in its file stops
/// it at start, naming the line. A new key is one more name here.
pub const KNOWN_KEYS: &[KnownSection] = &[
    KnownSection::new("reactor", SERVER_KEYS),
    lars_daemon::STORE_SECTION,
    lars_daemon::MYSQL_SECTION,
    KnownSection::new(
        SECTION,
        &[
            "db_thread_cnt",
            "flush_interval",
            "batch_size",
            "max_pending_keys",
            "queue_capacity",
            "retry_min",
            "retry_max",
            "shutdown_timeout",
            "unhealthy_after",
        ],
    )
    .aliased(&[ORIGINAL_SECTION]),
    lars_daemon::METRICS_SECTION,
];

/// The bounds of the `[reporter]` durations other than `unhealthy_after`,
/// in seconds.
const SECONDS: RangeInclusive<f64> = 0.001..=3_600.0;

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
    /// split into items of at most 64 results). When full, the connections
    /// feeding it pause reading until it has room again (nothing is
    /// dropped): a loop thread never blocks.
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
    /// Checks that every section and key is known, then reads and checks
    /// every value; an error names the file, line and key.
    pub fn from_config(cfg: &Config) -> Result<ReporterConfig, ConfigError> {
        cfg.check_known(KNOWN_KEYS)?;
        let server = ServerConfig::from_config("lars-reporter", cfg, "reactor", 7779, 5)?;
        Ok(ReporterConfig {
            server,
            store: lars_daemon::store_settings(cfg)?,
            db_thread_cnt: count(cfg, "db_thread_cnt", 3, 1..=256)?,
            flush_interval: seconds(cfg, "flush_interval", 1.0, SECONDS)?,
            batch_size: count(cfg, "batch_size", 500, 1..=100_000)?,
            max_pending_keys: count(cfg, "max_pending_keys", 1_000_000, 1..=100_000_000)?,
            queue_capacity: count(cfg, "queue_capacity", 10_000, 1..=10_000_000)?,
            retry_min: seconds(cfg, "retry_min", 0.1, SECONDS)?,
            retry_max: seconds(cfg, "retry_max", 5.0, SECONDS)?,
            shutdown_timeout: seconds(cfg, "shutdown_timeout", 5.0, SECONDS)?,
            unhealthy_after: seconds(cfg, "unhealthy_after", 30.0, 0.001..=86_400.0)?,
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

/// A count within `range`.
fn count(
    cfg: &Config,
    key: &str,
    default: usize,
    range: RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    cfg.get_int_in(section_of(cfg, key), key, default, range)
}

/// A duration given in (fractional) seconds, within `range`.
fn seconds(
    cfg: &Config,
    key: &str,
    default: f64,
    range: RangeInclusive<f64>,
) -> Result<Duration, ConfigError> {
    cfg.get_seconds_in(section_of(cfg, key), key, default, range)
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
        let err = |text: &str| parse(text).unwrap_err().to_string();
        assert_eq!(
            err("[repoter]\ndb_thread_cnt = 0\n"),
            "config t.conf:2 [repoter] db_thread_cnt: '0' is out of range: 1..=256"
        );
        assert_eq!(
            err("[reporter]\nflush_interval = -1\n"),
            "config t.conf:2 [reporter] flush_interval: '-1' is out of range: 0.001 to 3600 seconds"
        );
        assert_eq!(
            err("[reporter]\nbatch_size = many\n"),
            "config t.conf:2 [reporter] batch_size: 'many' is not a valid integer"
        );
        assert_eq!(
            err("[reporter]\n\ndb_thread_cnt = 1000\n"),
            "config t.conf:3 [reporter] db_thread_cnt: '1000' is out of range: 1..=256"
        );
        assert_eq!(
            err("[reporter]\nqueue_capacity = 99999999999\n"),
            "config t.conf:2 [reporter] queue_capacity: '99999999999' is out of range: 1..=10000000"
        );
    }

    #[test]
    fn unknown_keys_are_refused_and_the_original_spelling_is_not_one() {
        assert_eq!(
            parse("[repoter]\ndb_thread_cnt = 2\nflush_intervall = 1\n")
                .unwrap_err()
                .to_string(),
            "config t.conf:3 [repoter] flush_intervall: unknown key; did you mean flush_interval?"
        );
        assert_eq!(
            parse("[reporter]\nunhealthy_after = 10\n[metric]\nlisten = 127.0.0.1:1\n")
                .unwrap_err()
                .to_string(),
            "config t.conf:3: unknown section [metric]; did you mean [metrics]?"
        );
    }

    #[test]
    fn the_shipped_conf_file_is_accepted() {
        let text = include_str!("../../../conf/lars_reporter.conf");
        let c = parse(text).unwrap();
        assert_eq!(c.server.addr.to_string(), "127.0.0.1:7779");
        assert_eq!(c.unhealthy_after, Duration::from_secs(30));
    }
}
