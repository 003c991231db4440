//! The Statistics page: the reporter's latest `ServerCallStatus` rows of a
//! module, per host and caller (successes, errors, overload, age), hosts in
//! overload highlighted, and the chart of each host's window.

use lars_proto::ModuleId;
use maud::{html, Markup};

use crate::chart::bars_svg;
use crate::format::{age_text, utc_text};
use crate::model::{stats_bars, HostStats};
use crate::pages::layout::{module_header, page, PageCtx, Tab};

/// What the Statistics page shows.
#[derive(Debug, Clone, Default)]
pub struct StatsView {
    /// The module.
    pub module: ModuleId,
    /// Its rows per host.
    pub hosts: Vec<HostStats>,
    /// Now, Unix seconds.
    pub now_s: u64,
}

/// The Statistics page.
pub fn stats_page(ctx: &PageCtx, view: &StatsView) -> Markup {
    let overloaded = view.hosts.iter().filter(|h| h.overloaded()).count();
    let body = html! {
        (module_header(view.module, Tab::Stats))
        p.summary {
            "What each caller's agent last reported to lars-reporter: the calls of its current window."
            @if overloaded > 0 {
                " " strong.overload-count { (overloaded) " of " (view.hosts.len()) " hosts overloaded" }
            }
        }
        @if view.hosts.is_empty() {
            p.empty { "No statistics for module " (view.module) " yet." }
        } @else {
            (bars_svg(&format!("successes and errors per host, module {}", view.module), &stats_bars(&view.hosts)))
            table.stats {
                thead { tr {
                    th { "host" } th { "caller" } th.num { "succ" } th.num { "err" }
                    th { "overload" } th { "reported" }
                } }
                tbody {
                    @for h in &view.hosts {
                        @for (i, r) in h.rows.iter().enumerate() {
                            tr class=[r.overload.then_some("overload")] data-host=(h.host) data-caller=(r.caller) {
                                @if i == 0 {
                                    th.host rowspan=(h.rows.len()) scope="row" { (h.host) }
                                }
                                td { (r.caller) }
                                td.num { (r.succ_cnt) }
                                td.num { (r.err_cnt) }
                                td { @if r.overload { strong { "overload" } } @else { "idle" } }
                                td { time title=(utc_text(u64::from(r.ts))) { (age_text(view.now_s, u64::from(r.ts))) } }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&format!("Statistics of {}", view.module), ctx, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::stats_per_host;
    use lars_store::CallStatus;

    #[test]
    fn overloaded_rows_are_marked_and_ages_shown() {
        let now = 1_700_000_000;
        let row = |host: &str, succ, err, overload| CallStatus {
            module: ModuleId::new(1, 1),
            host: host.parse().unwrap(),
            caller: [127, 0, 0, 1].into(),
            succ_cnt: succ,
            err_cnt: err,
            ts: (now - 4) as u32,
            overload,
        };
        let view = StatsView {
            module: ModuleId::new(1, 1),
            hosts: stats_per_host(&[
                row("10.0.0.1:80", 90, 2, false),
                row("10.0.0.2:80", 3, 40, true),
            ]),
            now_s: now,
        };
        let html = stats_page(&PageCtx::default(), &view).into_string();
        assert!(
            html.contains(
                r#"<tr class="overload" data-host="10.0.0.2:80" data-caller="127.0.0.1">"#
            ),
            "{html}"
        );
        crate::pages::assert_has(
            &html,
            &[
                r#"<tr data-host="10.0.0.1:80" data-caller="127.0.0.1">"#,
                r#"<td class="num">40</td>"#,
                "4 s ago",
                "1 of 2 hosts overloaded",
                "<svg",
            ],
        );
    }

    #[test]
    fn a_module_without_rows_says_so() {
        let view = StatsView {
            module: ModuleId::new(7, 1),
            ..StatsView::default()
        };
        let html = stats_page(&PageCtx::default(), &view).into_string();
        assert!(html.contains("No statistics for module 7/1 yet."), "{html}");
        assert!(!html.contains("<svg"), "{html}");
    }
}
