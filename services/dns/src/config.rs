//! `lars-dns` settings from `conf/lars_dns.conf`, and [`KNOWN_KEYS`]: every
//! section and key the file may hold.

use std::time::Duration;

use lars_reactor::{Config, ConfigError, KnownSection, ServerConfig, SERVER_KEYS};
use lars_store::StoreSettings;

/// Every section and key lars-dns reads; any other in its file stops it at
/// start, naming the line. A new key is one more name here.
pub const KNOWN_KEYS: &[KnownSection] = &[
    KnownSection::new("reactor", SERVER_KEYS),
    lars_daemon::STORE_SECTION,
    lars_daemon::MYSQL_SECTION,
    KnownSection::new(
        "dns",
        &[
            "poll_interval",
            "reload_interval",
            "store_connect_attempts",
            "max_subscriptions_per_conn",
        ],
    ),
    lars_daemon::METRICS_SECTION,
];

/// Everything the DNS service needs to start.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// `[reactor] ip, port (7778), threadNum (5), maxConn (1024)` and the
    /// connection limits ([`ServerConfig::from_config`]).
    pub server: ServerConfig,
    /// `[store]` / `[mysql]`: where the routes live.
    pub store: StoreSettings,
    /// `[dns] poll_interval` seconds (1, 0.01..=3600): how often the
    /// version is checked.
    pub poll_interval: Duration,
    /// `[dns] reload_interval` seconds (10, 0.1..=86400): full reload even
    /// without a version change.
    pub reload_interval: Duration,
    /// `[dns] store_connect_attempts` (5, 1..=1000): tries at start, one
    /// second apart, while the store's error is transient.
    pub store_connect_attempts: u32,
    /// `[dns] max_subscriptions_per_conn` (100000, 1..=10000000): modules
    /// one connection may subscribe to; requests beyond are answered but
    /// not subscribed.
    pub max_subscriptions_per_conn: usize,
    /// `[metrics] listen`: the HTTP endpoint (`/metrics`, `/healthz`); off
    /// when missing.
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl DnsConfig {
    /// Checks that every section and key is known, then reads and checks
    /// every value; an error names the file, line and key.
    pub fn from_config(cfg: &Config) -> Result<DnsConfig, ConfigError> {
        cfg.check_known(KNOWN_KEYS)?;
        let server = ServerConfig::from_config("lars-dns", cfg, "reactor", 7778, 5)?;
        Ok(DnsConfig {
            server,
            store: lars_daemon::store_settings(cfg)?,
            poll_interval: cfg.get_seconds_in("dns", "poll_interval", 1.0, 0.01..=3_600.0)?,
            reload_interval: cfg.get_seconds_in("dns", "reload_interval", 10.0, 0.1..=86_400.0)?,
            store_connect_attempts: cfg.get_int_in("dns", "store_connect_attempts", 5, 1..=1000)?,
            max_subscriptions_per_conn: cfg.get_int_in(
                "dns",
                "max_subscriptions_per_conn",
                100_000,
                1..=10_000_000,
            )?,
            metrics_listen: lars_daemon::metrics_listen(cfg)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<DnsConfig, String> {
        DnsConfig::from_config(&Config::parse(text, "t.conf").unwrap()).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_and_overrides() {
        let c = read("[reactor]\nport = 9999\n[dns]\npoll_interval = 0.2\n").unwrap();
        assert_eq!(c.server.addr.port(), 9999);
        assert_eq!(c.server.threads, 5);
        assert_eq!(c.poll_interval, Duration::from_millis(200));
        assert_eq!(c.reload_interval, Duration::from_secs(10));
        assert_eq!(c.store_connect_attempts, 5);
    }

    #[test]
    fn bad_interval_names_the_key() {
        let err = read("[dns]\npoll_interval = -1\n").unwrap_err();
        assert!(err.contains("t.conf:2 [dns] poll_interval"), "{err}");
        let err = read("[dns]\nstore_connect_attempts = 0\n").unwrap_err();
        assert_eq!(
            err,
            "config t.conf:2 [dns] store_connect_attempts: '0' is out of range: 1..=1000"
        );
    }

    #[test]
    fn unknown_keys_and_sections_are_refused() {
        assert_eq!(
            read("[reactor]\nprot = 7778\n").unwrap_err(),
            "config t.conf:2 [reactor] prot: unknown key; did you mean port?"
        );
        assert_eq!(
            read("[reactr]\nport = 7778\n").unwrap_err(),
            "config t.conf:1: unknown section [reactr]; did you mean [reactor]?"
        );
    }

    #[test]
    fn the_shipped_conf_file_is_accepted() {
        let text = include_str!("../../../conf/lars_dns.conf");
        let c = DnsConfig::from_config(&Config::parse(text, "lars_dns.conf").unwrap()).unwrap();
        assert_eq!(c.server.addr.to_string(), "127.0.0.1:7778");
        assert_eq!(c.server.idle_timeout, Some(Duration::from_secs(60)));
    }
}
