//! [`ConfigError`]: what is wrong with a configuration file, always with
//! the file and, where there is one, the line.

/// Why a configuration could not be read or a value could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("config {file}: {reason}")]
    Load {
        /// The file's name as given.
        file: String,
        /// What went wrong.
        reason: String,
    },
    /// A line is not INI.
    #[error("config {file}:{line}: {reason}")]
    Syntax {
        /// The file's name as given.
        file: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong with the line.
        reason: String,
    },
    /// A section the program does not read.
    #[error("config {file}:{line}: unknown section [{section}]{hint}")]
    UnknownSection {
        /// The file's name as given.
        file: String,
        /// The line of the header.
        line: usize,
        /// The section's name as written.
        section: String,
        /// "; did you mean [x]?" or the list of known sections.
        hint: String,
    },
    /// A key the program does not read in its section.
    #[error("config {file}:{line} [{section}] {key}: unknown key{hint}")]
    UnknownKey {
        /// The file's name as given.
        file: String,
        /// The key's line.
        line: usize,
        /// The section it is in.
        section: String,
        /// The key as written.
        key: String,
        /// "; did you mean x?" or the list of the section's keys.
        hint: String,
    },
    /// A value is present but is not of the expected type or range.
    #[error("config {at} [{section}] {key}: '{value}' {reason}")]
    BadValue {
        /// The file's name as given, followed by `:LINE` when the value
        /// came from the file (`conf/lars_dns.conf:12`).
        at: String,
        /// The section the key is in.
        section: String,
        /// The key.
        key: String,
        /// The value as written.
        value: String,
        /// What is wrong with it, e.g. "is not a number".
        reason: String,
    },
}

pub(crate) fn renamed_reason(err: ConfigError, reason: &str) -> ConfigError {
    match err {
        ConfigError::BadValue {
            at,
            section,
            key,
            value,
            ..
        } => ConfigError::BadValue {
            at,
            section,
            key,
            value,
            reason: reason.to_string(),
        },
        other => other,
    }
}
