//! Errors of the report service.

/// Why the report service could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReporterError {
    /// A config value is missing or wrong.
    #[error(transparent)]
    Config(#[from] lars_reactor::ConfigError),
    /// The `[store]` / `[mysql]` settings are wrong.
    #[error(transparent)]
    Store(#[from] lars_store::StoreError),
    /// A socket or thread could not be set up.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}
