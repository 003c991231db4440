//! Route edits — a host added or removed, a weight or a module's policy
//! changed — and the one transaction both backends run for each: bump
//! `RouteVersion`, apply the edit, record the module in `RouteChange`. The
//! backends only provide an [`EditTx`] over their own transaction type, so
//! the rules (what is refused, what is written) exist once.

use lars_proto::{HostAddr, ModuleId, Route, RouteHost, RoutePolicy, Weight};

use crate::error::StoreError;
use crate::sql;

/// A change of one module's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteEdit {
    /// Add a host with its weight; refused if the module has it.
    AddHost(RouteHost),
    /// Remove a host; refused if the module does not have it.
    DelHost(HostAddr),
    /// Change a host's weight; refused if the module does not have it.
    SetWeight(RouteHost),
    /// Set the module's policy and panic threshold.
    SetPolicy(RoutePolicy),
}

impl RouteEdit {
    /// What the edit does to `module`, e.g. `add host 10.0.0.5:9000 to
    /// module 1/1`: the words of its error messages, and of a console's
    /// report that it was done.
    pub fn action(&self, module: ModuleId) -> String {
        match self {
            RouteEdit::AddHost(h) if h.weight == Weight::ONE => {
                format!("add host {} to module {module}", h.host)
            }
            RouteEdit::AddHost(h) => {
                format!(
                    "add host {} (weight {}) to module {module}",
                    h.host, h.weight
                )
            }
            RouteEdit::DelHost(host) => format!("delete host {host} from module {module}"),
            RouteEdit::SetWeight(h) => {
                format!(
                    "set the weight of host {} of module {module} to {}",
                    h.host, h.weight
                )
            }
            RouteEdit::SetPolicy(p) => format!(
                "set the policy of module {module} to {} (panic threshold {}%)",
                p.policy, p.panic_threshold
            ),
        }
    }

    /// The error for adding a host to a module that has
    /// [`Route::MAX_HOSTS`] already.
    pub(crate) fn full(&self, module: ModuleId, store: String) -> StoreError {
        StoreError::RouteFull {
            store,
            action: self.action(module),
            module,
            limit: Route::MAX_HOSTS,
        }
    }

    /// The error for an edit the route does not allow: the host is there
    /// (add) or is not (delete, weight).
    pub(crate) fn refused(&self, module: ModuleId, store: String) -> StoreError {
        let action = self.action(module);
        match *self {
            RouteEdit::AddHost(h) => StoreError::HostExists {
                store,
                action,
                module,
                host: h.host,
            },
            RouteEdit::DelHost(host) | RouteEdit::SetWeight(RouteHost { host, .. }) => {
                StoreError::HostAbsent {
                    store,
                    action,
                    module,
                    host,
                }
            }
            RouteEdit::SetPolicy(_) => unreachable!("a policy can always be set"),
        }
    }
}

/// Now, in Unix seconds: when an edit is made (the backends read the
/// clock; [`run`] takes the time as a parameter).
pub(crate) fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A bound parameter of an edit statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Param {
    /// An integer column.
    Int(i64),
    /// A text column.
    Text(&'static str),
}

/// The statements a backend runs inside one write transaction.
pub(crate) trait EditTx {
    /// The backend's error.
    type Error;
    /// Runs `sql`; the number of rows it changed.
    fn exec(&mut self, sql: &str, params: &[Param]) -> Result<u64, Self::Error>;
    /// Whether `sql` returns a row.
    fn exists(&mut self, sql: &str, params: &[Param]) -> Result<bool, Self::Error>;
    /// The first column of the one row `sql` returns, if any.
    fn value(&mut self, sql: &str, params: &[Param]) -> Result<Option<i64>, Self::Error>;
}

/// How an edit transaction ended when the database did not fail. On
/// anything but `Done` the caller rolls back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Applied; the new route version.
    Done(u64),
    /// The route does not allow the edit.
    Refused,
    /// The module has [`Route::MAX_HOSTS`] hosts: no more can be added.
    Full,
    /// `RouteVersion` has no row 1 (or a negative version).
    NoVersionRow,
}

/// Bumps the version (its row lock serialises writers), applies `edit` to
/// `module` and records the change (in `RouteChange`, and as the module's
/// last change, made at `now_unix_s`), on `tx`.
pub(crate) fn run<T: EditTx>(
    tx: &mut T,
    module: ModuleId,
    edit: RouteEdit,
    now_unix_s: u64,
) -> Result<Outcome, T::Error> {
    if tx.exec(sql::BUMP_VERSION, &[])? == 0 {
        return Ok(Outcome::NoVersionRow);
    }
    let ids = [
        Param::Int(module.modid.into()),
        Param::Int(module.cmdid.into()),
    ];
    let key = |host: HostAddr| {
        [
            ids[0],
            ids[1],
            Param::Int(host.ip_number().into()),
            Param::Int(host.port.into()),
        ]
    };
    let applied = match edit {
        RouteEdit::AddHost(h) => {
            let hosts = tx.value(sql::COUNT_HOSTS, &ids)?.unwrap_or(0);
            if usize::try_from(hosts).unwrap_or(usize::MAX) >= Route::MAX_HOSTS {
                return Ok(Outcome::Full);
            }
            let found = tx.exists(sql::FIND_HOST, &key(h.host))?;
            !found && {
                let [m, c, ip, port] = key(h.host);
                let weight = Param::Int(h.weight.get().into());
                tx.exec(sql::INSERT_HOST, &[m, c, ip, port, weight])?;
                true
            }
        }
        RouteEdit::DelHost(host) => tx.exec(sql::DELETE_HOST, &key(host))? > 0,
        RouteEdit::SetWeight(h) => {
            let found = tx.exists(sql::FIND_HOST, &key(h.host))?;
            found && {
                let [m, c, ip, port] = key(h.host);
                let weight = Param::Int(h.weight.get().into());
                tx.exec(sql::SET_WEIGHT, &[weight, m, c, ip, port])?;
                true
            }
        }
        RouteEdit::SetPolicy(p) => {
            let policy = Param::Text(p.policy.name());
            let panic = Param::Int(p.panic_threshold.into());
            tx.exec(sql::DELETE_POLICY, &ids)?;
            tx.exec(sql::INSERT_POLICY, &[ids[0], ids[1], policy, panic])?;
            true
        }
    };
    if !applied {
        return Ok(Outcome::Refused);
    }
    let Some(version) = tx.value(sql::SELECT_VERSION, &[])? else {
        return Ok(Outcome::NoVersionRow);
    };
    let Ok(version) = u64::try_from(version) else {
        return Ok(Outcome::NoVersionRow);
    };
    let version_param = Param::Int(version as i64);
    tx.exec(sql::INSERT_CHANGE, &[ids[0], ids[1], version_param])?;
    tx.exec(sql::DELETE_LAST_CHANGE, &ids)?;
    let at = Param::Int(i64::try_from(now_unix_s).unwrap_or(i64::MAX));
    tx.exec(
        sql::INSERT_LAST_CHANGE,
        &[ids[0], ids[1], version_param, at],
    )?;
    Ok(Outcome::Done(version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lars_proto::Policy;

    #[test]
    fn every_edit_names_its_host_or_policy_and_module() {
        let module = ModuleId::new(1, 2);
        let host: HostAddr = "127.0.0.1:9001".parse().unwrap();
        let heavy = RouteHost {
            host,
            weight: Weight::new(3).unwrap(),
        };
        let cases = [
            (
                RouteEdit::AddHost(RouteHost::new(host)),
                "add host 127.0.0.1:9001 to module 1/2",
            ),
            (
                RouteEdit::AddHost(heavy),
                "add host 127.0.0.1:9001 (weight 3) to module 1/2",
            ),
            (
                RouteEdit::DelHost(host),
                "delete host 127.0.0.1:9001 from module 1/2",
            ),
            (
                RouteEdit::SetWeight(heavy),
                "set the weight of host 127.0.0.1:9001 of module 1/2 to 3",
            ),
            (
                RouteEdit::SetPolicy(RoutePolicy::new(Policy::Hash, 50).unwrap()),
                "set the policy of module 1/2 to hash (panic threshold 50%)",
            ),
        ];
        for (edit, want) in cases {
            assert_eq!(edit.action(module), want);
        }
        assert_eq!(
            RouteEdit::SetWeight(heavy)
                .refused(module, "sqlite x.db".into())
                .to_string(),
            "sqlite x.db: set the weight of host 127.0.0.1:9001 of module 1/2 to 3: not present"
        );
    }
}
