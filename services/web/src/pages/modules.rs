//! The Modules page: every (modid, cmdid) with its host count, policy and
//! last change, a filter by modid, and a form to open any module (also one
//! without hosts yet).

use maud::{html, Markup};

use crate::format::{age_text, utc_text};
use crate::input::FieldError;
use crate::model::ModuleSummary;
use crate::pages::layout::{module_path, page, PageCtx};
use crate::pages::widgets::field_error;

/// What the Modules page shows.
#[derive(Debug, Clone, Default)]
pub struct ModulesView {
    /// The modules, sorted.
    pub modules: Vec<ModuleSummary>,
    /// The filter field as typed.
    pub filter: String,
    /// The "open a module" fields as typed.
    pub open: (String, String),
    /// What is wrong with the filter or the open form's fields.
    pub errors: Vec<FieldError>,
    /// Now, Unix seconds (for the ages).
    pub now_s: u64,
}

/// The Modules page.
pub fn modules_page(ctx: &PageCtx, view: &ModulesView) -> Markup {
    let body = html! {
        h1 { "Modules" }
        div.forms {
            form.filter method="get" action="/modules" {
                label { "modid " input type="text" inputmode="numeric" name="modid"
                    value=(view.filter) placeholder="all" size="8"; }
                button type="submit" { "Filter" }
                @if !view.filter.is_empty() { " " a href="/modules" { "show all" } }
                (field_error(&view.errors, "filter"))
            }
            form.open method="get" action="/modules/open" {
                label { "modid " input type="text" inputmode="numeric" name="modid"
                    value=(view.open.0) size="8" required; }
                (field_error(&view.errors, "modid"))
                label { " cmdid " input type="text" inputmode="numeric" name="cmdid"
                    value=(view.open.1) size="8" required; }
                (field_error(&view.errors, "cmdid"))
                button type="submit" { "Open module" }
            }
        }
        @if view.modules.is_empty() {
            p.empty { "No modules" @if !view.filter.is_empty() { " with modid " (view.filter) } "." }
        } @else {
            table.modules {
                thead { tr {
                    th { "module" } th.num { "hosts" } th { "policy" } th.num { "panic" }
                    th.num { "version" } th { "last change" } th { "" }
                } }
                tbody {
                    @for m in &view.modules {
                        @let path = module_path(m.module);
                        tr data-module=(m.module) {
                            td { a href=(path) { (m.module) } }
                            td.num { (m.hosts) }
                            td { (m.policy.policy) }
                            td.num { (m.policy.panic_threshold) "%" }
                            @if let Some(c) = m.last_change {
                                td.num { (c.version) }
                                td { time title=(utc_text(c.unix_s)) { (age_text(view.now_s, c.unix_s)) } }
                            } @else {
                                td.num { "—" } td.muted { "not recorded" }
                            }
                            td.links {
                                a href={ (path) "/stats" } { "statistics" } " "
                                a href={ (path) "/live" } { "live" }
                            }
                        }
                    }
                }
            }
            p.muted { (view.modules.len()) " modules" }
        }
    };
    page("Modules", ctx, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::{ModuleId, Policy, RoutePolicy};
    use lars_store::LastChange;

    #[test]
    fn each_module_is_a_row_with_its_counts_policy_and_age() {
        let now = 1_700_000_000;
        let view = ModulesView {
            modules: vec![
                ModuleSummary {
                    module: ModuleId::new(1, 1),
                    hosts: 3,
                    policy: RoutePolicy::new(Policy::Wrr, 25).unwrap(),
                    last_change: Some(LastChange {
                        module: ModuleId::new(1, 1),
                        version: 12,
                        unix_s: now - 90,
                    }),
                },
                ModuleSummary {
                    module: ModuleId::new(-4, 2),
                    hosts: 0,
                    policy: RoutePolicy::default(),
                    last_change: None,
                },
            ],
            now_s: now,
            ..ModulesView::default()
        };
        let html = modules_page(&PageCtx::default(), &view).into_string();
        crate::pages::assert_has(
            &html,
            &[
                r#"<tr data-module="1/1"><td><a href="/modules/1/1">1/1</a></td><td class="num">3</td><td>wrr</td><td class="num">25%</td><td class="num">12</td><td><time title="2023-11-14 22:11:50 UTC">90 s ago</time></td>"#,
                r#"<a href="/modules/-4/2">-4/2</a>"#,
                "not recorded",
                "2 modules",
            ],
        );
    }

    #[test]
    fn a_bad_filter_is_kept_escaped_with_its_message() {
        let view = ModulesView {
            filter: "<x>".into(),
            errors: vec![FieldError::new("filter", "'<x>' is not a modid")],
            ..ModulesView::default()
        };
        let html = modules_page(&PageCtx::default(), &view).into_string();
        assert!(html.contains(r#"value="&lt;x&gt;""#), "{html}");
        assert!(
            html.contains(
                r#"<span class="field-error" data-field="filter">'&lt;x&gt;' is not a modid</span>"#
            ),
            "{html}"
        );
        assert!(html.contains("No modules with modid &lt;x&gt;."), "{html}");
    }
}
