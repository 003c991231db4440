//! [`RouteStore`] for [`MysqlStore`]: reading routes and policies, and
//! route edits as one transaction each ([`edit::run`]).

use super::{positional, MysqlStore};
use crate::edit::{self, EditTx, Outcome, Param, RouteEdit};
use crate::error::StoreError;
use crate::sql;
use crate::store::RouteStore;
use crate::types::{checked_policy, checked_row, LastChange, RouteRow};
use lars_proto::{ModuleId, RoutePolicy};
use mysql::prelude::Queryable;
use mysql::{from_row_opt, Params, Row, TxOpts, Value};

impl MysqlStore {
    /// [`RouteStore::edit_route`]: one transaction whose first statement
    /// bumps the version, whose row lock serialises writers.
    fn apply_edit(&mut self, module: ModuleId, edit: RouteEdit) -> Result<u64, StoreError> {
        let action = edit.action(module);
        let now = edit::unix_now();
        let outcome = self.run(&action, |conn| {
            let mut tx = conn.start_transaction(TxOpts::default())?;
            let outcome = edit::run(&mut tx, module, edit, now)?;
            match outcome {
                Outcome::Done(_) => tx.commit()?,
                _ => tx.rollback()?,
            }
            Ok(outcome)
        })?;
        match outcome {
            Outcome::Done(version) => Ok(version),
            Outcome::Refused => Err(edit.refused(module, self.described.clone())),
            Outcome::Full => Err(edit.full(module, self.described.clone())),
            Outcome::NoVersionRow => {
                Err(self.bad_data(&action, "table RouteVersion has no row id 1"))
            }
        }
    }
}

fn mysql_params(params: &[Param]) -> Params {
    positional(
        params
            .iter()
            .map(|p| match *p {
                Param::Int(v) => Value::from(v),
                Param::Text(t) => Value::from(t),
            })
            .collect(),
    )
}

impl EditTx for mysql::Transaction<'_> {
    type Error = mysql::Error;

    fn exec(&mut self, sql: &str, params: &[Param]) -> mysql::Result<u64> {
        self.exec_drop(sql, mysql_params(params))?;
        Ok(self.affected_rows())
    }

    fn exists(&mut self, sql: &str, params: &[Param]) -> mysql::Result<bool> {
        let row: Option<Row> = self.exec_first(sql, mysql_params(params))?;
        Ok(row.is_some())
    }

    fn value(&mut self, sql: &str, params: &[Param]) -> mysql::Result<Option<i64>> {
        let row: Option<Row> = self.exec_first(sql, mysql_params(params))?;
        row.map(|row| from_row_opt::<i64>(row).map_err(mysql::Error::from))
            .transpose()
    }
}

impl RouteStore for MysqlStore {
    fn describe(&self) -> String {
        self.described.clone()
    }

    fn version(&mut self) -> Result<u64, StoreError> {
        let action = "read route version";
        let row: Option<Row> = self.run(action, |conn| conn.exec_first(sql::SELECT_VERSION, ()))?;
        match row {
            Some(row) => from_row_opt(row).map_err(|e| self.error(action, e.into())),
            None => Err(self.bad_data(action, "table RouteVersion has no row id 1")),
        }
    }

    fn changed_modules(&mut self, up_to_version: u64) -> Result<Vec<ModuleId>, StoreError> {
        self.run("read changed modules", |conn| {
            let rows: Vec<Row> = conn.exec(sql::CHANGED_MODULES, (up_to_version,))?;
            rows.into_iter()
                .map(|row| {
                    let (modid, cmdid) = from_row_opt(row)?;
                    Ok(ModuleId::new(modid, cmdid))
                })
                .collect()
        })
    }

    fn delete_changes(&mut self, up_to_version: u64) -> Result<u64, StoreError> {
        let action = format!("delete changes up to version {up_to_version}");
        self.run(&action, |conn| {
            conn.exec_drop(sql::DELETE_CHANGES, (up_to_version,))?;
            Ok(conn.affected_rows())
        })
    }

    fn clear_changes(&mut self) -> Result<(), StoreError> {
        self.run("clear changes", |conn| conn.query_drop(sql::CLEAR_CHANGES))
    }

    fn edit_route(&mut self, module: ModuleId, edit: RouteEdit) -> Result<u64, StoreError> {
        self.apply_edit(module, edit)
    }

    fn list_routes(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<RouteRow>, StoreError> {
        let (query, params) = sql::list_routes(modid, cmdid);
        let rows = self.run("read routes", |conn| {
            let rows: Vec<Row> = conn.exec(query, positional(params))?;
            rows.into_iter()
                .map(|row| {
                    from_row_opt::<(i32, i32, u32, i64, i64)>(row).map_err(mysql::Error::from)
                })
                .collect::<mysql::Result<Vec<_>>>()
        })?;
        Ok(rows
            .into_iter()
            .filter_map(|(m, c, ip, port, weight)| {
                checked_row(&self.described, ModuleId::new(m, c), ip, port, weight)
            })
            .collect())
    }

    fn list_policies(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<(ModuleId, RoutePolicy)>, StoreError> {
        let (query, params) = sql::list_policies(modid, cmdid);
        let rows = self.run("read policies", |conn| {
            let rows: Vec<Row> = conn.exec(query, positional(params))?;
            rows.into_iter()
                .map(|row| from_row_opt::<(i32, i32, String, i64)>(row).map_err(mysql::Error::from))
                .collect::<mysql::Result<Vec<_>>>()
        })?;
        Ok(rows
            .into_iter()
            .map(|(m, c, policy, panic)| {
                checked_policy(&self.described, ModuleId::new(m, c), &policy, panic)
            })
            .collect())
    }

    fn last_changes(
        &mut self,
        modid: Option<i32>,
        cmdid: Option<i32>,
    ) -> Result<Vec<LastChange>, StoreError> {
        let (query, params) = sql::last_changes(modid, cmdid);
        self.run("read last route changes", |conn| {
            let rows: Vec<Row> = conn.exec(query, positional(params))?;
            rows.into_iter()
                .map(|row| {
                    let (modid, cmdid, version, unix_s) = from_row_opt(row)?;
                    Ok(LastChange {
                        module: ModuleId::new(modid, cmdid),
                        version,
                        unix_s,
                    })
                })
                .collect()
        })
    }
}
