//! The Module page — its hosts with their weights, the forms to add a
//! host, change a weight, remove a host and set the policy — and the page
//! that asks to confirm a removal. A refused form comes back with its
//! values and a message next to each wrong field.

use lars_proto::{HostAddr, ModuleId, Policy};
use maud::{html, Markup};

use crate::format::{age_text, utc_text};
use crate::input::{AddHostForm, FieldError, PolicyForm};
use crate::model::ModuleRoute;
use crate::pages::layout::{module_header, module_path, page, PageCtx, Tab};
use crate::pages::widgets::{csrf_field, field_error, locked_note};

/// Which form a list of errors belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormKind {
    /// No form was sent.
    #[default]
    None,
    /// The add-host form.
    Add,
    /// The weight form of one host's row.
    Weight(HostAddr),
    /// The policy form.
    Policy,
    /// The remove button of one host's row.
    Remove(HostAddr),
}

/// What the Module page shows.
#[derive(Debug, Clone, Default)]
pub struct ModuleView {
    /// The module.
    pub module: ModuleId,
    /// Its route as stored.
    pub route: ModuleRoute,
    /// The add-host form's values (kept after a refusal).
    pub add: AddHostForm,
    /// The policy form's values after a refusal; `None`: the stored policy.
    pub policy: Option<PolicyForm>,
    /// The refused form and what was wrong with it.
    pub refused: (FormKind, Vec<FieldError>),
    /// Now, Unix seconds.
    pub now_s: u64,
}

impl ModuleView {
    fn errors_of(&self, form: FormKind) -> &[FieldError] {
        if self.refused.0 == form {
            &self.refused.1
        } else {
            &[]
        }
    }
}

/// The Module page.
pub fn module_page(ctx: &PageCtx, view: &ModuleView) -> Markup {
    let base = module_path(view.module);
    let route = &view.route;
    let locked = !ctx.may_change();
    let body = html! {
        (module_header(view.module, Tab::Hosts))
        p.summary {
            (route.hosts.len()) " hosts · policy " strong { (route.policy.policy) }
            " · panic threshold " (route.policy.panic_threshold) "%"
            @if let Some(c) = route.last_change {
                " · last change: version " (c.version) ", "
                time title=(utc_text(c.unix_s)) { (age_text(view.now_s, c.unix_s)) }
            }
            " · store route version " (route.version)
        }
        (locked_note(ctx))
        @for e in view.refused.1.iter().filter(|e| e.field == "host") {
            p.form-error data-field="host" { (e.message) }
        }
        section {
            h2 { "Hosts" }
            @if route.hosts.is_empty() {
                p.empty { "No hosts: agents asking for this module get none." }
            } @else {
                table.hosts {
                    thead { tr { th { "host" } th { "weight" } th { "" } } }
                    tbody {
                        @for h in &route.hosts {
                            @let errors = view.errors_of(FormKind::Weight(h.host));
                            tr data-host=(h.host) {
                                td.host { (h.host) }
                                td {
                                    form.inline method="post" action={ (base) "/weight" } {
                                        fieldset disabled[locked] {
                                            (csrf_field(ctx))
                                            input type="hidden" name="host" value=(h.host);
                                            input type="number" name="weight" min="1" max="10000"
                                                value=(h.weight) aria-label={ "weight of " (h.host) };
                                            button type="submit" { "Set" }
                                            (field_error(errors, "weight"))
                                        }
                                    }
                                }
                                td {
                                    form.inline method="post" action={ (base) "/remove" } {
                                        fieldset disabled[locked] {
                                            (csrf_field(ctx))
                                            input type="hidden" name="host" value=(h.host);
                                            button.danger type="submit" { "Remove…" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section {
            h2 { "Add a host" }
            @let errors = view.errors_of(FormKind::Add);
            form #add-host method="post" action={ (base) "/hosts" } {
                fieldset disabled[locked] {
                    (csrf_field(ctx))
                    label { "IP " input type="text" name="ip" value=(view.add.ip)
                        placeholder="10.0.0.5" required; }
                    (field_error(errors, "ip"))
                    label { " port " input type="text" inputmode="numeric" name="port"
                        value=(view.add.port) placeholder="9000" size="6" required; }
                    (field_error(errors, "port"))
                    label { " weight " input type="text" inputmode="numeric" name="weight"
                        value=(view.add.weight) placeholder="1" size="6"; }
                    (field_error(errors, "weight"))
                    " " button type="submit" { "Add host" }
                }
            }
        }
        section {
            h2 { "Policy" }
            @let errors = view.errors_of(FormKind::Policy);
            @let (policy, panic) = match &view.policy {
                Some(f) => (f.policy.clone(), f.panic.clone()),
                None => (route.policy.policy.name().to_string(), route.policy.panic_threshold.to_string()),
            };
            form #policy method="post" action={ (base) "/policy" } {
                fieldset disabled[locked] {
                    (csrf_field(ctx))
                    label { "policy "
                        select name="policy" {
                            @for p in Policy::ALL {
                                option value=(p.name()) selected[p.name() == policy] { (p.name()) }
                            }
                        }
                    }
                    (field_error(errors, "policy"))
                    label { " panic threshold " input type="text" inputmode="numeric" name="panic"
                        value=(panic) size="4"; "%" }
                    (field_error(errors, "panic"))
                    " " button type="submit" { "Set policy" }
                }
            }
            p.muted { "rr: round robin · wrr: by weight · hash: by request key · ewma: lowest latency of two. "
                "Below the panic threshold (percent of hosts idle) overloaded hosts are used too; 0 = off." }
        }
    };
    page(&format!("Module {}", view.module), ctx, body)
}

/// The page that asks whether `host` should really be removed from
/// `module`.
pub fn confirm_remove_page(ctx: &PageCtx, module: ModuleId, host: HostAddr) -> Markup {
    let base = module_path(module);
    let body = html! {
        section.confirm {
            h1 { "Remove " (host) " from module " (module) "?" }
            p { "Agents stop sending calls to it within the DNS service's poll interval." }
            form #confirm-remove method="post" action={ (base) "/remove" } {
                (csrf_field(ctx))
                input type="hidden" name="host" value=(host);
                input type="hidden" name="confirm" value="yes";
                button.danger type="submit" { "Remove " (host) }
                " " a.button href=(base) { "Cancel" }
            }
        }
    };
    page(&format!("Remove {host}?"), ctx, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::{RouteHost, RoutePolicy, Weight};

    fn view() -> ModuleView {
        ModuleView {
            module: ModuleId::new(1, 1),
            route: ModuleRoute {
                hosts: vec![RouteHost {
                    host: "10.0.0.5:9000".parse().unwrap(),
                    weight: Weight::new(3).unwrap(),
                }],
                policy: RoutePolicy::new(Policy::Ewma, 30).unwrap(),
                last_change: None,
                version: 8,
            },
            ..ModuleView::default()
        }
    }

    #[test]
    fn hosts_show_their_weights_and_the_policy_is_selected() {
        let ctx = PageCtx {
            csrf: "tok".into(),
            ..PageCtx::default()
        };
        let html = module_page(&ctx, &view()).into_string();
        crate::pages::assert_has(
            &html,
            &[
                r#"<tr data-host="10.0.0.5:9000"><td class="host">10.0.0.5:9000</td>"#,
                r#"value="3" aria-label="weight of 10.0.0.5:9000""#,
                r#"<option value="ewma" selected>ewma</option>"#,
                r#"name="panic" value="30""#,
                "store route version 8",
            ],
        );
        assert_eq!(
            html.matches(r#"name="csrf" value="tok""#).count(),
            4,
            "every form carries the token"
        );
        assert!(!html.contains("disabled"), "{html}");
    }

    #[test]
    fn a_refused_add_keeps_its_values_and_shows_messages_by_its_fields() {
        let mut v = view();
        v.add = AddHostForm {
            csrf: None,
            ip: "10.0.0.300".into(),
            port: "80".into(),
            weight: "2".into(),
        };
        v.refused = (
            FormKind::Add,
            vec![FieldError::new(
                "ip",
                "'10.0.0.300' is not an IPv4 address a.b.c.d",
            )],
        );
        let html = module_page(&PageCtx::default(), &v).into_string();
        crate::pages::assert_has(
            &html,
            &[
                r#"name="ip" value="10.0.0.300""#,
                r#"<span class="field-error" data-field="ip">'10.0.0.300' is not an IPv4 address a.b.c.d</span>"#,
            ],
        );
        assert_eq!(
            html.matches("field-error").count(),
            1,
            "the message is shown once: {html}"
        );
    }

    #[test]
    fn a_locked_session_sees_disabled_forms_and_the_confirm_page_names_the_host() {
        let ctx = PageCtx {
            token_required: true,
            ..PageCtx::default()
        };
        let html = module_page(&ctx, &view()).into_string();
        assert_eq!(html.matches("<fieldset disabled>").count(), 4, "{html}");
        let host = "10.0.0.5:9000".parse().unwrap();
        let confirm = confirm_remove_page(&ctx, ModuleId::new(1, 1), host).into_string();
        crate::pages::assert_has(
            &confirm,
            &[
                "Remove 10.0.0.5:9000 from module 1/1?",
                r#"<input type="hidden" name="confirm" value="yes">"#,
                r#"action="/modules/1/1/remove""#,
            ],
        );
    }
}
