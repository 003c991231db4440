//! [`StartError`]: why a daemon could not start, with its cause as the
//! error's `source`.

use std::io;

use lars_reactor::ConfigError;
use lars_store::StoreError;

/// Why a daemon could not start. (Causes are boxed: a start error is rare
/// and a `Result` carrying it stays small.)
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A config value is missing or wrong (the message names the file,
    /// section, key and value).
    #[error(transparent)]
    Config(Box<ConfigError>),
    /// The store could not be opened or read.
    #[error(transparent)]
    Store(Box<StoreError>),
    /// A socket or thread could not be set up.
    #[error("{action}: {source}")]
    Io {
        /// What was being done, e.g. `listen on 127.0.0.1:7778`.
        action: String,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

impl From<ConfigError> for StartError {
    fn from(e: ConfigError) -> StartError {
        StartError::Config(Box::new(e))
    }
}

impl From<StoreError> for StartError {
    fn from(e: StoreError) -> StartError {
        StartError::Store(Box::new(e))
    }
}

impl StartError {
    /// A [`StartError::Io`] for `action`.
    pub fn io(action: impl Into<String>, source: io::Error) -> StartError {
        StartError::Io {
            action: action.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    #[test]
    fn an_io_error_names_the_action_and_keeps_its_source() {
        let err = StartError::io(
            "listen on 127.0.0.1:7778",
            io::Error::from(io::ErrorKind::AddrInUse),
        );
        assert!(
            err.to_string().starts_with("listen on 127.0.0.1:7778: "),
            "{err}"
        );
        let source = err.source().expect("the OS error is the source");
        assert_eq!(
            source.downcast_ref::<io::Error>().map(io::Error::kind),
            Some(io::ErrorKind::AddrInUse)
        );
    }
}
