//! `route add|del|list|version`: edit and show the routes in the store the
//! DNS service serves from. The store is the one `[store]` of `--config`
//! names (SQLite or MySQL, see [`lars_store::StoreConfig`]).
//!
//! Every input is checked before the store is opened, so a bad host or a
//! bad config writes nothing (not even a new SQLite file). Each change is
//! one store call — one transaction that changes `RouteData`, bumps the
//! route version and records the module in `RouteChange` — so the DNS
//! service pushes it to the agents within its check interval.

use super::{RouteAction, RouteArgs};
use anyhow::Context;
use lars_reactor::Config;
use lars_store::{open_route_store, parse_host, RouteRow, RouteStore, StoreConfig};
use std::process::ExitCode;

pub(super) fn run(args: &RouteArgs) -> anyhow::Result<ExitCode> {
    // Each arm checks its input before opening the store: nothing may be
    // written for a bad one.
    match &args.action {
        RouteAction::Add(h) => {
            let host = parse_host(&h.host)?;
            let version = open(args)?.add_host(h.modid, h.cmdid, host)?;
            println!(
                "added {host} to module {}/{} (route version {version})",
                h.modid, h.cmdid
            );
        }
        RouteAction::Del(h) => {
            let host = parse_host(&h.host)?;
            let version = open(args)?.del_host(h.modid, h.cmdid, host)?;
            println!(
                "deleted {host} from module {}/{} (route version {version})",
                h.modid, h.cmdid
            );
        }
        RouteAction::List(l) => print!("{}", render(&open(args)?.list_routes(l.modid, l.cmdid)?)),
        RouteAction::Version => println!("{}", open(args)?.version()?),
        RouteAction::Demo => {
            let store_cfg = StoreConfig::from_config(&Config::load(&args.config)?)?;
            let rows = lars_store::seed_demo(&store_cfg)?;
            println!("{rows} demo route rows added to {store_cfg}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The route store `--config` names.
fn open(args: &RouteArgs) -> anyhow::Result<Box<dyn RouteStore>> {
    let cfg = Config::load(&args.config)?;
    let store_cfg = StoreConfig::from_config(&cfg)?;
    open_route_store(&store_cfg)
        .with_context(|| format!("open the route store of {}", args.config.display()))
}

/// The `list` output: `MODID CMDID IP:PORT` per row, or `no routes`.
fn render(rows: &[RouteRow]) -> String {
    if rows.is_empty() {
        return "no routes\n".to_string();
    }
    rows.iter()
        .map(|r| format!("{} {} {}\n", r.modid, r.cmdid, r.host))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::{RouteHostArgs, RouteListArgs};
    use lars_store::HostAddr;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "lars-api-route-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn rows_render_one_per_line() {
        assert_eq!(render(&[]), "no routes\n");
        let row = RouteRow {
            modid: 1,
            cmdid: 2,
            host: HostAddr::new(3_232_235_953, 7777),
        };
        assert_eq!(render(&[row, row]), "1 2 192.168.1.177:7777\n".repeat(2));
    }

    #[test]
    fn a_bad_host_is_refused_before_the_store_is_touched() {
        let dir = scratch("bad-host");
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
        std::fs::remove_dir_all(dir).unwrap();
    }
}
