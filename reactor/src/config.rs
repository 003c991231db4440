//! INI configuration files: `[section] key = value`, `;` and `#` comments,
//! typed getters with defaults, and the check that every section and key
//! is one the program knows.
//!
//! A missing key yields the default; a key that is present but does not
//! parse, or lies outside its documented range, is an error naming the
//! file, the line, the section, the key and the bad value, so a typo in a
//! config file stops a daemon at start instead of being silently replaced
//! by a default. The syntax is in `ini.rs`, the known-key lists in
//! `known_keys.rs`.

use std::fmt::Display;
use std::ops::RangeInclusive;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use crate::config_error::{renamed_reason, ConfigError};
use crate::ini::{parse_ini, IniEntry, IniSection};
use crate::known_keys::{key_hint, section_hint, section_list, KnownSection};

/// A parsed INI file. Cheap to query; immutable once loaded.
///
/// Safe to share between threads (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct Config {
    name: String,
    sections: Vec<IniSection>,
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
        let sections = parse_ini(text).map_err(|e| ConfigError::Syntax {
            file: name.to_string(),
            line: e.line,
            reason: e.reason,
        })?;
        Ok(Config {
            name: name.to_string(),
            sections,
        })
    }

    /// An empty configuration: every getter returns its default.
    pub fn empty(name: &str) -> Config {
        Config {
            name: name.to_string(),
            sections: Vec::new(),
        }
    }

    /// The name given at load time (the file path), for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Checks that every section and key of the file is in `known` (a
    /// section may also be written as one of its aliases); the first that
    /// is not is an error with its line and, for a near miss, the likely
    /// intended name.
    pub fn check_known(&self, known: &[KnownSection]) -> Result<(), ConfigError> {
        for section in &self.sections {
            let Some(spec) = known.iter().find(|k| k.answers_to(&section.name)) else {
                let hint = match section_hint(known, &section.name) {
                    Some(near) => format!("; did you mean {near}?"),
                    None => format!(" (known: {})", section_list(known)),
                };
                return Err(ConfigError::UnknownSection {
                    file: self.name.clone(),
                    line: section.line,
                    section: section.name.clone(),
                    hint,
                });
            };
            if let Some(entry) = section
                .entries
                .iter()
                .find(|e| !spec.keys.contains(&&*e.key))
            {
                return Err(ConfigError::UnknownKey {
                    file: self.name.clone(),
                    line: entry.line,
                    section: section.name.clone(),
                    key: entry.key.clone(),
                    hint: key_hint(known, spec, &entry.key),
                });
            }
        }
        Ok(())
    }

    fn entry(&self, section: &str, key: &str) -> Option<&IniEntry> {
        self.sections
            .iter()
            .filter(|s| s.name == section)
            .flat_map(|s| &s.entries)
            .find(|e| e.key == key)
    }

    /// The value of `section.key`, trimmed, without comment or quotes, if
    /// present and not empty.
    pub fn get(&self, section: &str, key: &str) -> Option<&str> {
        let value = self.entry(section, key)?.value.as_str();
        (!value.is_empty()).then_some(value)
    }

    /// Whether `section` appears in the file.
    pub fn has_section(&self, section: &str) -> bool {
        self.sections.iter().any(|s| s.name == section)
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
            .map_err(|e| renamed_reason(e, "is not a valid integer"))
    }

    /// A floating-point value, or `default` when missing.
    pub fn get_float(&self, section: &str, key: &str, default: f64) -> Result<f64, ConfigError> {
        self.get_parsed(section, key, default)
            .map_err(|e| renamed_reason(e, "is not a number"))
    }

    /// A positive duration written in (fractional) seconds, or `default`
    /// seconds when missing; zero, negative or absurd values are errors.
    pub fn get_seconds(
        &self,
        section: &str,
        key: &str,
        default: f64,
    ) -> Result<Duration, ConfigError> {
        let value = self.get_float(section, key, default)?;
        if !(value > 0.0 && value < 1e9) {
            return Err(self.bad_value(
                section,
                key,
                &value.to_string(),
                "must be a positive number of seconds",
            ));
        }
        Ok(Duration::from_secs_f64(value))
    }

    /// An integer in `range`, or `default` when missing; a value outside
    /// it (however many digits it has) is an error naming the range.
    ///
    /// ```
    /// let c = lars_reactor::Config::parse("[reactor]\nthreadNum = 99999999999\n", "d.conf").unwrap();
    /// assert_eq!(
    ///     c.get_int_in("reactor", "threadNum", 5usize, 1..=256).unwrap_err().to_string(),
    ///     "config d.conf:2 [reactor] threadNum: '99999999999' is out of range: 1..=256"
    /// );
    /// ```
    pub fn get_int_in<T>(
        &self,
        section: &str,
        key: &str,
        default: T,
        range: RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: Copy + Display + TryFrom<i128> + TryInto<i128>,
    {
        let Some(raw) = self.get(section, key) else {
            return Ok(default);
        };
        let wide = |v: T| v.try_into().ok();
        let number: i128 = raw
            .parse()
            .map_err(|_| self.bad_value(section, key, raw, "is not a valid integer"))?;
        let (low, high) = (wide(*range.start()), wide(*range.end()));
        match (low, high, T::try_from(number)) {
            (Some(low), Some(high), Ok(value)) if (low..=high).contains(&number) => Ok(value),
            _ => Err(self.bad_value(
                section,
                key,
                raw,
                format!("is out of range: {}..={}", range.start(), range.end()),
            )),
        }
    }

    /// A duration in (fractional) seconds within `range`, or `default`
    /// seconds when missing.
    pub fn get_seconds_in(
        &self,
        section: &str,
        key: &str,
        default: f64,
        range: RangeInclusive<f64>,
    ) -> Result<Duration, ConfigError> {
        let value = self.get_float(section, key, default)?;
        if !range.contains(&value) {
            let raw = self.get(section, key).unwrap_or_default();
            return Err(self.bad_value(
                section,
                key,
                raw,
                format!(
                    "is out of range: {} to {} seconds",
                    range.start(),
                    range.end()
                ),
            ));
        }
        Ok(Duration::from_secs_f64(value))
    }

    /// Like [`get_seconds_in`](Self::get_seconds_in) where 0 means off
    /// (`None`); other values must lie in `range`.
    pub fn get_seconds_or_off(
        &self,
        section: &str,
        key: &str,
        default: f64,
        range: RangeInclusive<f64>,
    ) -> Result<Option<Duration>, ConfigError> {
        if self.get_float(section, key, default)? == 0.0 {
            return Ok(None);
        }
        self.get_seconds_in(section, key, default, range).map(Some)
    }

    /// Builds a [`ConfigError::BadValue`] for `section.key` (with its line
    /// when the file has the key); services use it for their own checks so
    /// every message has the same shape.
    pub fn bad_value(
        &self,
        section: &str,
        key: &str,
        value: &str,
        reason: impl Display,
    ) -> ConfigError {
        let at = match self.entry(section, key) {
            Some(entry) => format!("{}:{}", self.name, entry.line),
            None => self.name.clone(),
        };
        ConfigError::BadValue {
            at,
            section: section.to_string(),
            key: key.to_string(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
