//! The Live page: what each configured agent's `/modules/MODID/CMDID`
//! says about the module — idle or overload per host, the reason of its
//! last change, the current window as a chart — refreshed every
//! [`REFRESH_MS`] by `static/live.js` (which swaps in [`live_fragment`];
//! without script the page reloads itself).

use std::net::SocketAddr;

use lars_proto::ModuleId;
use maud::{html, Markup};

use crate::agents::{reason_text, AgentAnswer, AgentModule};
use crate::chart::{bars_svg, Bar};
use crate::format::{age_text, utc_text};
use crate::pages::layout::{module_header, module_path, page_with_head, PageCtx, Tab};

/// How often the page refreshes, in milliseconds.
pub const REFRESH_MS: u32 = 2000;

/// What the Live page shows.
#[derive(Debug, Clone, Default)]
pub struct LiveView {
    /// The module.
    pub module: ModuleId,
    /// Each configured agent and its answer, in the configured order.
    pub answers: Vec<(SocketAddr, AgentAnswer)>,
    /// Now, Unix milliseconds.
    pub now_ms: u64,
}

/// The Live page.
pub fn live_page(ctx: &PageCtx, view: &LiveView) -> Markup {
    let src = format!("{}/live/fragment", module_path(view.module));
    let head = html! {
        noscript { meta http-equiv="refresh" content=(REFRESH_MS / 1000); }
        script src="/static/live.js" defer {}
    };
    let body = html! {
        (module_header(view.module, Tab::Live))
        p.summary { "The agents' own view of the module, refreshed every " (REFRESH_MS / 1000) " s." }
        div #live data-src=(src) data-interval=(REFRESH_MS) { (live_fragment(view)) }
    };
    page_with_head(&format!("Live state of {}", view.module), ctx, head, body)
}

/// The refreshed part of the Live page.
pub fn live_fragment(view: &LiveView) -> Markup {
    let now_s = view.now_ms / 1000;
    html! {
        p.updated { "updated " time data-unix-ms=(view.now_ms) { (utc_text(now_s)) } }
        @if view.answers.is_empty() {
            p.empty { "No agents configured: list their [metrics] listen addresses in [web] agents." }
        }
        @for (agent, answer) in &view.answers {
            section.agent data-agent=(agent) {
                h2 { "Agent " (agent) }
                @match answer {
                    AgentAnswer::Held(m) => (agent_module(m, now_s)),
                    AgentAnswer::NotHeld(text) => p.not-held { "Does not hold module " (view.module) ": " (text) },
                    AgentAnswer::Failed(text) => p.agent-error { "Could not ask the agent: " (text) },
                }
            }
        }
    }
}

fn agent_module(m: &AgentModule, now_s: u64) -> Markup {
    let overloaded = m.hosts.iter().filter(|h| h.overloaded()).count();
    let bars: Vec<Bar> = m
        .hosts
        .iter()
        .map(|h| Bar {
            label: h.host.clone(),
            succ: h.rsucc,
            err: h.rerr,
            overloaded: h.overloaded(),
        })
        .collect();
    html! {
        p.summary {
            (m.hosts.len() - overloaded) " idle, " strong.overload-count[overloaded > 0] { (overloaded) " overloaded" }
            " · policy " (m.policy) " · panic " (m.panic_threshold) "%"
            " · route version " @if let Some(v) = m.route_version { (v) } @else { "—" }
            " · " (m.status) " · probes " (m.probes_total) " · panic picks " (m.panic_picks_total)
        }
        (bars_svg("calls of the current window per host", &bars))
        table.live {
            thead { tr {
                th { "host" } th { "state" } th.num { "weight" } th.num { "succ" } th.num { "err" }
                th.num { "vsucc" } th.num { "verr" } th.num { "in a row" } th { "last change" }
            } }
            tbody {
                @for h in &m.hosts {
                    tr class=[h.overloaded().then_some("overload")] data-host=(h.host) data-state=(h.state) {
                        td.host { (h.host) }
                        td { span.state.(h.state) { (h.state) } }
                        td.num { (h.weight) }
                        td.num { (h.rsucc) }
                        td.num { (h.rerr) }
                        td.num { (h.vsucc) }
                        td.num { (h.verr) }
                        td.num {
                            @if h.contin_err > 0 { (h.contin_err) " err" } @else { (h.contin_succ) " ok" }
                        }
                        td.reason {
                            @if let Some(c) = &h.last_change {
                                "to " (c.to) " "
                                time title=(utc_text(c.unix_ms / 1000)) { (age_text(now_s, c.unix_ms / 1000)) }
                                ": " (reason_text(&c.reason))
                            } @else {
                                span.muted { "no change since it joined" }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agents::{AgentHost, StateChange};

    fn host(addr: &str, state: &str, change: Option<StateChange>) -> AgentHost {
        AgentHost {
            host: addr.into(),
            weight: 1,
            state: state.into(),
            vsucc: 180,
            verr: 5,
            rsucc: 40,
            rerr: 2,
            contin_succ: 0,
            contin_err: 15,
            last_change: change,
        }
    }

    fn view() -> LiveView {
        let now_ms = 1_700_000_000_000;
        let module = AgentModule {
            modid: 1,
            cmdid: 1,
            table: 2,
            status: "new".into(),
            route_version: Some(7),
            policy: "rr".into(),
            panic_threshold: 0,
            probes_total: 4,
            panic_picks_total: 0,
            hosts: vec![
                host("10.0.0.2:80", "idle", None),
                host(
                    "10.0.0.1:80",
                    "overload",
                    Some(StateChange {
                        unix_ms: now_ms - 12_000,
                        to: "overload".into(),
                        reason: "consecutive_errors".into(),
                    }),
                ),
            ],
        };
        LiveView {
            module: ModuleId::new(1, 1),
            answers: vec![
                ("127.0.0.1:9888".parse().unwrap(), AgentAnswer::Held(module)),
                (
                    "127.0.0.1:9889".parse().unwrap(),
                    AgentAnswer::Failed("connection refused".into()),
                ),
                (
                    "127.0.0.1:9890".parse().unwrap(),
                    AgentAnswer::NotHeld("module 1/1 is not held by this agent".into()),
                ),
            ],
            now_ms,
        }
    }

    #[test]
    fn each_agent_shows_its_hosts_states_and_reasons() {
        let html = live_fragment(&view()).into_string();
        crate::pages::assert_has(
            &html,
            &[
                r#"<tr class="overload" data-host="10.0.0.1:80" data-state="overload">"#,
                r#"<tr data-host="10.0.0.2:80" data-state="idle">"#,
                "12 s ago</time>: too many consecutive errors",
                "no change since it joined",
                "1 idle, ",
                "route version 7",
                "Could not ask the agent: connection refused",
                "Does not hold module 1/1: module 1/1 is not held by this agent",
                r#"<p class="updated">updated <time data-unix-ms="1700000000000">2023-11-14 22:13:20 UTC</time></p>"#,
            ],
        );
    }

    #[test]
    fn the_page_wraps_the_fragment_with_its_refresh() {
        let html = live_page(&PageCtx::default(), &view()).into_string();
        assert!(
            html.contains(
                r#"<div id="live" data-src="/modules/1/1/live/fragment" data-interval="2000">"#
            ),
            "{html}"
        );
        crate::pages::assert_has(
            &html,
            &[
                r#"<script src="/static/live.js" defer></script>"#,
                r#"<meta http-equiv="refresh" content="2">"#,
            ],
        );
    }
}
