//! `lars top` and `lars agent modules`: the agent's `/modules` endpoint
//! (`[metrics] listen` of its conf), fetched over HTTP and printed as a
//! table — refreshed every `--interval` by `top`, once by `top --once` and
//! `agent modules`.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};

use crate::args::{AgentModulesArgs, TopArgs};
use crate::top_view::{render, render_module};
use lars_agent::modules_view::{ModuleView, ModulesPage};

/// How long one fetch may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(3);

/// `top`: the whole page every interval, the screen cleared in between,
/// until interrupted; `--once` prints it once.
pub(crate) fn top(args: &TopArgs) -> anyhow::Result<ExitCode> {
    if !(args.interval >= 0.1 && args.interval <= 3600.0) {
        bail!("--interval {}: expected 0.1 to 3600 seconds", args.interval);
    }
    loop {
        let page: ModulesPage = fetch(args.http, "/modules")?;
        let text = render(&page, now_ms());
        if args.once {
            print!("{text}");
            return Ok(ExitCode::SUCCESS);
        }
        // Clear the screen and go home, then the page.
        print!("\x1b[2J\x1b[H{text}");
        std::thread::sleep(Duration::from_secs_f64(args.interval));
    }
}

/// `agent modules [MODID CMDID]`: every module, or one (exit 1 if the
/// agent does not hold it).
pub(crate) fn modules(args: &AgentModulesArgs) -> anyhow::Result<ExitCode> {
    match (args.modid, args.cmdid) {
        (Some(modid), Some(cmdid)) => {
            let path = format!("/modules/{modid}/{cmdid}");
            let module: ModuleView = fetch(args.http, &path)?;
            print!("{}", render_module(&module, now_ms()));
        }
        _ => {
            let page: ModulesPage = fetch(args.http, "/modules")?;
            print!("{}", render(&page, now_ms()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `GET http://ADDR/PATH` as JSON; a non-200 answer is an error with the
/// agent's `error` text.
fn fetch<T: serde::de::DeserializeOwned>(addr: SocketAddr, path: &str) -> anyhow::Result<T> {
    let url = format!("http://{addr}{path}");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(FETCH_TIMEOUT))
        .build()
        .new_agent();
    let mut resp = agent.get(&url).call().with_context(|| {
        format!("GET {url} (is lars-agent running with [metrics] listen = {addr}?)")
    })?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .read_to_string()
        .with_context(|| format!("GET {url}: reading the answer"))?;
    if status != 200 {
        let why = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or(body);
        bail!("GET {url}: {status}: {}", why.trim());
    }
    serde_json::from_str(&body).with_context(|| format!("GET {url}: not the /modules JSON"))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
