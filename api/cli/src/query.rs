//! The one-shot tools: `gethost`, `getroute`, `report` and `example` — one
//! API call each (or the three of a caller's life), printed for a person.
//!
//! Answers, including `RET_*` codes, go to stdout; exit code 0 when the
//! call did what was asked, 1 otherwise.

use crate::args::{GethostArgs, ModuleArgs, ReportArgs};
use anyhow::Context;
use lars_api::{
    ApiError, ClientOptions, HostAddr, LarsClient, RetCode, Route, RoutePolicy, Weight,
};
use std::process::ExitCode;

/// `gethost MODID CMDID [--key K]`: prints `host is IP:PORT` (exit 0) or
/// the code: `RET_OVERLOAD`, `RET_NOEXIST`, `RET_SYSTEM_ERROR: <why>` (exit
/// 1).
pub(crate) fn gethost(opts: ClientOptions, g: &GethostArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(opts)?;
    let module = g.module.module();
    let answer = match g.key {
        Some(key) => client.get_host_by_key(module, key),
        None => client.get_host(module),
    };
    let (line, exit) = host_line(&client, &g.module, &answer);
    println!("{line}");
    Ok(exit)
}

/// `getroute MODID CMDID`: one `IP:PORT` per line, or `no hosts` (exit 0
/// either way); `RET_SYSTEM_ERROR: <why>` and exit 1 without an answer. A
/// weight other than 1 follows its host (`IP:PORT weight=N`), and a policy
/// other than plain `rr` comes first (`policy=P panic=N`), so a route that
/// uses neither prints as it always did.
pub(crate) fn getroute(opts: ClientOptions, m: &ModuleArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(opts)?;
    match client.get_route_detail(m.module()) {
        Ok(route) => print!("{}", render_route(&route)),
        Err(e) => {
            println!("{}", system_error("get_route", &client, m, &e));
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The `getroute` lines of a route.
fn render_route(route: &Route) -> String {
    if route.hosts.is_empty() {
        return "no hosts\n".to_string();
    }
    let mut out = String::new();
    if route.policy != RoutePolicy::default() {
        let RoutePolicy {
            policy,
            panic_threshold,
        } = route.policy;
        out += &format!("policy={policy} panic={panic_threshold}\n");
    }
    for h in &route.hosts {
        out += &match h.weight {
            Weight::ONE => format!("{}\n", h.host),
            weight => format!("{} weight={weight}\n", h.host),
        };
    }
    out
}

/// `report MODID CMDID IP PORT 0|1`: sends one report and says so.
pub(crate) fn report(opts: ClientOptions, r: &ReportArgs) -> anyhow::Result<ExitCode> {
    let client = connect(opts)?;
    let host = HostAddr::new(r.ip, r.port);
    let code = if r.result == 0 {
        RetCode::Succ
    } else {
        RetCode::Overload
    };
    let module = r.module();
    let agent = client.agent_addr(module);
    client
        .report(module, host, code)
        .with_context(|| format!("report {module} {host} to {agent}"))?;
    println!("reported {code} for {host} of module {module} to {agent}");
    Ok(ExitCode::SUCCESS)
}

/// `example MODID CMDID`: what a caller does — reg_init once, then
/// get_host, call the host (here: pretend it worked), report success.
pub(crate) fn example(opts: ClientOptions, m: &ModuleArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(opts)?;
    let module = m.module();
    let agent = client.agent_addr(module);
    println!("module {module} is served by agent {agent}");
    let code = client.reg_init(module);
    println!("reg_init: {code}");
    let answer = client.get_host(module);
    let (line, exit) = host_line(&client, m, &answer);
    println!("get_host: {line}");
    if let Ok((RetCode::Succ, Some(host))) = answer {
        client
            .report(module, host, RetCode::Succ)
            .with_context(|| format!("report {module} {host} to {agent}"))?;
        println!("report: RET_SUCC for {host} sent");
    }
    Ok(exit)
}

fn connect(opts: ClientOptions) -> anyhow::Result<LarsClient> {
    LarsClient::with_options(opts).with_context(|| {
        format!(
            "open a client of the agent at {}:{}",
            opts.agent_ip, opts.base_port
        )
    })
}

type HostAnswer = Result<(RetCode, Option<HostAddr>), ApiError>;

/// The line `gethost` prints for an answer, and its exit code.
fn host_line(client: &LarsClient, m: &ModuleArgs, answer: &HostAnswer) -> (String, ExitCode) {
    match answer {
        Ok((RetCode::Succ, Some(host))) => (format!("host is {host}"), ExitCode::SUCCESS),
        Ok((RetCode::SystemError, _)) => (
            "RET_SYSTEM_ERROR: the agent answered RET_SYSTEM_ERROR".to_string(),
            ExitCode::FAILURE,
        ),
        Ok((code, _)) => (code.name().to_string(), ExitCode::FAILURE),
        Err(e) => (system_error("get_host", client, m, e), ExitCode::FAILURE),
    }
}

/// `RET_SYSTEM_ERROR: <call> <modid>/<cmdid> via <agent>: <why>`.
fn system_error(call: &str, client: &LarsClient, m: &ModuleArgs, e: &ApiError) -> String {
    let module = m.module();
    let agent = client.agent_addr(module);
    let why = match e {
        ApiError::Timeout => format!(
            "no answer within {} ms (is lars-agent running?)",
            client.options().timeout.as_millis()
        ),
        ApiError::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is lars-agent running?)".to_string()
        }
        other => other.to_string(),
    };
    format!("RET_SYSTEM_ERROR: {call} {module} via {agent}: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_print_weights_and_policies_only_when_set() {
        let host = |text: &str, weight| lars_api::RouteHost {
            host: text.parse().unwrap(),
            weight: Weight::new(weight).unwrap(),
        };
        let plain = Route {
            hosts: vec![host("10.0.0.1:80", 1), host("10.0.0.2:80", 1)],
            policy: RoutePolicy::default(),
        };
        assert_eq!(render_route(&plain), "10.0.0.1:80\n10.0.0.2:80\n");
        let weighted = Route {
            hosts: vec![host("10.0.0.1:80", 1), host("10.0.0.2:80", 4)],
            policy: RoutePolicy::new(lars_api::Policy::Wrr, 0).unwrap(),
        };
        assert_eq!(
            render_route(&weighted),
            "policy=wrr panic=0\n10.0.0.1:80\n10.0.0.2:80 weight=4\n"
        );
        assert_eq!(render_route(&Route::default()), "no hosts\n");
    }

    #[test]
    fn host_lines_name_the_code() {
        let client = LarsClient::with_options(ClientOptions {
            base_port: 40000,
            ..ClientOptions::default()
        })
        .unwrap();
        let m = ModuleArgs { modid: 1, cmdid: 1 };
        let host: HostAddr = "10.0.0.1:80".parse().unwrap();
        let (line, exit) = host_line(&client, &m, &Ok((RetCode::Succ, Some(host))));
        assert_eq!(line, "host is 10.0.0.1:80");
        assert_eq!(exit, ExitCode::SUCCESS);
        let (line, exit) = host_line(&client, &m, &Ok((RetCode::Overload, None)));
        assert_eq!(line, "RET_OVERLOAD");
        assert_eq!(exit, ExitCode::FAILURE);
        let (line, _) = host_line(&client, &m, &Ok((RetCode::NoExist, None)));
        assert_eq!(line, "RET_NOEXIST");
        let (line, _) = host_line(&client, &m, &Ok((RetCode::SystemError, None)));
        assert!(line.starts_with("RET_SYSTEM_ERROR: "), "{line}");
        let (line, _) = host_line(&client, &m, &Err(ApiError::Timeout));
        assert_eq!(
            line,
            "RET_SYSTEM_ERROR: get_host 1/1 via 127.0.0.1:40002: \
             no answer within 50 ms (is lars-agent running?)"
        );
    }
}
