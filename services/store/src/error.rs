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
}

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
    }
}
