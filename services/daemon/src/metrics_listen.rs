//! [`metrics_listen`]: the `[metrics] listen` key every daemon shares.

use std::net::SocketAddr;

use lars_reactor::{Config, ConfigError, KnownSection};

/// The `[metrics]` keys [`metrics_listen`] reads, for a daemon's list of
/// known keys.
pub const METRICS_SECTION: KnownSection = KnownSection::new("metrics", &["listen"]);

/// `[metrics] listen = IP:PORT`: where the daemon serves `/metrics` and
/// `/healthz`. `None` when the key is missing (off); a value that is not
/// an `IP:PORT` is an error naming the key.
///
/// ```
/// use lars_reactor::Config;
/// let on = Config::parse("[metrics]\nlisten = 127.0.0.1:9888\n", "x.conf").unwrap();
/// assert_eq!(lars_daemon::metrics_listen(&on).unwrap(), Some("127.0.0.1:9888".parse().unwrap()));
/// let off = Config::parse("[agent]\n", "x.conf").unwrap();
/// assert_eq!(lars_daemon::metrics_listen(&off).unwrap(), None);
/// ```
pub fn metrics_listen(cfg: &Config) -> Result<Option<SocketAddr>, ConfigError> {
    match cfg.get("metrics", "listen") {
        None => Ok(None),
        Some(text) => text.trim().parse().map(Some).map_err(|_| {
            cfg.bad_value(
                "metrics",
                "listen",
                text,
                "expected IP:PORT, e.g. 127.0.0.1:9888",
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_address_names_the_key() {
        let cfg = Config::parse("[metrics]\nlisten = localhost\n", "a.conf").unwrap();
        let err = metrics_listen(&cfg).unwrap_err().to_string();
        assert!(err.contains("[metrics] listen"), "{err}");
        assert!(err.contains("localhost"), "{err}");
    }
}
