//! The console's pages as maud templates: each function takes what its
//! page shows and returns markup, escaped by maud. No I/O.

pub mod layout;
pub mod live;
pub mod login;
pub mod module;
pub mod modules;
pub mod stats;
pub mod widgets;
