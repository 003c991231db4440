//! `lars-dns` settings from `conf/lars_dns.conf`.

use std::time::Duration;

use lars_reactor::{Config, ConfigError, ServerConfig};
use lars_store::StoreSettings;

/// Everything the DNS service needs to start.
#[derive(Debug, Clone)]
pub struct DnsConfig {
    /// `[reactor] ip, port (7778), threadNum (5), maxConn (1024)`.
    pub server: ServerConfig,
    /// `[store]` / `[mysql]`: where the routes live.
    pub store: StoreSettings,
    /// `[dns] poll_interval` seconds (1): how often the version is checked.
    pub poll_interval: Duration,
    /// `[dns] reload_interval` seconds (10): full reload even without a
    /// version change.
    pub reload_interval: Duration,
    /// `[dns] store_connect_attempts` (5): tries at start, one second apart.
    pub store_connect_attempts: u32,
    /// `[dns] max_subscriptions_per_conn` (100000): modules one connection
    /// may subscribe to; requests beyond are answered but not subscribed.
    pub max_subscriptions_per_conn: usize,
    /// `[metrics] listen`: the HTTP endpoint (`/metrics`, `/healthz`); off
    /// when missing.
    pub metrics_listen: Option<std::net::SocketAddr>,
}

impl DnsConfig {
    /// Reads and checks every key; a bad value is an error naming it.
    pub fn from_config(cfg: &Config) -> Result<DnsConfig, ConfigError> {
        let server = ServerConfig::from_config("lars-dns", cfg, "reactor", 7778, 5)?;
        Ok(DnsConfig {
            server,
            store: lars_daemon::store_settings(cfg)?,
            poll_interval: cfg.get_seconds("dns", "poll_interval", 1.0)?,
            reload_interval: cfg.get_seconds("dns", "reload_interval", 10.0)?,
            store_connect_attempts: cfg.get_int("dns", "store_connect_attempts", 5u32)?.max(1),
            max_subscriptions_per_conn: cfg.get_int(
                "dns",
                "max_subscriptions_per_conn",
                100_000,
            )?,
            metrics_listen: lars_daemon::metrics_listen(cfg)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let cfg = Config::parse(
            "[reactor]\nport = 9999\n[dns]\npoll_interval = 0.2\n",
            "t.conf",
        )
        .unwrap();
        let c = DnsConfig::from_config(&cfg).unwrap();
        assert_eq!(c.server.addr.port(), 9999);
        assert_eq!(c.server.threads, 5);
        assert_eq!(c.poll_interval, Duration::from_millis(200));
        assert_eq!(c.reload_interval, Duration::from_secs(10));
    }

    #[test]
    fn bad_interval_names_the_key() {
        let cfg = Config::parse("[dns]\npoll_interval = -1\n", "t.conf").unwrap();
        let err = DnsConfig::from_config(&cfg).unwrap_err().to_string();
        assert!(err.contains("[dns] poll_interval"), "{err}");
    }
}
