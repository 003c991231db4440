//! `db init`: a MySQL / MariaDB database for Lars with one least-privilege
//! user per part ([`DbRole`]): the database and its tables are created as
//! an administrator (root), then the users lars-dns, lars-reporter and the
//! route admin tools log in as, each granted only what it does.
//! `--print-sql` prints the same as a script instead.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{bail, Context};
use lars_reactor::Config;
use lars_store::{
    check_password, DbRole, DbUser, MysqlSettings, MysqlStore, PasswordOutcome, StoreSettings,
    UserSpec, MYSQL_SCHEMA,
};

use crate::db_args::{DbAction, DbArgs, DbInitArgs};

/// The administrator's password for `db init` (empty when unset).
pub const ADMIN_PASSWD_ENV: &str = "LARS_DB_ADMIN_PASSWD";

/// Length of a generated password: 24 letters and digits, about 143 bits.
const GENERATED_LEN: usize = 24;

/// The environment variable with `role`'s password for `db init`.
pub fn passwd_env(role: DbRole) -> &'static str {
    match role {
        DbRole::Dns => "LARS_DNS_DB_PASSWD",
        DbRole::Reporter => "LARS_REPORTER_DB_PASSWD",
        DbRole::RouteAdmin => "LARS_ROUTE_ADMIN_DB_PASSWD",
    }
}

/// Where a user's password came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// The role's environment variable: it replaces an existing password.
    Env(&'static str),
    /// Generated here: used only for a user that does not exist yet.
    Generated,
}

pub(crate) fn run(args: &DbArgs) -> anyhow::Result<ExitCode> {
    match &args.action {
        DbAction::Init(init) => init_db(init, &|key| std::env::var(key).ok()),
    }
}

fn init_db(args: &DbInitArgs, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<ExitCode> {
    let server = mysql_settings(args)?;
    let specs = user_specs(args, env, &generate_password)?;
    if args.print_sql {
        print!("{}", script(&server.db_name, &specs));
        return Ok(ExitCode::SUCCESS);
    }
    let admin = MysqlSettings {
        user: args.admin_user.clone(),
        passwd: env(ADMIN_PASSWD_ENV).unwrap_or_default(),
        ..server.clone()
    };
    let mut store = MysqlStore::open(&admin).with_context(|| {
        format!(
            "create the database and its tables as {} (password: {ADMIN_PASSWD_ENV})",
            args.admin_user
        )
    })?;
    let outcomes = store.init_users(&specs.iter().map(|(s, _)| s.clone()).collect::<Vec<_>>())?;
    print!("{}", report(&server, &args.admin_user, &specs, &outcomes));
    Ok(ExitCode::SUCCESS)
}

/// The server and database the config's `[mysql]` names.
fn mysql_settings(args: &DbInitArgs) -> anyhow::Result<MysqlSettings> {
    let cfg = Config::load(&args.config)?;
    match lars_daemon::store_settings(&cfg)? {
        StoreSettings::Mysql(m) => Ok(m),
        StoreSettings::Sqlite { .. } => bail!(
            "{}: [store] backend is sqlite, which has no users; set backend = mysql and its \
             [mysql] section first",
            args.config.display()
        ),
    }
}

/// The three users with their passwords: from the role's environment
/// variable (checked), or generated.
fn user_specs(
    args: &DbInitArgs,
    env: &dyn Fn(&str) -> Option<String>,
    generate: &dyn Fn() -> anyhow::Result<String>,
) -> anyhow::Result<Vec<(UserSpec, Source)>> {
    let names = [&args.dns_user, &args.reporter_user, &args.route_admin_user];
    DbRole::ALL
        .iter()
        .zip(names)
        .map(|(&role, name)| {
            let user = DbUser::new(role, name, &args.client_host).map_err(anyhow::Error::msg)?;
            let var = passwd_env(role);
            let (password, source) = match env(var).filter(|p| !p.is_empty()) {
                Some(password) => {
                    check_password(&password)
                        .map_err(|reason| anyhow::anyhow!("{var}: {reason}"))?;
                    (password, Source::Env(var))
                }
                None => (generate()?, Source::Generated),
            };
            let replace_password = matches!(source, Source::Env(_));
            let spec = UserSpec {
                user,
                password,
                replace_password,
            };
            Ok((spec, source))
        })
        .collect()
}

/// A password of [`GENERATED_LEN`] letters and digits from the kernel's
/// random source.
fn generate_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut random = std::fs::File::open("/dev/urandom").context("open /dev/urandom")?;
    let mut out = String::with_capacity(GENERATED_LEN);
    let mut bytes = [0u8; 64];
    while out.len() < GENERATED_LEN {
        random.read_exact(&mut bytes).context("read /dev/urandom")?;
        // 248 = 4 × 62: bytes above it would favour the first letters.
        for &b in bytes.iter().filter(|&&b| b < 248) {
            if out.len() < GENERATED_LEN {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(out)
}

/// The SQL of `db init` as a script: the database, its tables, then per
/// user `CREATE USER IF NOT EXISTS`, an `ALTER USER` when the password
/// came from the environment, and the grants.
fn script(db_name: &str, specs: &[(UserSpec, Source)]) -> String {
    let mut out = format!(
        "-- Lars: database {db_name}, its tables and its users (lars db init --print-sql).\n\
         CREATE DATABASE IF NOT EXISTS `{db_name}` DEFAULT CHARACTER SET utf8mb4;\n\
         USE `{db_name}`;\n\n{MYSQL_SCHEMA}\n"
    );
    for (spec, source) in specs {
        let user = &spec.user;
        out.push_str(&format!("\n-- {}: {user}\n", user.role.describe()));
        out.push_str(&format!("{};\n", user.create_sql(&spec.password)));
        if let Source::Env(_) = source {
            out.push_str(&format!("{};\n", user.set_password_sql(&spec.password)));
        }
        for grant in user.grant_sql(db_name) {
            out.push_str(&format!("{grant};\n"));
        }
    }
    out
}

/// What `db init` did, one line per user, and where each password goes.
fn report(
    server: &MysqlSettings,
    admin_user: &str,
    specs: &[(UserSpec, Source)],
    outcomes: &[PasswordOutcome],
) -> String {
    let mut out = format!(
        "database {} on {}:{}: tables ready (as {admin_user})\n",
        server.db_name, server.host, server.port
    );
    for ((spec, source), outcome) in specs.iter().zip(outcomes) {
        let password = match (outcome, source) {
            (PasswordOutcome::Created, Source::Generated) => {
                format!(
                    "created; generated password (shown once): {}",
                    spec.password
                )
            }
            (PasswordOutcome::Created, Source::Env(var)) => format!("created; password from {var}"),
            (PasswordOutcome::Replaced, Source::Env(var)) => {
                format!("exists; password replaced from {var}")
            }
            _ => "exists; password unchanged".to_string(),
        };
        out.push_str(&format!(
            "  {:<36} {:<36} {password}\n",
            spec.user.to_string(),
            spec.user.role.describe()
        ));
    }
    out.push_str(
        "each part logs in as its user: [mysql] db_user in conf/lars_dns.conf, \
         conf/lars_reporter.conf, conf/lars_admin.conf and conf/lars_web.conf; \
         its password in LARS_DB_PASSWD (or db_passwd)\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn args() -> DbInitArgs {
        DbInitArgs {
            config: PathBuf::from("unused.conf"),
            admin_user: "root".into(),
            client_host: "10.0.0.%".into(),
            dns_user: "d".into(),
            reporter_user: "r".into(),
            route_admin_user: "a".into(),
            print_sql: false,
        }
    }

    fn fixed() -> anyhow::Result<String> {
        Ok("Generated123".into())
    }

    #[test]
    fn passwords_come_from_each_roles_variable_or_are_generated() {
        let env =
            |key: &str| (key == "LARS_REPORTER_DB_PASSWD").then(|| "From-env-123".to_string());
        let specs = user_specs(&args(), &env, &fixed).unwrap();
        let summary: Vec<_> = specs
            .iter()
            .map(|(s, src)| {
                (
                    s.user.to_string(),
                    s.password.as_str(),
                    s.replace_password,
                    src.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "d@10.0.0.%".to_string(),
                    "Generated123",
                    false,
                    Source::Generated
                ),
                (
                    "r@10.0.0.%".to_string(),
                    "From-env-123",
                    true,
                    Source::Env("LARS_REPORTER_DB_PASSWD")
                ),
                (
                    "a@10.0.0.%".to_string(),
                    "Generated123",
                    false,
                    Source::Generated
                ),
            ]
        );
    }

    #[test]
    fn a_bad_password_or_name_is_an_error_naming_it() {
        let env = |key: &str| (key == "LARS_DNS_DB_PASSWD").then(|| "it's bad".to_string());
        let err = user_specs(&args(), &env, &fixed).unwrap_err().to_string();
        assert!(err.starts_with("LARS_DNS_DB_PASSWD: "), "{err}");
        let mut bad = args();
        bad.reporter_user = "x;y".into();
        let err = user_specs(&bad, &|_| None, &fixed).unwrap_err().to_string();
        assert!(err.contains("user name 'x;y'"), "{err}");
    }

    #[test]
    fn generated_passwords_are_24_letters_and_digits_and_differ() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert!(check_password(&a).is_ok());
        assert_ne!(a, b);
    }

    #[test]
    fn the_script_creates_everything_and_sets_only_given_passwords() {
        let env = |key: &str| (key == "LARS_DNS_DB_PASSWD").then(|| "From-env-123".to_string());
        let specs = user_specs(&args(), &env, &fixed).unwrap();
        let sql = script("lars", &specs);
        assert!(sql.starts_with("-- Lars: database lars"));
        assert!(sql.contains("CREATE DATABASE IF NOT EXISTS `lars`"));
        assert!(sql.contains("CREATE TABLE IF NOT EXISTS RouteData"));
        assert_eq!(sql.matches("CREATE USER IF NOT EXISTS").count(), 3);
        assert_eq!(sql.matches("ALTER USER").count(), 1);
        assert!(sql.contains("ALTER USER 'd'@'10.0.0.%' IDENTIFIED BY 'From-env-123';"));
        assert!(sql.contains(
            "GRANT SELECT, INSERT, UPDATE ON `lars`.`ServerCallStatus` TO 'r'@'10.0.0.%';"
        ));
        assert_eq!(sql.matches("REVOKE ALL PRIVILEGES").count(), 3);
    }
}
