//! The console's pages as maud templates: each function takes what its
//! page shows and returns markup, escaped by maud. No I/O.

pub mod layout;
pub mod live;
pub mod login;
pub mod module;
pub mod modules;
pub mod stats;
pub mod widgets;

/// Asserts that `html` contains every one of `parts`, showing the page
/// when one is missing.
#[cfg(test)]
pub(crate) fn assert_has(html: &str, parts: &[&str]) {
    for part in parts {
        assert!(html.contains(part), "missing {part:?} in:\n{html}");
    }
}
