//! [`MysqlStore::init_users`]: the users of a least-privilege setup,
//! created and granted by an administrator's store handle (whose opening
//! has already created the database and its schema).

use mysql::prelude::Queryable;

use super::MysqlStore;
use crate::error::StoreError;
use crate::grants::{check_password, DbUser};

/// A user to create or update, and its password.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// The account and its role.
    pub user: DbUser,
    /// The password (checked by [`check_password`]).
    pub password: String,
    /// Whether an existing user gets this password too; when not, an
    /// existing user keeps the one it has.
    pub replace_password: bool,
}

/// What [`MysqlStore::init_users`] did with a user's password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordOutcome {
    /// The user did not exist: created with the password.
    Created,
    /// The user existed: its password was replaced.
    Replaced,
    /// The user existed: its password was left alone.
    Kept,
}

impl MysqlStore {
    /// Creates each user that does not exist yet, replaces the password
    /// of an existing one only when its spec says so, and leaves every
    /// user with exactly its role's rights on this store's database
    /// (everything revoked, then one `GRANT` per table). Needs a handle
    /// opened as a user allowed to create users and grant (e.g. root).
    /// Returns what happened to each password, in `specs` order.
    pub fn init_users(&mut self, specs: &[UserSpec]) -> Result<Vec<PasswordOutcome>, StoreError> {
        let mut outcomes = Vec::with_capacity(specs.len());
        for spec in specs {
            let user = &spec.user;
            let action = format!("create user {user}");
            check_password(&spec.password)
                .map_err(|reason| self.bad_data(&action, &format!("its password {reason}")))?;
            let exists: Option<u64> = self.run(&action, |conn| {
                conn.exec_first(
                    "SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = ?",
                    (user.name(), user.host()),
                )
            })?;
            let outcome = match (exists, spec.replace_password) {
                (Some(0) | None, _) => {
                    let create = user.create_sql(&spec.password);
                    self.run(&action, |conn| conn.query_drop(create))?;
                    PasswordOutcome::Created
                }
                (_, true) => {
                    let alter = user.set_password_sql(&spec.password);
                    let action = format!("set the password of {user}");
                    self.run(&action, |conn| conn.query_drop(alter))?;
                    PasswordOutcome::Replaced
                }
                (_, false) => PasswordOutcome::Kept,
            };
            let grants = user.grant_sql(&self.db_name);
            let action = format!("grant {} rights to {user}", user.role.describe());
            self.run(&action, |conn| {
                grants.iter().try_for_each(|stmt| conn.query_drop(stmt))
            })?;
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }
}
