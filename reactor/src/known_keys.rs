//! The sections and keys a program reads, declared in one list, and the
//! check that refuses anything else in its file ([`Config::check_known`]):
//! a misspelled key or section is an error at start with a "did you mean",
//! not a setting silently left at its default.
//!
//! [`Config::check_known`]: crate::Config::check_known

/// A section a program reads, the names it is also known by (the
/// original's spellings) and its keys.
///
/// ```
/// use lars_reactor::{Config, KnownSection};
/// const KNOWN: &[KnownSection] = &[
///     KnownSection::new("reporter", &["db_thread_cnt"]).aliased(&["repoter"]),
/// ];
/// let ok = Config::parse("[repoter]\ndb_thread_cnt = 3\n", "r.conf").unwrap();
/// assert!(ok.check_known(KNOWN).is_ok());
/// let typo = Config::parse("[reporter]\ndb_thread_cmt = 3\n", "r.conf").unwrap();
/// assert_eq!(
///     typo.check_known(KNOWN).unwrap_err().to_string(),
///     "config r.conf:2 [reporter] db_thread_cmt: unknown key; did you mean db_thread_cnt?"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownSection {
    /// The section's name.
    pub name: &'static str,
    /// Other accepted names of the same section.
    pub aliases: &'static [&'static str],
    /// Every key the program reads in it.
    pub keys: &'static [&'static str],
}

impl KnownSection {
    /// Section `name` with `keys`.
    pub const fn new(name: &'static str, keys: &'static [&'static str]) -> KnownSection {
        KnownSection {
            name,
            aliases: &[],
            keys,
        }
    }

    /// The same section, also accepted under `aliases`.
    pub const fn aliased(self, aliases: &'static [&'static str]) -> KnownSection {
        KnownSection { aliases, ..self }
    }

    /// Whether a header `[name]` means this section.
    pub(crate) fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// The known section a misspelled `[name]` most likely meant.
pub(crate) fn section_hint(known: &[KnownSection], name: &str) -> Option<String> {
    let names = known
        .iter()
        .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()));
    closest(name, names).map(|n| format!("[{n}]"))
}

/// What a key unknown in `section` most likely meant: a near spelling in
/// the same section, else the same key in another section.
pub(crate) fn key_hint(known: &[KnownSection], section: &KnownSection, key: &str) -> String {
    if let Some(near) = closest(key, section.keys.iter().copied()) {
        return format!("; did you mean {near}?");
    }
    let elsewhere = known.iter().find(|s| s.keys.contains(&key));
    match elsewhere {
        Some(other) => format!("; did you mean [{}] {key}?", other.name),
        None => format!(" (known: {})", section.keys.join(", ")),
    }
}

/// The list of known sections, for a message about an unknown one.
pub(crate) fn section_list(known: &[KnownSection]) -> String {
    let names: Vec<String> = known.iter().map(|s| format!("[{}]", s.name)).collect();
    names.join(", ")
}

/// The candidate nearest to `word` (ignoring case), if it is near enough
/// to be a slip of the keyboard: at most one edit per three letters.
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_ascii_lowercase();
    candidates
        .map(|c| (edit_distance(&word_lower, &c.to_ascii_lowercase()), c))
        .filter(|&(d, c)| d <= (word.len().min(c.len()) / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Edits (insert, delete, replace, swap two neighbours) from `a` to `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[KnownSection] = &[
        KnownSection::new("reactor", &["ip", "port", "threadNum", "maxConn"]),
        KnownSection::new("dns", &["poll_interval", "reload_interval"]),
        KnownSection::new("reporter", &["db_thread_cnt"]).aliased(&["repoter"]),
    ];

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("prot", "port"), 1);
        assert_eq!(edit_distance("reactr", "reactor"), 1);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn near_misses_get_a_hint_far_ones_do_not() {
        assert_eq!(section_hint(KNOWN, "reactr").as_deref(), Some("[reactor]"));
        assert_eq!(section_hint(KNOWN, "Reactor").as_deref(), Some("[reactor]"));
        assert_eq!(section_hint(KNOWN, "repotr").as_deref(), Some("[repoter]"));
        assert_eq!(section_hint(KNOWN, "web"), None);
        let reactor = &KNOWN[0];
        assert_eq!(key_hint(KNOWN, reactor, "prot"), "; did you mean port?");
        assert_eq!(
            key_hint(KNOWN, reactor, "maxconn"),
            "; did you mean maxConn?"
        );
        assert_eq!(
            key_hint(KNOWN, reactor, "poll_interval"),
            "; did you mean [dns] poll_interval?"
        );
        assert_eq!(
            key_hint(KNOWN, reactor, "listen"),
            " (known: ip, port, threadNum, maxConn)"
        );
        // One letter off a two-letter key is a hint; a different word is not.
        assert_eq!(key_hint(KNOWN, reactor, "id"), "; did you mean ip?");
        assert_eq!(
            key_hint(KNOWN, reactor, "address"),
            " (known: ip, port, threadNum, maxConn)"
        );
    }

    #[test]
    fn aliases_answer_to_their_section() {
        assert!(KNOWN[2].answers_to("repoter"));
        assert!(KNOWN[2].answers_to("reporter"));
        assert!(!KNOWN[2].answers_to("report"));
        assert_eq!(section_list(KNOWN), "[reactor], [dns], [reporter]");
    }
}
