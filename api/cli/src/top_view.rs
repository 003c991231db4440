//! The table `lars top` and `lars agent modules` print from the agent's
//! `/modules` JSON (docs/AGENT_HTTP.md; its types are the agent's own).
//! Pure: the time is an argument.

use std::fmt::Write;

use lars_agent::modules_view::{ModuleView, ModulesPage};

/// The agent line, then each module and its hosts; `now_ms` (Unix
/// milliseconds) dates the last changes.
pub fn render(page: &ModulesPage, now_ms: u64) -> String {
    let a = &page.agent;
    let dns = if a.dns_connected {
        "connected"
    } else {
        "DISCONNECTED"
    };
    let mut out = format!(
        "agent on ports {}-{}: DNS {dns}, up {} s, {} modules\n",
        a.base_port,
        u32::from(a.base_port) + 2,
        a.uptime_s,
        page.modules.len()
    );
    for m in &page.modules {
        out += &render_module(m, now_ms);
    }
    out
}

/// One module: its line, a header and one line per host.
pub fn render_module(m: &ModuleView, now_ms: u64) -> String {
    let version = m
        .route_version
        .map_or_else(|| "-".to_string(), |v| v.to_string());
    let mut out =
        format!(
        "\nmodule {}/{}  policy {}  panic {}%  version {version}  {}  probes {}  panic picks {}\n",
        m.modid, m.cmdid, m.policy, m.panic_threshold, m.status, m.probes_total, m.panic_picks_total
    );
    let _ = writeln!(
        out,
        "  {:<21} {:<8} {:>6} {:>7} {:>5} {:>6} {:>5} {:>5} {:>5}  last change",
        "host", "state", "weight", "vsucc", "verr", "rsucc", "rerr", "csucc", "cerr"
    );
    for h in &m.hosts {
        let change = h.last_change.as_ref().map_or_else(
            || "-".to_string(),
            |c| {
                let ago = now_ms.saturating_sub(c.unix_ms) / 1000;
                format!("{} {ago} s ago: {}", c.to, c.reason)
            },
        );
        let _ = writeln!(
            out,
            "  {:<21} {:<8} {:>6} {:>7} {:>5} {:>6} {:>5} {:>5} {:>5}  {change}",
            h.host,
            h.state,
            h.weight,
            h.vsucc,
            h.verr,
            h.rsucc,
            h.rerr,
            h.contin_succ,
            h.contin_err
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"agent":{"base_port":8888,"dns_connected":false,"uptime_s":42},
      "modules":[{"modid":1,"cmdid":2,"table":0,"status":"new","route_version":7,
        "policy":"wrr","panic_threshold":50,"probes_total":3,"panic_picks_total":0,
        "hosts":[{"host":"10.0.0.1:80","ip":"10.0.0.1","port":80,"weight":2,"state":"overload",
          "vsucc":0,"verr":5,"rsucc":1,"rerr":9,"contin_succ":0,"contin_err":0,
          "last_change":{"unix_ms":1700000000000,"to":"overload","reason":"consecutive_errors"}},
         {"host":"10.0.0.2:80","ip":"10.0.0.2","port":80,"weight":1,"state":"idle",
          "vsucc":180,"verr":0,"rsucc":4,"rerr":0,"contin_succ":4,"contin_err":0,"last_change":null}]}]}"#;

    #[test]
    fn the_page_renders_one_line_per_host() {
        let page: ModulesPage = serde_json::from_str(PAGE).unwrap();
        let text = render(&page, 1_700_000_012_500);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "agent on ports 8888-8890: DNS DISCONNECTED, up 42 s, 1 modules"
        );
        assert_eq!(
            lines[2],
            "module 1/2  policy wrr  panic 50%  version 7  new  probes 3  panic picks 0"
        );
        assert!(lines[3].trim_start().starts_with("host"), "{text}");
        assert!(lines[4].starts_with("  10.0.0.1:80"), "{text}");
        assert!(lines[4].contains(" overload "), "{text}");
        assert!(
            lines[4].ends_with("overload 12 s ago: consecutive_errors"),
            "{text}"
        );
        assert!(lines[5].ends_with("  -"), "{text}");
        assert_eq!(lines.len(), 6, "{text}");
    }
}
