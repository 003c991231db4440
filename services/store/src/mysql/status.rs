//! [`StatusStore`] for [`MysqlStore`]: the reporter's ServerCallStatus
//! upserts and reads.

use super::{positional, MysqlStore};
use crate::error::StoreError;
use crate::sql::{self, Dialect};
use crate::store::StatusStore;
use crate::types::CallStatus;
use lars_proto::{HostAddr, ModuleId};
use mysql::prelude::Queryable;
use mysql::{from_row_opt, Params, Row, TxOpts, Value};
use std::net::Ipv4Addr;

impl StatusStore for MysqlStore {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn upsert_statuses(&mut self, rows: &[CallStatus]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let action = format!("upsert {} call statuses", rows.len());
        self.run(&action, |conn| {
            let mut tx = conn.start_transaction(TxOpts::default())?;
            for chunk in rows.chunks(sql::UPSERT_CHUNK) {
                let mut values = Vec::with_capacity(chunk.len() * 9);
                for s in chunk {
                    values.extend([
                        Value::from(s.module.modid),
                        Value::from(s.module.cmdid),
                        Value::from(s.host.ip_number()),
                        Value::from(s.host.port),
                        Value::from(u32::from(s.caller)),
                        Value::from(s.succ_cnt),
                        Value::from(s.err_cnt),
                        Value::from(s.ts),
                        Value::from(sql::overload_flag(s.overload)),
                    ]);
                }
                let query = sql::upsert_statuses(Dialect::Mysql, chunk.len());
                tx.exec_drop(query, Params::Positional(values))?;
            }
            tx.commit()
        })
    }

    fn read_statuses(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<CallStatus>, StoreError> {
        let (query, params) = sql::read_statuses(modid, cmdid);
        self.run("read call statuses", |conn| {
            let rows: Vec<Row> = conn.exec(query, positional(params))?;
            rows.into_iter()
                .map(|row| {
                    let (modid, cmdid, ip, port, caller, succ_cnt, err_cnt, ts, overload) =
                        from_row_opt::<(i32, i32, u32, u16, u32, u32, u32, u32, String)>(row)?;
                    Ok(CallStatus {
                        module: ModuleId::new(modid, cmdid),
                        host: HostAddr::from_number(ip, port),
                        caller: Ipv4Addr::from(caller),
                        succ_cnt,
                        err_cnt,
                        ts,
                        overload: overload == "1",
                    })
                })
                .collect()
        })
    }
}
