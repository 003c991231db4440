//! The MySQL users of a least-privilege setup: [`DbRole`] (which part of
//! Lars logs in, and the table rights it needs), [`DbUser`] (a checked
//! `'name'@'host'`) and the SQL that creates and grants them. Pure: the
//! statements are text, run by [`MysqlStore::init_users`](crate::MysqlStore::init_users)
//! or printed for a database administrator.
//!
//! Each role gets exactly what its code does, table by table, and nothing
//! on the other tables:
//!
//! | role | user | tables |
//! |---|---|---|
//! | lars-dns | `lars_dns` | reads `RouteData`, `ModulePolicy`, `RouteVersion`, `RouteChange`; deletes `RouteChange` rows it has pushed |
//! | lars-reporter | `lars_reporter` | reads and upserts `ServerCallStatus` (an upsert reads the columns it updates) |
//! | route admin (`lars route`, lars-web) | `lars_route_admin` | writes `RouteData`, `ModulePolicy`, `RouteLastChange`, `ModIDConfig`, `CmdIDConfig`; bumps `RouteVersion`; adds `RouteChange` rows; reads `ServerCallStatus` |

use std::fmt;

/// A part of Lars that logs in to MySQL with a user of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DbRole {
    /// lars-dns: reads routes, consumes `RouteChange`.
    Dns,
    /// lars-reporter: writes call statistics.
    Reporter,
    /// `lars route` and lars-web: write routes, read statistics.
    RouteAdmin,
}

impl DbRole {
    /// Every role, in the order they are created.
    pub const ALL: [DbRole; 3] = [DbRole::Dns, DbRole::Reporter, DbRole::RouteAdmin];

    /// The user name the shipped configuration files use.
    pub fn default_user(self) -> &'static str {
        match self {
            DbRole::Dns => "lars_dns",
            DbRole::Reporter => "lars_reporter",
            DbRole::RouteAdmin => "lars_route_admin",
        }
    }

    /// Who uses the role, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            DbRole::Dns => "lars-dns",
            DbRole::Reporter => "lars-reporter",
            DbRole::RouteAdmin => "route admin (lars route, lars-web)",
        }
    }

    /// The privileges the role holds, per table of the schema.
    pub fn privileges(self) -> &'static [(&'static str, &'static str)] {
        const WRITE: &str = "SELECT, INSERT, UPDATE, DELETE";
        match self {
            DbRole::Dns => &[
                ("RouteData", "SELECT"),
                ("ModulePolicy", "SELECT"),
                ("RouteVersion", "SELECT"),
                ("RouteChange", "SELECT, DELETE"),
            ],
            DbRole::Reporter => &[("ServerCallStatus", "SELECT, INSERT, UPDATE")],
            DbRole::RouteAdmin => &[
                ("RouteData", WRITE),
                ("ModulePolicy", WRITE),
                ("RouteVersion", "SELECT, UPDATE"),
                ("RouteChange", "INSERT"),
                ("RouteLastChange", WRITE),
                ("ServerCallStatus", "SELECT"),
                ("ModIDConfig", WRITE),
                ("CmdIDConfig", WRITE),
            ],
        }
    }
}

impl fmt::Display for DbRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A MySQL account `'name'@'host'` for a role, its parts checked so they
/// can be written into `CREATE USER` and `GRANT` as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbUser {
    /// The role whose rights it gets.
    pub role: DbRole,
    name: String,
    host: String,
}

impl DbUser {
    /// `'name'@'host'` for `role`. A name is 1 to 32 letters, digits and
    /// `_` (MySQL's limit); a host is an address, a name, a `%`/`_`
    /// pattern or `addr/netmask`: letters, digits and `.`, `-`, `:`, `%`,
    /// `_`, `/`.
    pub fn new(role: DbRole, name: &str, host: &str) -> Result<DbUser, String> {
        let plain = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if name.is_empty() || name.len() > 32 || !name.chars().all(plain) {
            return Err(format!(
                "user name '{name}': must be 1 to 32 letters, digits or '_'"
            ));
        }
        let host_char = |c: char| plain(c) || ".-:%/".contains(c);
        if host.is_empty() || host.len() > 255 || !host.chars().all(host_char) {
            return Err(format!(
                "client host '{host}': must be an address, a host name or a pattern \
                 of letters, digits and . - : % _ /"
            ));
        }
        Ok(DbUser {
            role,
            name: name.to_string(),
            host: host.to_string(),
        })
    }

    /// The user name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The client host (pattern) it may connect from.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `'name'@'host'`, as SQL writes an account.
    pub fn account(&self) -> String {
        format!("'{}'@'{}'", self.name, self.host)
    }

    /// `CREATE USER IF NOT EXISTS` with `password` (checked by
    /// [`check_password`]); an existing user keeps its password.
    pub fn create_sql(&self, password: &str) -> String {
        format!(
            "CREATE USER IF NOT EXISTS {} IDENTIFIED BY '{password}'",
            self.account()
        )
    }

    /// `ALTER USER` setting `password` (checked by [`check_password`]).
    pub fn set_password_sql(&self, password: &str) -> String {
        format!("ALTER USER {} IDENTIFIED BY '{password}'", self.account())
    }

    /// The statements that leave the user with exactly its role's rights
    /// on database `db_name` (checked by
    /// [`check_db_name`](crate::check_db_name)): every right revoked, then
    /// one `GRANT` per table.
    pub fn grant_sql(&self, db_name: &str) -> Vec<String> {
        let account = self.account();
        let mut out = vec![format!(
            "REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account}"
        )];
        out.extend(self.role.privileges().iter().map(|(table, privileges)| {
            format!("GRANT {privileges} ON `{db_name}`.`{table}` TO {account}")
        }));
        out
    }
}

impl fmt::Display for DbUser {
    /// `name@host`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.host)
    }
}

/// Why `password` cannot be written into `CREATE USER ... IDENTIFIED BY
/// '...'`, if it cannot: it must be 8 to 128 printable ASCII characters
/// other than `'` and `\`.
///
/// ```
/// assert!(lars_store::check_password("s3cret-enough").is_ok());
/// assert!(lars_store::check_password("it's").is_err());
/// ```
pub fn check_password(password: &str) -> Result<(), &'static str> {
    if password.len() < 8 || password.len() > 128 {
        return Err("must be 8 to 128 characters long");
    }
    let allowed = |c: char| c.is_ascii_graphic() && c != '\'' && c != '\\';
    if !password.chars().all(allowed) {
        return Err("may only contain printable ASCII characters other than ' and \\");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_hosts_are_plain() {
        for (name, host) in [
            ("lars_dns", "127.0.0.1"),
            ("a", "%"),
            ("x1", "10.0.0.%"),
            ("lars_reporter", "10.1.0.0/255.255.0.0"),
            ("u", "db-client.example"),
            ("u", "::1"),
        ] {
            assert!(
                DbUser::new(DbRole::Dns, name, host).is_ok(),
                "{name}@{host}"
            );
        }
        let long = "n".repeat(33);
        for (name, host) in [
            ("", "%"),
            (long.as_str(), "%"),
            ("a'b", "%"),
            ("a b", "%"),
            ("a", ""),
            ("a", "x'y"),
            ("a", "x y"),
        ] {
            assert!(
                DbUser::new(DbRole::Dns, name, host).is_err(),
                "{name}@{host}"
            );
        }
    }

    #[test]
    fn passwords_cannot_break_out_of_their_quotes() {
        assert_eq!(check_password("Abcdefgh1234"), Ok(()));
        assert_eq!(check_password("a-b_c.d!e@f#g$h%"), Ok(()));
        for bad in [
            "short",
            "has'quote",
            "back\\slash",
            "with space",
            "tab\there",
            "ünïcødé!",
        ] {
            assert!(check_password(bad).is_err(), "{bad}");
        }
        assert!(check_password(&"p".repeat(129)).is_err());
    }

    #[test]
    fn the_reporter_gets_only_the_statistics_table() {
        let user = DbUser::new(DbRole::Reporter, "lars_reporter", "127.0.0.1").unwrap();
        assert_eq!(
            user.grant_sql("lars_dns"),
            vec![
                "REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'lars_reporter'@'127.0.0.1'",
                "GRANT SELECT, INSERT, UPDATE ON `lars_dns`.`ServerCallStatus` TO 'lars_reporter'@'127.0.0.1'",
            ]
        );
    }

    #[test]
    fn dns_reads_routes_and_deletes_only_route_changes() {
        let user = DbUser::new(DbRole::Dns, "lars_dns", "%").unwrap();
        let grants = user.grant_sql("lars");
        assert_eq!(grants.len(), 5);
        assert_eq!(
            grants[4],
            "GRANT SELECT, DELETE ON `lars`.`RouteChange` TO 'lars_dns'@'%'"
        );
        for grant in &grants[1..4] {
            assert!(grant.starts_with("GRANT SELECT ON "), "{grant}");
        }
    }

    #[test]
    fn the_route_admin_cannot_write_statistics() {
        let rights = DbRole::RouteAdmin.privileges();
        assert!(rights.contains(&("ServerCallStatus", "SELECT")));
        assert!(rights.contains(&("RouteChange", "INSERT")));
        assert_eq!(rights.len(), 8);
    }

    #[test]
    fn statements_quote_the_account() {
        let user = DbUser::new(DbRole::Dns, "lars_dns", "10.0.0.%").unwrap();
        assert_eq!(user.to_string(), "lars_dns@10.0.0.%");
        assert_eq!(
            user.create_sql("Secret123"),
            "CREATE USER IF NOT EXISTS 'lars_dns'@'10.0.0.%' IDENTIFIED BY 'Secret123'"
        );
        assert_eq!(
            user.set_password_sql("Secret123"),
            "ALTER USER 'lars_dns'@'10.0.0.%' IDENTIFIED BY 'Secret123'"
        );
    }

    #[test]
    fn default_names_are_the_shipped_ones() {
        let names: Vec<_> = DbRole::ALL.iter().map(|r| r.default_user()).collect();
        assert_eq!(names, ["lars_dns", "lars_reporter", "lars_route_admin"]);
    }
}
