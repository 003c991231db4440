//! [`StoreConfig`]: which database a service uses, read from its INI file.
//!
//! ```text
//! [store]
//! backend = sqlite            ; or mysql (default sqlite)
//! sqlite_path = data/lars.db  ; default data/lars.db
//!
//! [mysql]
//! db_host = 127.0.0.1
//! db_port = 3306
//! db_user = root
//! db_passwd =                 ; the LARS_DB_PASSWD environment variable wins
//! db_name = lars_dns
//! ```

use crate::error::StoreError;
use lars_reactor::Config;
use std::fmt;
use std::path::PathBuf;

/// The environment variable that, when set, replaces `[mysql] db_passwd`, so
/// a password need not be written into a configuration file.
pub const PASSWD_ENV: &str = "LARS_DB_PASSWD";

/// Which store to open, and where.
///
/// `Display` and `Debug` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// An embedded SQLite database file (created on first open).
    Sqlite {
        /// The database file, relative to the working directory or absolute.
        path: PathBuf,
    },
    /// A MySQL / MariaDB server.
    Mysql {
        /// Server host name or IP.
        host: String,
        /// Server TCP port.
        port: u16,
        /// User name.
        user: String,
        /// Password (may be empty).
        passwd: String,
        /// Database name; created if missing.
        db_name: String,
    },
}

impl StoreConfig {
    /// Reads `[store]` and, for the MySQL backend, `[mysql]` from `cfg`.
    ///
    /// Missing keys take the defaults shown in the module docs; an unknown
    /// backend or a bad port or database name is an error naming the file,
    /// section and key. `LARS_DB_PASSWD`, if set, overrides `db_passwd`.
    ///
    /// ```
    /// use lars_store::StoreConfig;
    /// let cfg = lars_reactor::Config::parse("[store]\nbackend = mysql\n", "x.conf").unwrap();
    /// let store = StoreConfig::from_config(&cfg).unwrap();
    /// assert_eq!(store.to_string(), "mysql root@127.0.0.1:3306/lars_dns");
    /// ```
    pub fn from_config(cfg: &Config) -> Result<StoreConfig, StoreError> {
        StoreConfig::from_config_with_env(cfg, std::env::var(PASSWD_ENV).ok())
    }

    /// [`from_config`](Self::from_config) with the value of `LARS_DB_PASSWD`
    /// passed in rather than read from the environment.
    pub fn from_config_with_env(
        cfg: &Config,
        env_passwd: Option<String>,
    ) -> Result<StoreConfig, StoreError> {
        let backend = cfg.get_string("store", "backend", "sqlite");
        match backend.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(StoreConfig::Sqlite {
                path: PathBuf::from(cfg.get_string("store", "sqlite_path", "data/lars.db")),
            }),
            "mysql" | "mariadb" => {
                let port: u16 = cfg.get_int("mysql", "db_port", 3306)?;
                if port == 0 {
                    return Err(cfg
                        .bad_value("mysql", "db_port", "0", "is not a port")
                        .into());
                }
                let db_name = cfg.get_string("mysql", "db_name", "lars_dns");
                if let Err(reason) = check_db_name(&db_name) {
                    return Err(cfg.bad_value("mysql", "db_name", &db_name, reason).into());
                }
                Ok(StoreConfig::Mysql {
                    host: cfg.get_string("mysql", "db_host", "127.0.0.1"),
                    port,
                    user: cfg.get_string("mysql", "db_user", "root"),
                    passwd: env_passwd.unwrap_or_else(|| cfg.get_string("mysql", "db_passwd", "")),
                    db_name,
                })
            }
            _ => Err(cfg
                .bad_value(
                    "store",
                    "backend",
                    &backend,
                    "is not a store backend (expected sqlite or mysql)",
                )
                .into()),
        }
    }

    /// The same server with another database name (for MySQL), so tests and
    /// tools can use a database of their own. A SQLite config is returned
    /// unchanged: its "database" is the file.
    pub fn with_db_name(self, name: &str) -> StoreConfig {
        match self {
            StoreConfig::Mysql {
                host,
                port,
                user,
                passwd,
                ..
            } => StoreConfig::Mysql {
                host,
                port,
                user,
                passwd,
                db_name: name.to_string(),
            },
            sqlite => sqlite,
        }
    }
}

impl fmt::Display for StoreConfig {
    /// `sqlite data/lars.db` or `mysql root@127.0.0.1:3306/lars_dns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreConfig::Sqlite { path } => write!(f, "sqlite {}", path.display()),
            StoreConfig::Mysql {
                host,
                port,
                user,
                db_name,
                ..
            } => write!(f, "mysql {user}@{host}:{port}/{db_name}"),
        }
    }
}

impl fmt::Debug for StoreConfig {
    /// Like `Display`, with a `StoreConfig(..)` around it: no password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreConfig({self})")
    }
}

/// Why `name` cannot be a MySQL database name, if it cannot: it is spliced
/// into `CREATE DATABASE`, so only a plain identifier is accepted.
pub(crate) fn check_db_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 64 {
        return Err("must be 1 to 64 characters long");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
    {
        return Err("may only contain letters, digits, '_' and '$'");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: Option<&str>) -> Result<StoreConfig, StoreError> {
        let cfg = Config::parse(text, "t.conf").unwrap();
        StoreConfig::from_config_with_env(&cfg, env.map(str::to_string))
    }

    #[test]
    fn defaults_to_sqlite_in_data() {
        let store = parse("", None).unwrap();
        assert_eq!(
            store,
            StoreConfig::Sqlite {
                path: "data/lars.db".into()
            }
        );
        assert_eq!(store.to_string(), "sqlite data/lars.db");
        let store = parse("[store]\nsqlite_path = /tmp/x.db\n", None).unwrap();
        assert_eq!(store.to_string(), "sqlite /tmp/x.db");
    }

    #[test]
    fn reads_mysql_section_and_env_password_wins() {
        let text = "[store]\nbackend = mysql\n[mysql]\ndb_host = db1\ndb_port = 3307\n\
                    db_user = lars\ndb_passwd = secret\ndb_name = routes\n";
        let store = parse(text, None).unwrap();
        assert_eq!(
            store,
            StoreConfig::Mysql {
                host: "db1".into(),
                port: 3307,
                user: "lars".into(),
                passwd: "secret".into(),
                db_name: "routes".into(),
            }
        );
        assert_eq!(store.to_string(), "mysql lars@db1:3307/routes");
        assert!(!format!("{store:?}").contains("secret"));
        match parse(text, Some("fromenv")).unwrap() {
            StoreConfig::Mysql { passwd, .. } => assert_eq!(passwd, "fromenv"),
            other => panic!("{other}"),
        }
    }

    #[test]
    fn bad_values_name_file_section_and_key() {
        let err = parse("[store]\nbackend = postgres\n", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config t.conf [store] backend: 'postgres' is not a store backend \
             (expected sqlite or mysql)"
        );
        let err = parse("[store]\nbackend = mysql\n[mysql]\ndb_port = x\n", None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("config t.conf [mysql] db_port: 'x'"));
        let err = parse("[store]\nbackend=mysql\n[mysql]\ndb_name = a-b\n", None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("config t.conf [mysql] db_name: 'a-b'"));
    }

    #[test]
    fn with_db_name_changes_only_mysql() {
        let store = parse("[store]\nbackend = mysql\n", None).unwrap();
        assert_eq!(
            store.with_db_name("lars_test").to_string(),
            "mysql root@127.0.0.1:3306/lars_test"
        );
        let sqlite = parse("", None).unwrap();
        assert_eq!(sqlite.clone().with_db_name("x"), sqlite);
    }
}
