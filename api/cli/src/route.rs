//! `route add|del|weight|policy|list|version|demo`: edit and show the
//! routes in the store the DNS service serves from. The store is the one `[store]` of `--config`
//! names (SQLite or MySQL, see [`lars_daemon::store_settings`]).
//!
//! Every input is checked before the store is opened, so a bad host or a
//! bad config writes nothing (not even a new SQLite file). Each change is
//! one store call — one transaction that changes `RouteData`, bumps the
//! route version and records the module in `RouteChange` — so the DNS
//! service pushes it to the agents within its check interval.

use crate::args::{RouteAction, RouteArgs, RouteHostArgs};
use anyhow::Context;
use lars_proto::{HostAddr, ModuleId, Policy, RouteHost, RoutePolicy, Weight};
use lars_reactor::Config;
use lars_store::{open_route_store, RouteEdit, RouteRow, RouteStore, StoreSettings};
use std::process::ExitCode;

pub(crate) fn run(args: &RouteArgs) -> anyhow::Result<ExitCode> {
    // Every edit is checked before the store is opened: nothing may be
    // written for a bad input.
    if let Some((module, edit)) = parse_edit(&args.action)? {
        let version = open(args)?.edit_route(module, edit)?;
        println!("{} (route version {version})", describe(module, edit));
        return Ok(ExitCode::SUCCESS);
    }
    match &args.action {
        RouteAction::List(l) => {
            let mut store = open(args)?;
            let rows = store.list_routes(l.modid, l.cmdid)?;
            let policies = store.list_policies(l.modid, l.cmdid)?;
            print!("{}", render(&rows, &policies));
        }
        RouteAction::Version => println!("{}", open(args)?.version()?),
        RouteAction::Demo => {
            let settings = settings(args)?;
            let rows = lars_store::seed_demo(&settings)?;
            println!("{rows} demo route rows added to {settings}");
        }
        RouteAction::Add(_)
        | RouteAction::Del(_)
        | RouteAction::Weight(_)
        | RouteAction::Policy(_) => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// The module and edit of an editing action, its values checked; `None`
/// for the actions that only read.
fn parse_edit(action: &RouteAction) -> anyhow::Result<Option<(ModuleId, RouteEdit)>> {
    Ok(Some(match action {
        RouteAction::Add(a) => {
            let (module, host) = target(&a.target)?;
            let weight = parse_weight(&a.weight)?;
            (module, RouteEdit::AddHost(RouteHost { host, weight }))
        }
        RouteAction::Del(d) => {
            let (module, host) = target(d)?;
            (module, RouteEdit::DelHost(host))
        }
        RouteAction::Weight(w) => {
            let (module, host) = target(&w.target)?;
            let weight = parse_weight(&w.weight)?;
            (module, RouteEdit::SetWeight(RouteHost { host, weight }))
        }
        RouteAction::Policy(p) => {
            let policy = p.policy.parse::<Policy>()?;
            let panic = p.panic.parse::<u32>().map_err(|_| {
                anyhow::anyhow!(
                    "panic threshold '{}': must be a percentage in 0..=100",
                    p.panic
                )
            })?;
            let module = ModuleId::new(p.modid, p.cmdid);
            (
                module,
                RouteEdit::SetPolicy(RoutePolicy::new(policy, panic)?),
            )
        }
        RouteAction::List(_) | RouteAction::Version | RouteAction::Demo => return Ok(None),
    }))
}

fn target(args: &RouteHostArgs) -> anyhow::Result<(ModuleId, HostAddr)> {
    Ok((
        ModuleId::new(args.modid, args.cmdid),
        args.host.parse::<HostAddr>()?,
    ))
}

/// A weight given on the command line: a number in `1..=10000`.
fn parse_weight(text: &str) -> anyhow::Result<Weight> {
    let refuse = || anyhow::anyhow!("weight '{text}': must be in 1..=10000");
    let n = text.parse::<u32>().map_err(|_| refuse())?;
    Weight::new(n).map_err(|_| refuse())
}

/// What an edit did, for the line printed after it.
fn describe(module: ModuleId, edit: RouteEdit) -> String {
    match edit {
        RouteEdit::AddHost(h) if h.weight == Weight::ONE => {
            format!("added {} to module {module}", h.host)
        }
        RouteEdit::AddHost(h) => {
            format!(
                "added {} with weight {} to module {module}",
                h.host, h.weight
            )
        }
        RouteEdit::DelHost(host) => format!("deleted {host} from module {module}"),
        RouteEdit::SetWeight(h) => {
            format!(
                "set the weight of {} of module {module} to {}",
                h.host, h.weight
            )
        }
        RouteEdit::SetPolicy(p) => format!(
            "set the policy of module {module} to {} (panic {}%)",
            p.policy, p.panic_threshold
        ),
    }
}

/// The store settings of `--config`.
fn settings(args: &RouteArgs) -> anyhow::Result<StoreSettings> {
    Ok(lars_daemon::store_settings(&Config::load(&args.config)?)?)
}

/// The route store `--config` names.
fn open(args: &RouteArgs) -> anyhow::Result<Box<dyn RouteStore>> {
    open_route_store(&settings(args)?)
        .with_context(|| format!("open the route store of {}", args.config.display()))
}

/// The `list` output: per module, `MODID CMDID policy=P panic=N` when a
/// policy was set, then `MODID CMDID IP:PORT weight=W` per host, then a
/// `too large` line if its route cannot be sent in one frame; or `no
/// routes`.
fn render(rows: &[RouteRow], policies: &[(ModuleId, RoutePolicy)]) -> String {
    if rows.is_empty() && policies.is_empty() {
        return "no routes\n".to_string();
    }
    let mut lines: Vec<(ModuleId, u8, String)> = policies
        .iter()
        .map(|(m, p)| {
            let line = format!(
                "{} {} policy={} panic={}\n",
                m.modid, m.cmdid, p.policy, p.panic_threshold
            );
            (*m, 0, line)
        })
        .collect();
    lines.extend(rows.iter().map(|r| {
        let line = format!(
            "{} {} {} weight={}\n",
            r.module.modid, r.module.cmdid, r.host, r.weight
        );
        (r.module, 1, line)
    }));
    // A module written past the frame limit by hand: DNS does not serve it.
    let routes = lars_store::group_routes(rows.iter().copied(), policies.iter().copied());
    lines.extend(
        routes
            .iter()
            .filter(|(m, route)| !route.fits_a_frame(**m))
            .map(|(m, route)| {
                let line = format!(
                    "{} {} too large: {} hosts need {} bytes, over the {}-byte frame; \
                     lars-dns serves its last route that fitted\n",
                    m.modid,
                    m.cmdid,
                    route.hosts.len(),
                    route.encoded_len(*m),
                    lars_proto::MAX_BODY_LEN
                );
                (*m, 2, line)
            }),
    );
    // Stable: hosts keep the store's order within their module.
    lines.sort_by_key(|(m, kind, _)| (m.modid, m.cmdid, *kind));
    lines.into_iter().map(|(_, _, line)| line).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{RouteAddArgs, RouteListArgs};

    #[test]
    fn rows_render_one_per_line() {
        assert_eq!(render(&[], &[]), "no routes\n");
        let row = |modid, weight| RouteRow {
            module: ModuleId::new(modid, 2),
            host: HostAddr::from_number(3_232_235_953, 7777),
            weight: Weight::new(weight).unwrap(),
        };
        let wrr = RoutePolicy::new(Policy::Wrr, 50).unwrap();
        let text = render(&[row(1, 1), row(3, 7)], &[(ModuleId::new(3, 2), wrr)]);
        let huge: Vec<RouteRow> = (0..7300)
            .map(|i| RouteRow {
                module: ModuleId::new(9, 9),
                host: HostAddr::from_number(0x0a00_0000 + i, 80),
                weight: Weight::ONE,
            })
            .collect();
        let listed = render(&huge, &[]);
        // 9 bytes a host (10.x.y.z a 4-byte varint, port 80 one byte, two
        // tags, a tag and a length around it): 65 700; modid and cmdid 2
        // each; the version (u64::MAX) 11.
        assert_eq!(listed.lines().count(), 7301);
        assert_eq!(
            listed.lines().last().unwrap(),
            "9 9 too large: 7300 hosts need 65715 bytes, over the 65527-byte frame; \
             lars-dns serves its last route that fitted"
        );
        let want = "1 2 192.168.1.177:7777 weight=1\n\
                    3 2 policy=wrr panic=50\n\
                    3 2 192.168.1.177:7777 weight=7\n";
        assert_eq!(text, want);
    }

    #[test]
    fn a_bad_host_is_refused_before_the_store_is_touched() {
        let dir = lars_testkit::ScratchDir::new("cli-bad-host");
        let db = dir.join("lars.db");
        let conf = dir.join("lars.conf");
        let text = format!(
            "[store]\nbackend = sqlite\nsqlite_path = {}\n",
            db.display()
        );
        std::fs::write(&conf, text).unwrap();
        let args = RouteArgs {
            config: conf,
            action: RouteAction::Add(RouteAddArgs {
                target: RouteHostArgs {
                    modid: 1,
                    cmdid: 1,
                    host: "10.0.0.1:99999".into(),
                },
                weight: "1".into(),
            }),
        };
        let err = run(&args).unwrap_err().to_string();
        assert!(err.contains("not in 1..=65535"), "{err}");
        assert!(!db.exists(), "no database may be created for a bad input");
        let listed = RouteArgs {
            config: dir.join("missing.conf"),
            action: RouteAction::List(RouteListArgs {
                modid: None,
                cmdid: None,
            }),
        };
        let err = run(&listed).unwrap_err().to_string();
        assert!(err.contains("missing.conf"), "{err}");
    }
}
