//! The bar chart of the Statistics and Live pages: per host, the successes
//! and errors of the current window as two horizontal bars, drawn
//! server-side as inline SVG (no script, no chart library). Overloaded
//! hosts get a marked label. Pure: numbers in, markup out.

use maud::{html, Markup};

/// One host's row of the chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The host, e.g. `10.0.0.5:9000`.
    pub label: String,
    /// Successes.
    pub succ: u64,
    /// Errors.
    pub err: u64,
    /// Whether the host is overloaded.
    pub overloaded: bool,
}

/// The chart's width in SVG units.
pub const WIDTH: u32 = 640;
/// Where the bars start (the labels are left of it).
const BARS_X: u32 = 170;
/// The longest bar.
const BAR_SPAN: u32 = 400;
/// One host's rows.
const ROW: u32 = 36;
/// One bar's height.
const BAR_H: u32 = 13;

/// The length of a bar for `value` when the largest value is `max`: 0 for
/// 0, at least 1 for anything else, [`BAR_SPAN`] for `max`.
pub fn bar_length(value: u64, max: u64) -> u32 {
    if value == 0 || max == 0 {
        return 0;
    }
    let len = (u128::from(value) * u128::from(BAR_SPAN) / u128::from(max)) as u32;
    len.clamp(1, BAR_SPAN)
}

/// The chart of `bars` titled `title`; a short note when there are none.
pub fn bars_svg(title: &str, bars: &[Bar]) -> Markup {
    if bars.is_empty() {
        return html! { p.chart-empty { "No calls to chart." } };
    }
    let max = bars.iter().map(|b| b.succ.max(b.err)).max().unwrap_or(0);
    let height = ROW * bars.len() as u32 + 24;
    html! {
        figure.chart {
            svg xmlns="http://www.w3.org/2000/svg" role="img" width=(WIDTH) height=(height)
                viewBox=(format!("0 0 {WIDTH} {height}")) aria-label=(title) {
                title { (title) }
                @for (i, bar) in bars.iter().enumerate() {
                    @let y = ROW * i as u32 + 4;
                    @let succ = bar_length(bar.succ, max);
                    @let err = bar_length(bar.err, max);
                    g.bar-row.overload[bar.overloaded] data-host=(bar.label) {
                        text.label x=(BARS_X - 8) y=(y + BAR_H + 2) text-anchor="end" {
                            @if bar.overloaded { "⚠ " }
                            (bar.label)
                        }
                        rect.succ x=(BARS_X) y=(y) width=(succ) height=(BAR_H) {}
                        text.value x=(BARS_X + succ + 4) y=(y + BAR_H - 2) { (bar.succ) " ok" }
                        rect.err x=(BARS_X) y=(y + BAR_H + 2) width=(err) height=(BAR_H) {}
                        text.value x=(BARS_X + err + 4) y=(y + 2 * BAR_H) { (bar.err) " err" }
                    }
                }
                g.legend {
                    rect.succ x=(BARS_X) y=(height - 14) width="10" height="10" {}
                    text x=(BARS_X + 14) y=(height - 5) { "successes" }
                    rect.err x=(BARS_X + 100) y=(height - 14) width="10" height="10" {}
                    text x=(BARS_X + 114) y=(height - 5) { "errors" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, succ: u64, err: u64, overloaded: bool) -> Bar {
        Bar {
            label: label.into(),
            succ,
            err,
            overloaded,
        }
    }

    #[test]
    fn bars_are_proportional_to_the_largest_value() {
        assert_eq!(bar_length(0, 100), 0);
        assert_eq!(bar_length(100, 100), 400);
        assert_eq!(bar_length(50, 100), 200);
        assert_eq!(bar_length(1, 1_000_000), 1, "a call is never invisible");
        assert_eq!(bar_length(u64::MAX, u64::MAX), 400);
        assert_eq!(bar_length(5, 0), 0);
    }

    #[test]
    fn each_host_gets_a_success_and_an_error_bar() {
        let svg = bars_svg(
            "module 1/1",
            &[
                bar("10.0.0.1:80", 300, 0, false),
                bar("10.0.0.2:80", 30, 150, true),
            ],
        )
        .into_string();
        assert!(
            svg.contains(
                r#"<svg xmlns="http://www.w3.org/2000/svg" role="img" width="640" height="96""#
            ),
            "{svg}"
        );
        crate::pages::assert_has(
            &svg,
            &[
                "<title>module 1/1</title>",
                r#"<rect class="succ" x="170" y="4" width="400" height="13">"#,
                r#"<rect class="err" x="170" y="19" width="0" height="13">"#,
                r#"<rect class="succ" x="170" y="40" width="40" height="13">"#,
                r#"<rect class="err" x="170" y="55" width="200" height="13">"#,
                r#"<g class="bar-row overload" data-host="10.0.0.2:80">"#,
                r#"<g class="bar-row" data-host="10.0.0.1:80">"#,
                "150 err",
            ],
        );
    }

    #[test]
    fn labels_are_escaped_and_no_bars_is_a_note() {
        let svg = bars_svg("t", &[bar("<b>&", 1, 1, false)]).into_string();
        assert!(svg.contains("&lt;b&gt;&amp;"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert_eq!(
            bars_svg("t", &[]).into_string(),
            r#"<p class="chart-empty">No calls to chart.</p>"#
        );
    }
}
