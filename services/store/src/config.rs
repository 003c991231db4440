//! [`StoreSettings`]: which database a service uses. Reading them from a
//! daemon's INI file is the daemon's job (`lars_daemon::store_settings`);
//! this crate takes the typed value.

use std::fmt;
use std::path::PathBuf;

/// The environment variable whose value, when set, replaces `[mysql]
/// db_passwd` where the daemons read their settings (so a password need
/// not be written into a configuration file).
pub const PASSWD_ENV: &str = "LARS_DB_PASSWD";

/// Which store to open, and where.
///
/// `Display` and `Debug` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreSettings {
    /// An embedded SQLite database file (created on first open).
    Sqlite {
        /// The database file, relative to the working directory or absolute.
        path: PathBuf,
    },
    /// A MySQL / MariaDB server.
    Mysql(MysqlSettings),
}

/// Where a MySQL / MariaDB store is and how to log in.
#[derive(Clone, PartialEq, Eq)]
pub struct MysqlSettings {
    /// Server host name or IP.
    pub host: String,
    /// Server TCP port.
    pub port: u16,
    /// User name.
    pub user: String,
    /// Password (may be empty).
    pub passwd: String,
    /// Database name; created if missing. Checked by [`check_db_name`]
    /// when the store opens.
    pub db_name: String,
}

impl Default for StoreSettings {
    /// The embedded store in `data/lars.db`.
    fn default() -> Self {
        StoreSettings::Sqlite {
            path: PathBuf::from("data/lars.db"),
        }
    }
}

impl Default for MysqlSettings {
    /// `root@127.0.0.1:3306/lars_dns`, empty password (the original's).
    fn default() -> Self {
        MysqlSettings {
            host: "127.0.0.1".into(),
            port: 3306,
            user: "root".into(),
            passwd: String::new(),
            db_name: "lars_dns".into(),
        }
    }
}

impl StoreSettings {
    /// The same server with another database name (for MySQL), so tests and
    /// tools can use a database of their own. A SQLite store is returned
    /// unchanged: its "database" is the file.
    pub fn with_db_name(self, name: &str) -> StoreSettings {
        match self {
            StoreSettings::Mysql(mysql) => StoreSettings::Mysql(MysqlSettings {
                db_name: name.to_string(),
                ..mysql
            }),
            sqlite => sqlite,
        }
    }
}

impl fmt::Display for StoreSettings {
    /// `sqlite data/lars.db` or `mysql root@127.0.0.1:3306/lars_dns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreSettings::Sqlite { path } => write!(f, "sqlite {}", path.display()),
            StoreSettings::Mysql(m) => {
                write!(f, "mysql {}@{}:{}/{}", m.user, m.host, m.port, m.db_name)
            }
        }
    }
}

impl fmt::Debug for StoreSettings {
    /// Like `Display`, inside `StoreSettings(..)`: no password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreSettings({self})")
    }
}

impl fmt::Debug for MysqlSettings {
    /// `user@host:port/db_name`: no password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "MysqlSettings({}@{}:{}/{})",
            self.user, self.host, self.port, self.db_name
        )
    }
}

/// Why `name` cannot be a MySQL database name, if it cannot: it is spliced
/// into `CREATE DATABASE`, so only a plain identifier is accepted.
///
/// ```
/// assert!(lars_store::check_db_name("lars_dns").is_ok());
/// assert!(lars_store::check_db_name("a-b").is_err());
/// ```
pub fn check_db_name(name: &str) -> Result<(), &'static str> {
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

    #[test]
    fn the_default_is_sqlite_in_data() {
        assert_eq!(StoreSettings::default().to_string(), "sqlite data/lars.db");
    }

    #[test]
    fn no_password_in_display_or_debug() {
        let store = StoreSettings::Mysql(MysqlSettings {
            passwd: "secret".into(),
            ..MysqlSettings::default()
        });
        assert_eq!(store.to_string(), "mysql root@127.0.0.1:3306/lars_dns");
        for text in [format!("{store:?}"), format!("{store}")] {
            assert!(!text.contains("secret"), "{text}");
        }
        if let StoreSettings::Mysql(m) = &store {
            assert!(!format!("{m:?}").contains("secret"));
        }
    }

    #[test]
    fn with_db_name_changes_only_mysql() {
        let mysql = StoreSettings::Mysql(MysqlSettings::default());
        assert_eq!(
            mysql.with_db_name("lars_test").to_string(),
            "mysql root@127.0.0.1:3306/lars_test"
        );
        let sqlite = StoreSettings::default();
        assert_eq!(sqlite.clone().with_db_name("x"), sqlite);
    }

    #[test]
    fn db_names_are_plain_identifiers() {
        for good in ["lars_dns", "a", "x$1", &"n".repeat(64)] {
            assert_eq!(check_db_name(good), Ok(()), "{good}");
        }
        for bad in ["", "a-b", "a b", "a`b", &"n".repeat(65)] {
            assert!(check_db_name(bad).is_err(), "{bad}");
        }
    }
}
