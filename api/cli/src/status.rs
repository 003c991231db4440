//! `status [MODID [CMDID]]`: the rows of `ServerCallStatus` the reporter
//! stored, from the store `--config` names (the reporter's config by
//! default).

use std::process::ExitCode;

use anyhow::Context;
use lars_reactor::Config;
use lars_store::{open_status_store, CallStatus};

use crate::args::StatusArgs;

pub(crate) fn run(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let settings = lars_daemon::store_settings(&Config::load(&args.config)?)?;
    let mut store = open_status_store(&settings)
        .with_context(|| format!("open the status store of {}", args.config.display()))?;
    let rows = store.read_statuses(args.modid, args.cmdid)?;
    print!("{}", render(&rows));
    Ok(ExitCode::SUCCESS)
}

/// A table with a header line, or `no statistics`.
fn render(rows: &[CallStatus]) -> String {
    if rows.is_empty() {
        return "no statistics\n".to_string();
    }
    let mut out = format!(
        "{:>6} {:>6} {:<21} {:<15} {:>8} {:>8} {:>8} {:>10}\n",
        "modid", "cmdid", "host", "caller", "succ", "err", "overload", "ts"
    );
    for r in rows {
        out.push_str(&format!(
            "{:>6} {:>6} {:<21} {:<15} {:>8} {:>8} {:>8} {:>10}\n",
            r.module.modid,
            r.module.cmdid,
            r.host.to_string(),
            r.caller.to_string(),
            r.succ_cnt,
            r.err_cnt,
            if r.overload { "yes" } else { "no" },
            r.ts
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_header_and_one_line_per_row() {
        assert_eq!(render(&[]), "no statistics\n");
        let row = CallStatus {
            module: lars_proto::ModuleId::new(1, 2),
            host: "192.168.1.177:7777".parse().unwrap(),
            caller: "127.0.0.1".parse().unwrap(),
            succ_cnt: 10,
            err_cnt: 3,
            ts: 1_700_000_000,
            overload: true,
        };
        let text = render(&[row]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].contains("modid") && lines[0].contains("overload"));
        for field in [
            "192.168.1.177:7777",
            "127.0.0.1",
            "10",
            "3",
            "yes",
            "1700000000",
        ] {
            assert!(lines[1].contains(field), "{field} missing in {}", lines[1]);
        }
    }
}
