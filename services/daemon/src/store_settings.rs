//! [`store_settings`]: the `[store]` and `[mysql]` sections of a daemon's
//! INI file as typed [`StoreSettings`].
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

use std::path::PathBuf;

use lars_reactor::{Config, ConfigError, KnownSection};
use lars_store::{check_db_name, MysqlSettings, StoreSettings, PASSWD_ENV};

/// The `[store]` keys [`store_settings`] reads, for a daemon's list of
/// known keys.
pub const STORE_SECTION: KnownSection = KnownSection::new("store", &["backend", "sqlite_path"]);

/// The `[mysql]` keys [`store_settings`] reads.
pub const MYSQL_SECTION: KnownSection = KnownSection::new(
    "mysql",
    &["db_host", "db_port", "db_user", "db_passwd", "db_name"],
);

/// Reads `[store]` and, for the MySQL backend, `[mysql]` from `cfg`.
///
/// Missing keys take the defaults shown in the module docs; an unknown
/// backend or a bad port or database name is an error naming the file,
/// section and key. `LARS_DB_PASSWD`, if set, overrides `db_passwd`.
///
/// ```
/// let cfg = lars_reactor::Config::parse("[store]\nbackend = mysql\n", "x.conf").unwrap();
/// let store = lars_daemon::store_settings_with_env(&cfg, None).unwrap();
/// assert_eq!(store.to_string(), "mysql root@127.0.0.1:3306/lars_dns");
/// ```
pub fn store_settings(cfg: &Config) -> Result<StoreSettings, ConfigError> {
    store_settings_with_env(cfg, std::env::var(PASSWD_ENV).ok())
}

/// [`store_settings`] with the value of `LARS_DB_PASSWD` passed in rather
/// than read from the environment.
pub fn store_settings_with_env(
    cfg: &Config,
    env_passwd: Option<String>,
) -> Result<StoreSettings, ConfigError> {
    let backend = cfg.get_string("store", "backend", "sqlite");
    match backend.to_ascii_lowercase().as_str() {
        "sqlite" => Ok(StoreSettings::Sqlite {
            path: PathBuf::from(cfg.get_string("store", "sqlite_path", "data/lars.db")),
        }),
        "mysql" | "mariadb" => {
            let d = MysqlSettings::default();
            let port = cfg.get_int_in("mysql", "db_port", d.port, 1..=u16::MAX)?;
            let db_name = cfg.get_string("mysql", "db_name", &d.db_name);
            if let Err(reason) = check_db_name(&db_name) {
                return Err(cfg.bad_value("mysql", "db_name", &db_name, reason));
            }
            Ok(StoreSettings::Mysql(MysqlSettings {
                host: cfg.get_string("mysql", "db_host", &d.host),
                port,
                user: cfg.get_string("mysql", "db_user", &d.user),
                passwd: env_passwd.unwrap_or_else(|| cfg.get_string("mysql", "db_passwd", "")),
                db_name,
            }))
        }
        _ => Err(cfg.bad_value(
            "store",
            "backend",
            &backend,
            "is not a store backend (expected sqlite or mysql)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: Option<&str>) -> Result<StoreSettings, ConfigError> {
        let cfg = Config::parse(text, "t.conf").unwrap();
        store_settings_with_env(&cfg, env.map(str::to_string))
    }

    #[test]
    fn defaults_to_sqlite_in_data() {
        let store = parse("", None).unwrap();
        assert_eq!(
            store,
            StoreSettings::Sqlite {
                path: "data/lars.db".into()
            }
        );
        let store = parse("[store]\nsqlite_path = /tmp/x.db\n", None).unwrap();
        assert_eq!(store.to_string(), "sqlite /tmp/x.db");
    }

    #[test]
    fn reads_mysql_section_and_env_password_wins() {
        let text = "[store]\nbackend = mysql\n[mysql]\ndb_host = db1\ndb_port = 3307\n\
                    db_user = lars\ndb_passwd = secret\ndb_name = routes\n";
        let want = MysqlSettings {
            host: "db1".into(),
            port: 3307,
            user: "lars".into(),
            passwd: "secret".into(),
            db_name: "routes".into(),
        };
        assert_eq!(
            parse(text, None).unwrap(),
            StoreSettings::Mysql(want.clone())
        );
        let from_env = MysqlSettings {
            passwd: "fromenv".into(),
            ..want
        };
        assert_eq!(
            parse(text, Some("fromenv")).unwrap(),
            StoreSettings::Mysql(from_env)
        );
    }

    #[test]
    fn bad_values_name_file_section_and_key() {
        let err = parse("[store]\nbackend = postgres\n", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config t.conf:2 [store] backend: 'postgres' is not a store backend \
             (expected sqlite or mysql)"
        );
        let err = parse("[store]\nbackend = mysql\n[mysql]\ndb_port = x\n", None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("config t.conf:4 [mysql] db_port: 'x'"));
        let err = parse("[store]\nbackend=mysql\n[mysql]\ndb_port = 0\n", None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "config t.conf:4 [mysql] db_port: '0' is out of range: 1..=65535"
        );
        let err = parse("[store]\nbackend=mysql\n[mysql]\ndb_name = a-b\n", None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with("config t.conf:4 [mysql] db_name: 'a-b'"));
    }
}
