//! Errors of the DNS service.

/// Why the DNS service could not start.
#[derive(Debug, thiserror::Error)]
pub enum DnsError {
    /// A config value is missing or wrong.
    #[error(transparent)]
    Config(#[from] lars_reactor::ConfigError),
    /// The route store failed.
    #[error(transparent)]
    Store(#[from] lars_store::StoreError),
    /// A socket or thread could not be set up.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}
