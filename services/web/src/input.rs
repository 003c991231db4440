//! The console's forms as sent by the browser, and their checks: each form
//! becomes a [`RouteEdit`] or a list of [`FieldError`]s, one per field that
//! is wrong, each shown next to its field. Pure: no store, no I/O. Every
//! field is text here (a number field can hold anything a script sends), so
//! nothing fails before these checks.

use std::net::Ipv4Addr;

use lars_proto::{HostAddr, ModuleId, Policy, RouteHost, RoutePolicy, Weight};
use lars_store::RouteEdit;
use serde::Deserialize;

/// A field's name and what is wrong with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The form field (`ip`, `port`, `weight`, `policy`, `panic`, `host`).
    pub field: &'static str,
    /// The message shown next to it.
    pub message: String,
}

impl FieldError {
    /// `message` for `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> FieldError {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// The add-host form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AddHostForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// `a.b.c.d`.
    pub ip: String,
    /// `1..=65535`.
    pub port: String,
    /// `1..=10000`; empty means 1.
    pub weight: String,
}

/// A host row's weight form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WeightForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// `a.b.c.d:port`, from a hidden field.
    pub host: String,
    /// `1..=10000`.
    pub weight: String,
}

/// A host row's remove button, and the confirmation page's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// `a.b.c.d:port`, from a hidden field.
    pub host: String,
    /// `yes` once the user confirmed on the confirmation page.
    pub confirm: String,
}

/// The policy form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PolicyForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// `rr`, `wrr`, `hash` or `ewma`.
    pub policy: String,
    /// Percent, `0..=100`; empty means 0.
    pub panic: String,
}

/// A module id from the path or the "open a module" form: two integers.
pub fn parse_module(modid: &str, cmdid: &str) -> Result<ModuleId, Vec<FieldError>> {
    let id = |field: &'static str, text: &str| {
        text.trim().parse::<i32>().map_err(|_| {
            FieldError::new(
                field,
                format!("'{}' is not a {field} (a 32-bit integer)", text.trim()),
            )
        })
    };
    match (id("modid", modid), id("cmdid", cmdid)) {
        (Ok(m), Ok(c)) => Ok(ModuleId::new(m, c)),
        (m, c) => Err([m.err(), c.err()].into_iter().flatten().collect()),
    }
}

/// A host's IP address: a dotted IPv4 address that can be called (not
/// `0.0.0.0` or `255.255.255.255`).
pub fn parse_ip(text: &str) -> Result<Ipv4Addr, String> {
    let text = text.trim();
    let ip: Ipv4Addr = text
        .parse()
        .map_err(|_| format!("'{text}' is not an IPv4 address a.b.c.d"))?;
    if ip.is_unspecified() || ip.is_broadcast() {
        return Err(format!("{ip} is not the address of one host"));
    }
    Ok(ip)
}

/// A port: `1..=65535`.
pub fn parse_port(text: &str) -> Result<u16, String> {
    let text = text.trim();
    match text.parse::<u64>() {
        Ok(p @ 1..=65535) => Ok(p as u16),
        Ok(_) => Err(format!("port {text} is not in 1..=65535")),
        Err(_) => Err(format!("port '{text}' is not a number")),
    }
}

/// A weight: `1..=10000`; `empty` when the field is empty.
pub fn parse_weight(text: &str, empty: Option<Weight>) -> Result<Weight, String> {
    let text = text.trim();
    if let (true, Some(w)) = (text.is_empty(), empty) {
        return Ok(w);
    }
    let refuse = || format!("weight '{text}' must be a whole number in 1..=10000");
    let n = text.parse::<u32>().map_err(|_| refuse())?;
    Weight::new(n).map_err(|_| refuse())
}

/// A host of a hidden field: `a.b.c.d:port`.
pub fn parse_host(text: &str) -> Result<HostAddr, FieldError> {
    text.parse::<HostAddr>()
        .map_err(|e| FieldError::new("host", e.to_string()))
}

impl AddHostForm {
    /// The edit, or what is wrong with each field.
    pub fn edit(&self) -> Result<RouteEdit, Vec<FieldError>> {
        let ip = parse_ip(&self.ip).map_err(|m| FieldError::new("ip", m));
        let port = parse_port(&self.port).map_err(|m| FieldError::new("port", m));
        let weight =
            parse_weight(&self.weight, Some(Weight::ONE)).map_err(|m| FieldError::new("weight", m));
        match (ip, port, weight) {
            (Ok(ip), Ok(port), Ok(weight)) => Ok(RouteEdit::AddHost(RouteHost {
                host: HostAddr::new(ip, port),
                weight,
            })),
            (ip, port, weight) => Err([ip.err(), port.err(), weight.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

impl WeightForm {
    /// The edit, or what is wrong.
    pub fn edit(&self) -> Result<RouteEdit, Vec<FieldError>> {
        let host = parse_host(&self.host).map_err(|e| vec![e])?;
        let weight =
            parse_weight(&self.weight, None).map_err(|m| vec![FieldError::new("weight", m)])?;
        Ok(RouteEdit::SetWeight(RouteHost { host, weight }))
    }
}

impl RemoveForm {
    /// The edit, or what is wrong with the host.
    pub fn edit(&self) -> Result<RouteEdit, Vec<FieldError>> {
        let host = parse_host(&self.host).map_err(|e| vec![e])?;
        Ok(RouteEdit::DelHost(host))
    }

    /// Whether the user confirmed the removal.
    pub fn confirmed(&self) -> bool {
        self.confirm == "yes"
    }
}

impl PolicyForm {
    /// The edit, or what is wrong with each field.
    pub fn edit(&self) -> Result<RouteEdit, Vec<FieldError>> {
        let policy = self.policy.trim().parse::<Policy>().map_err(|_| {
            FieldError::new(
                "policy",
                format!(
                    "'{}' is not a policy (rr, wrr, hash, ewma)",
                    self.policy.trim()
                ),
            )
        });
        let panic_text = self.panic.trim();
        let panic = match panic_text {
            "" => Ok(0),
            text => text
                .parse::<u32>()
                .ok()
                .filter(|p| *p <= 100)
                .ok_or_else(|| {
                    FieldError::new(
                        "panic",
                        format!("panic threshold '{text}' must be a percentage in 0..=100"),
                    )
                }),
        };
        match (policy, panic) {
            (Ok(policy), Ok(panic)) => RoutePolicy::new(policy, panic)
                .map(RouteEdit::SetPolicy)
                .map_err(|e| vec![FieldError::new("panic", e.to_string())]),
            (policy, panic) => Err([policy.err(), panic.err()].into_iter().flatten().collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(ip: &str, port: &str, weight: &str) -> Result<RouteEdit, Vec<FieldError>> {
        AddHostForm {
            csrf: None,
            ip: ip.into(),
            port: port.into(),
            weight: weight.into(),
        }
        .edit()
    }

    fn fields(errors: Vec<FieldError>) -> Vec<&'static str> {
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_good_host_becomes_an_add_with_its_weight() {
        let host: HostAddr = "10.0.0.5:9000".parse().unwrap();
        let want = |w| {
            RouteEdit::AddHost(RouteHost {
                host,
                weight: Weight::new(w).unwrap(),
            })
        };
        assert_eq!(add(" 10.0.0.5 ", "9000", "3"), Ok(want(3)));
        assert_eq!(
            add("10.0.0.5", "9000", ""),
            Ok(want(1)),
            "empty weight is 1"
        );
        assert_eq!(add("10.0.0.5", "9000", "10000"), Ok(want(10_000)));
    }

    #[test]
    fn every_bad_field_is_named_with_its_own_message() {
        let errors = add("10.0.0.300", "70000", "0").unwrap_err();
        assert_eq!(
            errors,
            [
                FieldError::new("ip", "'10.0.0.300' is not an IPv4 address a.b.c.d"),
                FieldError::new("port", "port 70000 is not in 1..=65535"),
                FieldError::new("weight", "weight '0' must be a whole number in 1..=10000"),
            ]
        );
        assert_eq!(fields(add("10.0.0.1", "0", "1").unwrap_err()), ["port"]);
        assert_eq!(fields(add("10.0.0.1", "x", "1").unwrap_err()), ["port"]);
        assert_eq!(
            fields(add("10.0.0.1", "80", "10001").unwrap_err()),
            ["weight"]
        );
        assert_eq!(fields(add("10.0.0.1", "80", "-1").unwrap_err()), ["weight"]);
        assert_eq!(fields(add("0.0.0.0", "80", "1").unwrap_err()), ["ip"]);
        assert_eq!(
            fields(add("255.255.255.255", "80", "").unwrap_err()),
            ["ip"]
        );
        assert_eq!(fields(add("<script>", "80", "").unwrap_err()), ["ip"]);
        assert_eq!(fields(add("", "", "").unwrap_err()), ["ip", "port"]);
    }

    #[test]
    fn weight_and_policy_forms_check_their_fields() {
        let form = WeightForm {
            csrf: None,
            host: "10.0.0.5:9000".into(),
            weight: "7".into(),
        };
        let RouteEdit::SetWeight(h) = form.edit().unwrap() else {
            panic!("not a weight edit");
        };
        assert_eq!(
            (h.host.to_string(), h.weight.get()),
            ("10.0.0.5:9000".into(), 7)
        );
        let empty = WeightForm {
            weight: String::new(),
            ..form.clone()
        };
        assert_eq!(fields(empty.edit().unwrap_err()), ["weight"]);
        let forged = WeightForm {
            host: "10.0.0.5".into(),
            ..form
        };
        assert_eq!(fields(forged.edit().unwrap_err()), ["host"]);

        let policy = |p: &str, panic: &str| {
            PolicyForm {
                csrf: None,
                policy: p.into(),
                panic: panic.into(),
            }
            .edit()
        };
        let hash30 = RoutePolicy::new(Policy::Hash, 30).unwrap();
        assert_eq!(policy("hash", "30"), Ok(RouteEdit::SetPolicy(hash30)));
        assert_eq!(
            policy("rr", ""),
            Ok(RouteEdit::SetPolicy(RoutePolicy::default()))
        );
        assert_eq!(
            fields(policy("random", "101").unwrap_err()),
            ["policy", "panic"]
        );
        assert_eq!(fields(policy("wrr", "-5").unwrap_err()), ["panic"]);
    }

    #[test]
    fn module_ids_are_two_32_bit_integers() {
        assert_eq!(parse_module("1", " -2 "), Ok(ModuleId::new(1, -2)));
        let errors = parse_module("x", "4294967296").unwrap_err();
        assert_eq!(fields(errors.clone()), ["modid", "cmdid"]);
        assert_eq!(errors[0].message, "'x' is not a modid (a 32-bit integer)");
    }
}
