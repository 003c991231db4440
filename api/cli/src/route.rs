//! `route add|del|list|version`: edit and show the routes in the store the
//! DNS service serves from. The store is the one `[store]` of `--config`
//! names (SQLite or MySQL, see [`lars_daemon::store_settings`]).
//!
//! Every input is checked before the store is opened, so a bad host or a
//! bad config writes nothing (not even a new SQLite file). Each change is
//! one store call — one transaction that changes `RouteData`, bumps the
//! route version and records the module in `RouteChange` — so the DNS
//! service pushes it to the agents within its check interval.

use crate::args::{RouteAction, RouteArgs};
use anyhow::Context;
use lars_proto::{HostAddr, ModuleId};
use lars_reactor::Config;
use lars_store::{open_route_store, RouteRow, RouteStore, StoreSettings};
use std::process::ExitCode;

pub(crate) fn run(args: &RouteArgs) -> anyhow::Result<ExitCode> {
    // Each arm checks its input before opening the store: nothing may be
    // written for a bad one.
    match &args.action {
        RouteAction::Add(h) => {
            let (module, host) = (ModuleId::new(h.modid, h.cmdid), h.host.parse::<HostAddr>()?);
            let version = open(args)?.add_host(module, host)?;
            println!("added {host} to module {module} (route version {version})");
        }
        RouteAction::Del(h) => {
            let (module, host) = (ModuleId::new(h.modid, h.cmdid), h.host.parse::<HostAddr>()?);
            let version = open(args)?.del_host(module, host)?;
            println!("deleted {host} from module {module} (route version {version})");
        }
        RouteAction::List(l) => print!("{}", render(&open(args)?.list_routes(l.modid, l.cmdid)?)),
        RouteAction::Version => println!("{}", open(args)?.version()?),
        RouteAction::Demo => {
            let settings = settings(args)?;
            let rows = lars_store::seed_demo(&settings)?;
            println!("{rows} demo route rows added to {settings}");
        }
    }
    Ok(ExitCode::SUCCESS)
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

/// The `list` output: `MODID CMDID IP:PORT` per row, or `no routes`.
fn render(rows: &[RouteRow]) -> String {
    if rows.is_empty() {
        return "no routes\n".to_string();
    }
    rows.iter()
        .map(|r| format!("{} {} {}\n", r.module.modid, r.module.cmdid, r.host))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{RouteHostArgs, RouteListArgs};

    #[test]
    fn rows_render_one_per_line() {
        assert_eq!(render(&[]), "no routes\n");
        let row = RouteRow {
            module: ModuleId::new(1, 2),
            host: HostAddr::from_number(3_232_235_953, 7777),
        };
        assert_eq!(render(&[row, row]), "1 2 192.168.1.177:7777\n".repeat(2));
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
            action: RouteAction::Add(RouteHostArgs {
                modid: 1,
                cmdid: 1,
                host: "10.0.0.1:99999".into(),
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
