//! [`WebSettings`]: the `[web]` section of `conf/lars_web.conf`, the
//! store sections it shares with lars-dns, and `LARS_WEB_TOKEN`; and
//! [`KNOWN_KEYS`]: every section and key the file may hold (a misspelled
//! `admin_token` must not leave the console open).
//!
//! ```text
//! [web]
//! listen = 127.0.0.1:8080          ; loopback only unless said otherwise
//! agents = 127.0.0.1:9888          ; the agents' [metrics] listen, comma-separated
//! admin_token =                    ; empty: changes need no token; LARS_WEB_TOKEN wins
//! agent_timeout = 1                ; seconds one agent may take to answer
//! host_names =                     ; Host names accepted besides IPs and localhost
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use lars_reactor::{Config, ConfigError, KnownSection};
use lars_store::StoreSettings;

/// Every section and key lars-web reads; any other in its file stops it at
/// start, naming the line. A new key is one more name here.
pub const KNOWN_KEYS: &[KnownSection] = &[
    KnownSection::new(
        "web",
        &[
            "listen",
            "agents",
            "agent_timeout",
            "admin_token",
            "host_names",
        ],
    ),
    lars_daemon::STORE_SECTION,
    lars_daemon::MYSQL_SECTION,
];

/// The environment variable whose value, when set and not empty, is the
/// admin token (it wins over `[web] admin_token`).
pub const TOKEN_ENV: &str = "LARS_WEB_TOKEN";

/// The default `[web] listen`.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// Everything lars-web needs to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSettings {
    /// Where the console listens.
    pub listen: SocketAddr,
    /// The agents' HTTP endpoints (`[metrics] listen` of each agent).
    pub agents: Vec<SocketAddr>,
    /// The token that changes need; `None`: changes need none.
    pub admin_token: Option<String>,
    /// How long one agent may take to answer `/modules`.
    pub agent_timeout: Duration,
    /// `Host` header names accepted besides IP addresses and `localhost`
    /// (lowercase, without port).
    pub host_names: Vec<String>,
    /// The store, the one lars-dns serves from.
    pub store: StoreSettings,
}

impl WebSettings {
    /// Reads `[web]`, `[store]` and `[mysql]` from `cfg`, with
    /// `LARS_WEB_TOKEN` and `LARS_DB_PASSWD` from the environment.
    pub fn from_config(cfg: &Config) -> Result<WebSettings, ConfigError> {
        WebSettings::from_config_with_env(cfg, std::env::var(TOKEN_ENV).ok())
    }

    /// [`from_config`](Self::from_config) with the value of
    /// `LARS_WEB_TOKEN` passed in.
    pub fn from_config_with_env(
        cfg: &Config,
        env_token: Option<String>,
    ) -> Result<WebSettings, ConfigError> {
        cfg.check_known(KNOWN_KEYS)?;
        let listen_text = cfg.get_string("web", "listen", DEFAULT_LISTEN);
        let listen = parse_addr(cfg, "listen", &listen_text)?;
        let agents = list(&cfg.get_string("web", "agents", ""))
            .map(|a| parse_addr(cfg, "agents", a))
            .collect::<Result<Vec<_>, _>>()?;
        let token = env_token
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| cfg.get_string("web", "admin_token", ""));
        let token = token.trim();
        if token.chars().any(|c| c.is_control()) {
            return Err(cfg.bad_value(
                "web",
                "admin_token",
                "(hidden)",
                "must not contain control characters",
            ));
        }
        let host_names = list(&cfg.get_string("web", "host_names", ""))
            .map(str::to_ascii_lowercase)
            .collect();
        Ok(WebSettings {
            listen,
            agents,
            admin_token: (!token.is_empty()).then(|| token.to_string()),
            agent_timeout: cfg.get_seconds_in("web", "agent_timeout", 1.0, 0.01..=60.0)?,
            host_names,
            store: lars_daemon::store_settings(cfg)?,
        })
    }
}

/// The non-empty, trimmed items of a comma-separated list.
fn list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn parse_addr(cfg: &Config, key: &str, text: &str) -> Result<SocketAddr, ConfigError> {
    text.parse().map_err(|_| {
        cfg.bad_value(
            "web",
            key,
            text,
            "is not an address IP:PORT (e.g. 127.0.0.1:8080)",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: Option<&str>) -> Result<WebSettings, ConfigError> {
        let cfg = Config::parse(text, "web.conf").unwrap();
        WebSettings::from_config_with_env(&cfg, env.map(str::to_string))
    }

    #[test]
    fn defaults_are_loopback_no_agents_no_token_and_the_dns_store() {
        let s = parse("", None).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert!(s.agents.is_empty());
        assert_eq!(s.admin_token, None);
        assert_eq!(s.agent_timeout, Duration::from_secs(1));
        assert!(s.host_names.is_empty());
        assert_eq!(s.store.to_string(), "sqlite data/lars.db");
    }

    #[test]
    fn reads_every_key_and_the_environment_token_wins() {
        let text = "[web]\nlisten = 0.0.0.0:9000\nagents = 127.0.0.1:9888, 10.0.0.2:9888,\n\
                    admin_token = s3cret\nagent_timeout = 0.5\nhost_names = Console.example, lars\n\
                    [store]\nbackend = mysql\n";
        let s = parse(text, None).unwrap();
        assert_eq!(s.listen.to_string(), "0.0.0.0:9000");
        let agents: Vec<String> = s.agents.iter().map(ToString::to_string).collect();
        assert_eq!(agents, ["127.0.0.1:9888", "10.0.0.2:9888"]);
        assert_eq!(s.admin_token.as_deref(), Some("s3cret"));
        assert_eq!(s.agent_timeout, Duration::from_millis(500));
        assert_eq!(s.host_names, ["console.example", "lars"]);
        assert_eq!(s.store.to_string(), "mysql root@127.0.0.1:3306/lars_dns");
        let from_env = parse(text, Some("other")).unwrap();
        assert_eq!(from_env.admin_token.as_deref(), Some("other"));
        let blank_env = parse(text, Some("  ")).unwrap();
        assert_eq!(blank_env.admin_token.as_deref(), Some("s3cret"));
    }

    #[test]
    fn bad_values_name_the_key_and_never_show_the_token() {
        let err = parse("[web]\nlisten = localhost:80\n", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config web.conf:2 [web] listen: 'localhost:80' is not an address IP:PORT \
             (e.g. 127.0.0.1:8080)"
        );
        let err = parse("[web]\nagents = 127.0.0.1:9888,127.0.0.1\n", None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("config web.conf:2 [web] agents: '127.0.0.1'"),
            "{err}"
        );
        let err = parse("[web]\nagent_timeout = 0\n", None).unwrap_err();
        assert!(err.to_string().contains("[web] agent_timeout"), "{err}");
        let err = parse("[web]\nadmin_token = a\u{7}b\n", None).unwrap_err();
        assert!(!err.to_string().contains("a\u{7}b"), "{err}");
    }

    #[test]
    fn a_misspelled_token_key_stops_the_console() {
        let err = parse("[web]\nadmin_tokn = s3cret\n", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config web.conf:2 [web] admin_tokn: unknown key; did you mean admin_token?"
        );
        let shipped = include_str!("../../../conf/lars_web.conf");
        assert!(parse(shipped, None).is_ok());
    }
}
