//! [`StoreError`]: everything that can go wrong in a store, each message
//! naming the store, what was being done and with which input, e.g.
//! `mysql 127.0.0.1:3306/lars_dns: connect: Connection refused`.

use lars_proto::{HostAddr, ModuleId};

/// Why a store operation failed.
///
/// The `store` / `target` fields are the same text as
/// [`RouteStore::describe`](crate::RouteStore::describe) without the user
/// name, so a log line says which database refused. Passwords never appear.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A SQLite call failed.
    #[error("sqlite {path}: {action}: {source}")]
    Sqlite {
        /// The database file.
        path: String,
        /// What was being done, e.g. `add host 127.0.0.1:9001 to module 1/1`.
        action: String,
        /// The driver's error.
        #[source]
        source: rusqlite::Error,
    },

    /// A MySQL / MariaDB call failed. When the connection was lost the next
    /// call reconnects.
    #[error("mysql {target}: {action}: {source}")]
    Mysql {
        /// `host:port/db_name`.
        target: String,
        /// What was being done, e.g. `connect` or `load routes`.
        action: String,
        /// The driver's error.
        #[source]
        source: mysql::Error,
    },

    /// A file-system call failed (creating the SQLite file's directory).
    #[error("{action} {path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What was being done, e.g. `sqlite data/lars.db: create directory`.
        action: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },

    /// Adding a host the module already has. Nothing was written.
    #[error("{store}: {action}: already present")]
    HostExists {
        /// The store, as in [`describe`](crate::RouteStore::describe).
        store: String,
        /// What was being done, e.g. `add host 127.0.0.1:9001 to module 1/1`.
        action: String,
        /// The module.
        module: ModuleId,
        /// The host.
        host: HostAddr,
    },

    /// Removing or weighing a host the module does not have. Nothing was
    /// written.
    #[error("{store}: {action}: not present")]
    HostAbsent {
        /// The store, as in [`describe`](crate::RouteStore::describe).
        store: String,
        /// What was being done.
        action: String,
        /// The module.
        module: ModuleId,
        /// The host.
        host: HostAddr,
    },

    /// Adding a host to a module that has [`Route::MAX_HOSTS`](lars_proto::Route::MAX_HOSTS)
    /// already: its route could no longer be sent in one frame. Nothing
    /// was written.
    #[error(
        "{store}: {action}: the module has {limit} hosts, the most a route can have \
         (its answer must fit one {frame}-byte frame)",
        frame = lars_proto::MAX_BODY_LEN
    )]
    RouteFull {
        /// The store, as in [`describe`](crate::RouteStore::describe).
        store: String,
        /// What was being done.
        action: String,
        /// The module.
        module: ModuleId,
        /// The host limit.
        limit: usize,
    },

    /// A MySQL database name that cannot be used as an identifier (it is
    /// spliced into `CREATE DATABASE`, so only letters, digits, `_` and `$`).
    #[error("mysql database name '{name}': {reason}")]
    BadDbName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The database answered, but with something the schema rules out
    /// (no RouteVersion row 1, a column of the wrong type...).
    #[error("{store}: {action}: {reason}")]
    BadData {
        /// The store, as in [`describe`](crate::RouteStore::describe).
        store: String,
        /// What was being done.
        action: String,
        /// What was wrong with the answer.
        reason: String,
    },
}

impl StoreError {
    /// Whether the error is a lost or refused connection, i.e. worth retrying
    /// later unchanged (a daemon keeps its last good state and retries).
    pub fn is_connectivity(&self) -> bool {
        match self {
            StoreError::Mysql { source, .. } => source.is_connectivity_error(),
            StoreError::Sqlite { source, .. } => matches!(
                source.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            _ => false,
        }
    }

    /// Whether trying again unchanged cannot help, so a daemon starting on
    /// this store should stop and say why: the SQLite file's directory
    /// cannot be made, the file cannot be opened or written or is not a
    /// database, or the MySQL server refuses the user or the database
    /// (access denied, unknown database). A refused or lost connection, a
    /// timeout or a busy database is not permanent.
    pub fn is_permanent(&self) -> bool {
        use rusqlite::ErrorCode::{
            AuthorizationForStatementDenied, CannotOpen, NotADatabase, PermissionDenied, ReadOnly,
        };
        match self {
            StoreError::Io { .. } | StoreError::BadDbName { .. } => true,
            StoreError::Sqlite { source, .. } => matches!(
                source.sqlite_error_code(),
                Some(
                    CannotOpen
                        | ReadOnly
                        | PermissionDenied
                        | NotADatabase
                        | AuthorizationForStatementDenied
                )
            ),
            StoreError::Mysql {
                source: mysql::Error::MySqlError(e),
                ..
            } => MYSQL_PERMANENT_CODES.contains(&e.code),
            _ => false,
        }
    }
}

/// MySQL / MariaDB errors about who may do what where: 1044 access denied
/// to a database, 1045 access denied for a user, 1049 unknown database,
/// 1142 command denied on a table, 1227 privilege needed, 1698 access
/// denied without a password.
const MYSQL_PERMANENT_CODES: [u16; 6] = [1044, 1045, 1049, 1142, 1227, 1698];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_error_is_send_and_sync() {
        fn check<T: Send + Sync + 'static>() {}
        check::<StoreError>();
    }

    #[test]
    fn messages_name_the_store_action_and_input() {
        let err = StoreError::HostExists {
            store: "sqlite data/lars.db".into(),
            action: "add host 127.0.0.1:9001 to module 1/2".into(),
            module: ModuleId::new(1, 2),
            host: HostAddr::from_number(2130706433, 9001),
        };
        assert_eq!(
            err.to_string(),
            "sqlite data/lars.db: add host 127.0.0.1:9001 to module 1/2: already present"
        );
        assert!(!err.is_connectivity());
        assert!(!err.is_permanent());
    }

    #[test]
    fn refused_users_and_unopenable_files_are_permanent_lost_connections_are_not() {
        let mysql = |source| StoreError::Mysql {
            target: "127.0.0.1:3306/lars_dns".into(),
            action: "connect".into(),
            source,
        };
        let server = |code| {
            mysql(mysql::Error::MySqlError(mysql::MySqlError {
                state: "28000".into(),
                message: "no".into(),
                code,
            }))
        };
        assert!(server(1045).is_permanent(), "access denied");
        assert!(server(1049).is_permanent(), "unknown database");
        assert!(!server(1213).is_permanent(), "a deadlock is worth a retry");
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(!mysql(mysql::Error::IoError(refused)).is_permanent());
        let sqlite = |code| StoreError::Sqlite {
            path: "data/lars.db".into(),
            action: "open".into(),
            source: rusqlite::Error::SqliteFailure(rusqlite::ffi::Error::new(code), None),
        };
        assert!(sqlite(rusqlite::ffi::SQLITE_CANTOPEN).is_permanent());
        assert!(sqlite(rusqlite::ffi::SQLITE_READONLY).is_permanent());
        assert!(!sqlite(rusqlite::ffi::SQLITE_BUSY).is_permanent());
        let dir = StoreError::Io {
            path: "/etc/hostname".into(),
            action: "sqlite /etc/hostname/x.db: create directory".into(),
            source: std::io::Error::from(std::io::ErrorKind::NotADirectory),
        };
        assert!(dir.is_permanent());
    }
}
