//! # lars-web
//!
//! The web console of Lars: the modules and their routes, policies and
//! weights (changed through forms, one store transaction each, exactly like
//! `lars route`), the reporter's call statistics, and the agents' live view
//! of each host, on the store lars-dns serves from (through lars-store).
//!
//! ```no_run
//! use lars_daemon::Daemon;
//! use lars_web::{WebServer, WebSettings};
//!
//! let cfg = lars_reactor::Config::load("conf/lars_web.conf")?;
//! let server = WebServer::start(WebSettings::from_config(&cfg)?)?;
//! println!("console on http://{}/", server.local_addr());
//! server.stop();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `config.rs` | [`WebSettings`]: `[web]`, the store sections, `LARS_WEB_TOKEN` |
//! | `server.rs` | [`WebServer`]: runtime, socket, serve, stop |
//! | `app.rs` | shared state, routes, the layer every request passes |
//! | `handlers/` | `read.rs` pages, `change.rs` route forms, `login.rs` the admin token |
//! | `access.rs` | who may change routes; which `Host` names are served |
//! | `session.rs` | browser sessions and their CSRF tokens |
//! | `input.rs` | the forms and their checks |
//! | `db.rs` | the store, on blocking threads |
//! | `model.rs` | store rows to what the pages show |
//! | `agents.rs` | the agents' `/modules` contract and its client |
//! | `chart.rs` | the SVG bar chart |
//! | `format.rs` | dates and ages |
//! | `pages/` | the maud templates, one file per page |
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod access;
pub mod agents;
pub mod app;
pub mod chart;
pub mod config;
pub mod db;
pub mod format;
pub mod handlers;
pub mod input;
pub mod model;
pub mod pages;
pub mod server;
pub mod session;

pub use app::{router, App};
pub use config::{WebSettings, KNOWN_KEYS, TOKEN_ENV};
pub use server::WebServer;
