//! The INI syntax of configuration files, parsed strictly and with line
//! numbers, so every later complaint can say `file:line`.
//!
//! ```text
//! ; a comment            # also a comment
//! [section]
//! key = value            ; an inline comment needs white space before it
//! quoted = "a ; b"       ; quotes around a whole value are removed
//! ```
//!
//! Anything else is a syntax error naming the line: a line that is neither
//! `key = value`, `[section]`, a comment nor blank; a key outside any
//! section; a key name with spaces or other signs; the same key twice in
//! one section. A section may appear more than once; its keys add up.
//! Messages quote a line only up to its first blank, so a password on a
//! broken line does not reach the log.

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniEntry {
    /// The key, as written.
    pub key: String,
    /// The value without comment, surrounding blanks and quotes.
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// One `[section]` header and the entries below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IniSection {
    /// The name between the brackets, trimmed.
    pub name: String,
    /// 1-based line number of the header.
    pub line: usize,
    /// The entries up to the next header.
    pub entries: Vec<IniEntry>,
}

/// A syntax error: the 1-based line and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: usize,
    pub reason: String,
}

/// Parses `text` into its sections, in file order.
pub(crate) fn parse_ini(text: &str) -> Result<Vec<IniSection>, SyntaxError> {
    let mut sections: Vec<IniSection> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let err = |reason: String| SyntaxError { line, reason };
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with(';') || trimmed.starts_with('#') {
            continue;
        }
        if trimmed.starts_with('[') {
            let name = section_name(trimmed).map_err(err)?;
            sections.push(IniSection {
                name,
                line,
                entries: Vec::new(),
            });
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(err(format!(
                "'{}' is not `key = value`, a [section] or a comment",
                first_word(trimmed)
            )));
        };
        let key = key.trim();
        check_key_name(key).map_err(err)?;
        let value = clean_value(value).map_err(|reason| err(format!("{key}: {reason}")))?;
        let Some(section) = sections.last_mut() else {
            return Err(err(format!(
                "'{key}' is outside any [section]: put it below one"
            )));
        };
        let name = section.name.clone();
        if let Some(first) = sections
            .iter()
            .filter(|s| s.name == name)
            .flat_map(|s| &s.entries)
            .find(|e| e.key == key)
        {
            return Err(err(format!(
                "[{name}] {key} is set twice (first on line {})",
                first.line
            )));
        }
        let section = sections.last_mut().expect("checked above");
        section.entries.push(IniEntry {
            key: key.to_string(),
            value,
            line,
        });
    }
    Ok(sections)
}

/// `text` up to its first blank, and `...` if more follows.
fn first_word(text: &str) -> String {
    match text.split_once(char::is_whitespace) {
        Some((word, _)) => format!("{word} ..."),
        None => text.to_string(),
    }
}

/// The name of a `[name]` header line (an inline comment may follow).
fn section_name(line: &str) -> Result<String, String> {
    let not_header = || format!("'{line}' is not a section header: expected [name]");
    let close = line.find(']').ok_or_else(not_header)?;
    let rest = strip_comment(&line[close + 1..]).trim();
    if !rest.is_empty() {
        return Err(not_header());
    }
    let name = line[1..close].trim();
    if name.is_empty() || name.contains('[') {
        return Err(not_header());
    }
    Ok(name.to_string())
}

/// Key names are letters, digits, `_`, `.` and `-`.
fn check_key_name(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("a value without a key before its '='".to_string());
    }
    let ok = key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "'{key}' is not a key name (letters, digits, '_', '.' and '-' only)"
        ))
    }
}

/// The value after `=`: a quoted value loses its quotes (and may hold `;`
/// and `#`); otherwise an inline comment and surrounding blanks go.
fn clean_value(raw: &str) -> Result<String, String> {
    let value = raw.trim();
    if let Some(quote) = value.chars().next().filter(|c| *c == '"' || *c == '\'') {
        if let Some(end) = value[1..].find(quote) {
            let inner = &value[1..1 + end];
            let after = strip_comment(&value[2 + end..]).trim();
            if !after.is_empty() {
                return Err("text after the closing quote".to_string());
            }
            return Ok(inner.to_string());
        }
        return Err("the quote is never closed".to_string());
    }
    Ok(strip_comment(value).trim().to_string())
}

/// Drops a trailing ` ; comment` or ` # comment`. A `;` or `#` must start
/// the text or follow white space to start a comment, so `a#b` stays.
fn strip_comment(text: &str) -> &str {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if (b == b';' || b == b'#') && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return &text[..i];
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, value: &str, line: usize) -> IniEntry {
        IniEntry {
            key: key.into(),
            value: value.into(),
            line,
        }
    }

    #[test]
    fn sections_entries_comments_and_lines() {
        let text = "; head\n\n[a]\nx = 1 ; one\ny=a#b\n# c\n[b] ; bee\nz = \"q ; r\"\nw = 'v'  # s\nempty =\n";
        let got = parse_ini(text).unwrap();
        assert_eq!(
            got,
            vec![
                IniSection {
                    name: "a".into(),
                    line: 3,
                    entries: vec![entry("x", "1", 4), entry("y", "a#b", 5)],
                },
                IniSection {
                    name: "b".into(),
                    line: 7,
                    entries: vec![
                        entry("z", "q ; r", 8),
                        entry("w", "v", 9),
                        entry("empty", "", 10)
                    ],
                },
            ]
        );
    }

    #[test]
    fn a_line_without_equals_is_an_error_and_does_not_swallow_the_next() {
        let err = parse_ini("[reactor]\nthreadNum 5\nport = 7778\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(
            err.reason,
            "'threadNum ...' is not `key = value`, a [section] or a comment"
        );
    }

    #[test]
    fn malformed_lines_name_their_line() {
        for (text, line, reason) in [
            (
                "[reactor\n",
                1,
                "'[reactor' is not a section header: expected [name]",
            ),
            ("[]\n", 1, "'[]' is not a section header: expected [name]"),
            (
                "[a] b\n",
                1,
                "'[a] b' is not a section header: expected [name]",
            ),
            (
                "port = 1\n",
                1,
                "'port' is outside any [section]: put it below one",
            ),
            ("[a]\n= 3\n", 2, "a value without a key before its '='"),
            (
                "[a]\nmax conn = 3\n",
                2,
                "'max conn' is not a key name (letters, digits, '_', '.' and '-' only)",
            ),
            ("[a]\nk = \"open\n", 2, "k: the quote is never closed"),
            ("[a]\nk = \"x\" y\n", 2, "k: text after the closing quote"),
            (
                "[a]\ndb_passwd secret\n",
                2,
                "'db_passwd ...' is not `key = value`, a [section] or a comment",
            ),
            (
                "[a]\nk = 1\n[b]\n[a]\nk = 2\n",
                5,
                "[a] k is set twice (first on line 2)",
            ),
        ] {
            let err = parse_ini(text).unwrap_err();
            assert_eq!((err.line, err.reason.as_str()), (line, reason), "{text:?}");
        }
    }

    #[test]
    fn a_repeated_section_adds_its_keys_and_crlf_is_fine() {
        let got = parse_ini("[a]\r\nx = 1\r\n[a]\r\ny = 2\r\n").unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].entries, vec![entry("y", "2", 4)]);
    }
}
