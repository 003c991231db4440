//! [`StatusStore`] for [`SqliteStore`]: the reporter's ServerCallStatus
//! upserts and reads.

use super::{sqlite_error, SqliteStore};
use crate::error::StoreError;
use crate::sql::{self, Dialect};
use crate::store::StatusStore;
use crate::types::CallStatus;
use lars_proto::{HostAddr, ModuleId};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, TransactionBehavior};
use std::net::Ipv4Addr;

impl StatusStore for SqliteStore {
    fn describe(&self) -> String {
        self.describe_store()
    }

    fn upsert_statuses(&mut self, rows: &[CallStatus]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.gated(|store| store.upsert(rows))
    }

    fn maintain(&mut self) -> Result<(), StoreError> {
        self.idle_checkpoint()
    }

    fn read_statuses(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<CallStatus>, StoreError> {
        let fail = |e| self.error("read call statuses", e);
        let (query, params) = sql::read_statuses(modid, cmdid);
        let mut stmt = self.conn.prepare_cached(&query).map_err(fail)?;
        let rows = stmt
            .query_map(params_from_iter(params), |r| {
                Ok(CallStatus {
                    module: ModuleId::new(r.get(0)?, r.get(1)?),
                    host: HostAddr::from_number(r.get(2)?, r.get(3)?),
                    caller: Ipv4Addr::from(r.get::<_, u32>(4)?),
                    succ_cnt: r.get(5)?,
                    err_cnt: r.get(6)?,
                    ts: r.get(7)?,
                    overload: r.get::<_, String>(8)? == "1",
                })
            })
            .map_err(fail)?;
        rows.collect::<Result<_, _>>().map_err(fail)
    }
}

impl SqliteStore {
    /// [`StatusStore::upsert_statuses`]' transaction: multi-row upserts of
    /// at most [`sql::UPSERT_CHUNK`] rows.
    fn upsert(&mut self, rows: &[CallStatus]) -> Result<(), StoreError> {
        let action = format!("upsert {} call statuses", rows.len());
        let path = &self.path_text;
        let fail = |source| sqlite_error(path, &action, source);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(fail)?;
        let mut values = Vec::with_capacity(sql::UPSERT_CHUNK.min(rows.len()) * 9);
        for chunk in rows.chunks(sql::UPSERT_CHUNK) {
            values.clear();
            for s in chunk {
                values.extend([
                    Value::Integer(s.module.modid.into()),
                    Value::Integer(s.module.cmdid.into()),
                    Value::Integer(s.host.ip_number().into()),
                    Value::Integer(s.host.port.into()),
                    Value::Integer(u32::from(s.caller).into()),
                    Value::Integer(s.succ_cnt.into()),
                    Value::Integer(s.err_cnt.into()),
                    Value::Integer(s.ts.into()),
                    Value::Text(sql::overload_flag(s.overload).to_string()),
                ]);
            }
            let query = sql::upsert_statuses(Dialect::Sqlite, chunk.len());
            let mut stmt = tx.prepare_cached(&query).map_err(fail)?;
            stmt.execute(params_from_iter(values.drain(..)))
                .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }
}
