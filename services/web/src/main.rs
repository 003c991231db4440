//! `lars-web -c conf/lars_web.conf`: the web console. Stops on SIGINT or
//! SIGTERM.

use std::process::ExitCode;

use lars_web::{WebServer, WebSettings};

fn main() -> ExitCode {
    lars_daemon::run("lars-web", "conf/lars_web.conf", |cfg| {
        WebServer::start(WebSettings::from_config(cfg)?)
    })
}
