//! INI configuration files: `[section] key = value`, `;` and `#` comments,
//! typed getters with defaults.
//!
//! A missing key yields the default; a key that is present but does not parse
//! is an error naming the file, the section, the key and the bad value, so a
//! typo in a config file stops a daemon at start instead of being silently
//! replaced by a default.

use std::fmt::Display;
use std::path::Path;
use std::str::FromStr;

/// Why a configuration could not be read or a value could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read or is not valid INI.
    #[error("config {file}: {reason}")]
    Load {
        /// The file's name as given.
        file: String,
        /// What went wrong.
        reason: String,
    },
    /// A value is present but is not of the expected type or range.
    #[error("config {file} [{section}] {key}: '{value}' {reason}")]
    BadValue {
        /// The file's name as given.
        file: String,
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

/// A parsed INI file. Cheap to query; immutable once loaded.
///
/// Safe to share between threads (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct Config {
    name: String,
    ini: ini::Ini,
}

impl Config {
    /// Reads and parses the INI file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Config, ConfigError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Load {
            file: name.clone(),
            reason: e.to_string(),
        })?;
        Config::parse(&text, &name)
    }

    /// Parses INI `text`; `name` is used in error messages (usually the path).
    pub fn parse(text: &str, name: &str) -> Result<Config, ConfigError> {
        let ini = ini::Ini::load_from_str_noescape(text).map_err(|e| ConfigError::Load {
            file: name.to_string(),
            reason: e.to_string(),
        })?;
        Ok(Config {
            name: name.to_string(),
            ini,
        })
    }

    /// An empty configuration: every getter returns its default.
    pub fn empty(name: &str) -> Config {
        Config {
            name: name.to_string(),
            ini: ini::Ini::new(),
        }
    }

    /// The name given at load time (the file path), for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The raw value of `section.key`, trimmed, if present and not empty.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let value = self.ini.get_from(Some(section), key)?;
        let value = strip_inline_comment(value).trim();
        (!value.is_empty()).then_some(value)
    }

    /// Whether `section` appears in the file.
    pub fn has_section(&self, section: &str) -> bool {
        self.ini.section(Some(section)).is_some()
    }

    /// The string value of `section.key`, or `default` when missing.
    pub fn get_string(&self, section: &str, key: &str, default: &str) -> String {
        self.get(section, key).unwrap_or(default).to_string()
    }

    /// The value of `section.key` parsed as `T` (an integer type, a float,
    /// a bool...), or `default` when missing; an error when it does not parse.
    pub fn get_parsed<T>(&self, section: &str, key: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        match self.get(section, key) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<T>()
                .map_err(|e| self.bad_value(section, key, raw, e)),
        }
    }

    /// An integer value, or `default` when missing.
    pub fn get_int<T>(&self, section: &str, key: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: Display,
    {
        self.get_parsed(section, key, default)
            .map_err(|e| self.renamed_reason(e, "is not a valid integer"))
    }

    /// A floating-point value, or `default` when missing.
    pub fn get_float(&self, section: &str, key: &str, default: f64) -> Result<f64, ConfigError> {
        self.get_parsed(section, key, default)
            .map_err(|e| self.renamed_reason(e, "is not a number"))
    }

    /// A positive duration written in (fractional) seconds, or `default`
    /// seconds when missing; zero, negative or absurd values are errors.
    pub fn get_seconds(
        &self,
        section: &str,
        key: &str,
        default: f64,
    ) -> Result<std::time::Duration, ConfigError> {
        let value = self.get_float(section, key, default)?;
        if !(value > 0.0 && value < 1e9) {
            return Err(self.bad_value(
                section,
                key,
                &value.to_string(),
                "must be a positive number of seconds",
            ));
        }
        Ok(std::time::Duration::from_secs_f64(value))
    }

    /// Builds a [`ConfigError::BadValue`] for `section.key`; services use it
    /// for their own range checks so every message has the same shape.
    pub fn bad_value(
        &self,
        section: &str,
        key: &str,
        value: &str,
        reason: impl Display,
    ) -> ConfigError {
        ConfigError::BadValue {
            file: self.name.clone(),
            section: section.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }

    fn renamed_reason(&self, err: ConfigError, reason: &str) -> ConfigError {
        match err {
            ConfigError::BadValue {
                file,
                section,
                key,
                value,
                ..
            } => ConfigError::BadValue {
                file,
                section,
                key,
                value,
                reason: reason.to_string(),
            },
            other => other,
        }
    }
}

/// Drops a trailing ` ; comment` or ` # comment` from a value. A `;` or `#`
/// must follow white space to start a comment, so `a#b` stays a value.
fn strip_inline_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if (b == b';' || b == b'#') && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &value[..i];
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "\
; a comment
# another comment
[reactor]
ip = 127.0.0.1
port = 7778   ; the DNS port
threadNum=5
[loadbalance]
err_rate = 0.1
bad_int = abc
empty =
";

    fn conf() -> Config {
        Config::parse(TEXT, "test.conf").unwrap()
    }

    #[test]
    fn reads_typed_values_and_strips_comments() {
        let c = conf();
        assert_eq!(c.get_string("reactor", "ip", "0.0.0.0"), "127.0.0.1");
        assert_eq!(c.get_int::<u16>("reactor", "port", 1).unwrap(), 7778);
        assert_eq!(c.get_int::<usize>("reactor", "threadNum", 1).unwrap(), 5);
        assert!((c.get_float("loadbalance", "err_rate", 0.5).unwrap() - 0.1).abs() < 1e-12);
    }

    #[test]
    fn missing_or_empty_keys_give_defaults() {
        let c = conf();
        assert_eq!(c.get_int::<u32>("reactor", "maxConn", 1024).unwrap(), 1024);
        assert_eq!(c.get_int::<u32>("loadbalance", "empty", 7).unwrap(), 7);
        assert_eq!(c.get_string("nosuch", "key", "dflt"), "dflt");
        assert!(c.has_section("reactor"));
        assert!(!c.has_section("nosuch"));
    }

    #[test]
    fn bad_value_names_file_section_key_and_value() {
        let err = conf()
            .get_int::<u32>("loadbalance", "bad_int", 1)
            .unwrap_err();
        let msg = err.to_string();
        assert_eq!(
            msg,
            "config test.conf [loadbalance] bad_int: 'abc' is not a valid integer"
        );
        let err = conf().get_float("loadbalance", "bad_int", 1.0).unwrap_err();
        assert!(err.to_string().ends_with("'abc' is not a number"));
    }

    #[test]
    fn seconds_must_be_positive() {
        let c = Config::parse("[a]\nt = 0.25\nz = 0\nn = -1\n", "x.conf").unwrap();
        assert_eq!(c.get_seconds("a", "t", 1.0).unwrap().as_millis(), 250);
        assert_eq!(c.get_seconds("a", "missing", 2.0).unwrap().as_secs(), 2);
        for key in ["z", "n"] {
            let err = c.get_seconds("a", key, 1.0).unwrap_err().to_string();
            assert!(err.contains("positive number of seconds"), "{err}");
        }
    }

    #[test]
    fn out_of_range_integer_is_an_error() {
        let c = Config::parse("[a]\nport = 70000\n", "x.conf").unwrap();
        assert!(c.get_int::<u16>("a", "port", 1).is_err());
    }

    #[test]
    fn missing_file_is_a_load_error_naming_the_file() {
        let err = Config::load("/nonexistent/lars.conf").unwrap_err();
        assert!(err
            .to_string()
            .starts_with("config /nonexistent/lars.conf:"));
    }
}
