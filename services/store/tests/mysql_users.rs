//! The least-privilege users on MariaDB: each role can do what its part of
//! Lars does and nothing else — above all, the reporter's user cannot
//! change `RouteData`. Every test has a database and users of its own,
//! dropped at the end.

use lars_proto::{HostAddr, ModuleId, Policy, RoutePolicy};
use lars_store::{
    open_route_store, open_status_store, CallStatus, DbRole, DbUser, MysqlSettings, MysqlStore,
    PasswordOutcome, RouteStore, StoreError, StoreSettings, UserSpec,
};
use lars_testkit::stores::TempMysql;
use mysql::prelude::Queryable;

const PASSWORD: &str = "Test-pass-1234";

/// ER_TABLEACCESS_DENIED_ERROR.
const TABLE_ACCESS_DENIED: u16 = 1142;

/// A database with the three users of its own.
struct Setup {
    db: TempMysql,
    users: Vec<DbUser>,
}

impl Setup {
    fn new(prefix: &str) -> Setup {
        let db = TempMysql::new(prefix);
        let StoreSettings::Mysql(root) = &db.config else {
            unreachable!("a TempMysql holds MySQL settings")
        };
        let mut admin = MysqlStore::open(root).expect("open as root: database and schema");
        let users: Vec<DbUser> = DbRole::ALL
            .iter()
            .zip(["dns", "rep", "adm"])
            .map(|(&role, suffix)| {
                DbUser::new(role, &format!("{}_{suffix}", db.db_name()), "127.0.0.1").unwrap()
            })
            .collect();
        let specs: Vec<UserSpec> = users.iter().map(|u| spec(u, PASSWORD, false)).collect();
        let outcomes = admin.init_users(&specs).unwrap();
        assert_eq!(outcomes, [PasswordOutcome::Created; 3]);
        Setup { db, users }
    }

    fn user(&self, role: DbRole) -> &DbUser {
        self.users.iter().find(|u| u.role == role).unwrap()
    }

    /// The database as `role`'s user logs in to it.
    fn settings(&self, role: DbRole) -> StoreSettings {
        self.login(role, PASSWORD)
    }

    fn login(&self, role: DbRole, password: &str) -> StoreSettings {
        let StoreSettings::Mysql(root) = &self.db.config else {
            unreachable!()
        };
        StoreSettings::Mysql(MysqlSettings {
            user: self.user(role).name().to_string(),
            passwd: password.to_string(),
            ..root.clone()
        })
    }

    /// A plain connection as `role`'s user, the database selected.
    fn raw(&self, role: DbRole) -> mysql::Conn {
        let StoreSettings::Mysql(m) = self.settings(role) else {
            unreachable!()
        };
        let opts = mysql::OptsBuilder::new()
            .ip_or_hostname(Some(m.host))
            .tcp_port(m.port)
            .user(Some(m.user))
            .pass(Some(m.passwd))
            .db_name(Some(m.db_name))
            .prefer_socket(false);
        mysql::Conn::new(opts).expect("log in as the role's user")
    }

    fn root_store(&self) -> MysqlStore {
        let StoreSettings::Mysql(root) = &self.db.config else {
            unreachable!()
        };
        MysqlStore::open(root).unwrap()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let mut admin = self.db.admin();
        for user in &self.users {
            let _ = admin.query_drop(format!("DROP USER IF EXISTS {}", user.account()));
        }
    }
}

fn spec(user: &DbUser, password: &str, replace_password: bool) -> UserSpec {
    UserSpec {
        user: user.clone(),
        password: password.to_string(),
        replace_password,
    }
}

/// The server's error code in a refused statement.
fn code(result: mysql::Result<()>) -> Option<u16> {
    match result {
        Err(mysql::Error::MySqlError(e)) => Some(e.code),
        _ => None,
    }
}

/// Whether a store error is the server's "access denied" for a table.
fn denied<T: std::fmt::Debug>(result: Result<T, StoreError>) -> bool {
    match result {
        Err(StoreError::Mysql {
            source: mysql::Error::MySqlError(e),
            ..
        }) => e.code == TABLE_ACCESS_DENIED,
        other => panic!("expected access denied, got {other:?}"),
    }
}

fn module() -> ModuleId {
    ModuleId::new(7, 1)
}

fn host() -> HostAddr {
    "10.0.0.7:9000".parse().unwrap()
}

fn row() -> CallStatus {
    CallStatus {
        module: module(),
        host: host(),
        caller: [10, 9, 9, 9].into(),
        succ_cnt: 5,
        err_cnt: 1,
        ts: 1_700_000_000,
        overload: false,
    }
}

#[test]
fn the_reporters_user_cannot_change_route_data() {
    let setup = Setup::new("lp_rep");
    setup.root_store().add_host(module(), host()).unwrap();
    let mut raw = setup.raw(DbRole::Reporter);
    for stmt in [
        "UPDATE RouteData SET weight = 2",
        "INSERT INTO RouteData (modid, cmdid, serverip, serverport) VALUES (1, 1, 1, 1)",
        "DELETE FROM RouteData",
        "UPDATE RouteVersion SET version = version + 1",
        "DELETE FROM RouteChange",
        "DROP TABLE RouteData",
    ] {
        assert_eq!(
            code(raw.query_drop(stmt)),
            Some(TABLE_ACCESS_DENIED),
            "{stmt}"
        );
    }
    let mut routes = open_route_store(&setup.settings(DbRole::Reporter))
        .expect("the store opens without creating tables");
    assert!(denied(
        routes.add_host(module(), "10.0.0.8:9000".parse().unwrap())
    ));
    assert!(denied(routes.load_routes()));

    let mut statuses = open_status_store(&setup.settings(DbRole::Reporter)).unwrap();
    statuses.upsert_statuses(&[row()]).unwrap();
    let newer = CallStatus {
        succ_cnt: 9,
        ..row()
    };
    statuses.upsert_statuses(&[newer]).unwrap();
    assert_eq!(statuses.read_statuses(None, None).unwrap(), [newer]);
    let mut root = setup.root_store();
    assert_eq!(
        root.list_routes(None, None).unwrap().len(),
        1,
        "RouteData untouched"
    );
}

#[test]
fn the_dns_user_reads_routes_and_consumes_changes_only() {
    let setup = Setup::new("lp_dns");
    let version = setup.root_store().add_host(module(), host()).unwrap();
    let mut dns = open_route_store(&setup.settings(DbRole::Dns)).unwrap();
    assert_eq!(dns.version().unwrap(), version);
    let routes = dns.load_routes().unwrap();
    assert_eq!(routes.len(), 1);
    assert_eq!(dns.changed_modules(version).unwrap(), [module()]);
    assert_eq!(dns.delete_changes(version).unwrap(), 1);
    dns.clear_changes().unwrap();
    assert!(denied(
        dns.add_host(module(), "10.0.0.8:9000".parse().unwrap())
    ));
    assert!(denied(dns.last_changes(None, None)));
    let mut statuses = open_status_store(&setup.settings(DbRole::Dns)).unwrap();
    assert!(denied(statuses.upsert_statuses(&[row()])));
    assert!(denied(statuses.read_statuses(None, None)));
}

#[test]
fn the_route_admin_edits_routes_and_reads_statistics_only() {
    let setup = Setup::new("lp_adm");
    let mut admin = open_route_store(&setup.settings(DbRole::RouteAdmin)).unwrap();
    let v1 = admin.add_host(module(), host()).unwrap();
    let v2 = admin
        .set_policy(module(), RoutePolicy::new(Policy::Wrr, 30).unwrap())
        .unwrap();
    assert_eq!((v1, v2), (1, 2));
    assert_eq!(admin.last_changes(None, None).unwrap().len(), 1);
    assert_eq!(admin.list_policies(None, None).unwrap().len(), 1);
    admin.del_host(module(), host()).unwrap();
    assert!(denied(admin.delete_changes(u64::MAX)));

    open_status_store(&setup.root_store_settings())
        .unwrap()
        .upsert_statuses(&[row()])
        .unwrap();
    let mut statuses = open_status_store(&setup.settings(DbRole::RouteAdmin)).unwrap();
    assert_eq!(statuses.read_statuses(None, None).unwrap(), [row()]);
    assert!(denied(statuses.upsert_statuses(&[row()])));
}

#[test]
fn a_second_init_keeps_passwords_unless_told_and_revokes_extra_rights() {
    let setup = Setup::new("lp_again");
    let reporter = setup.user(DbRole::Reporter).clone();
    let mut root = setup.root_store();
    let mut admin = setup.db.admin();
    admin
        .query_drop(format!(
            "GRANT DELETE ON `{}`.`RouteData` TO {}",
            setup.db.db_name(),
            reporter.account()
        ))
        .unwrap();

    let outcomes = root
        .init_users(&[spec(&reporter, "Other-pass-5678", false)])
        .unwrap();
    assert_eq!(outcomes, [PasswordOutcome::Kept]);
    assert!(open_status_store(&setup.settings(DbRole::Reporter)).is_ok());
    assert_eq!(
        code(
            setup
                .raw(DbRole::Reporter)
                .query_drop("DELETE FROM RouteData")
        ),
        Some(TABLE_ACCESS_DENIED),
        "the extra right is revoked"
    );

    let outcomes = root
        .init_users(&[spec(&reporter, "Other-pass-5678", true)])
        .unwrap();
    assert_eq!(outcomes, [PasswordOutcome::Replaced]);
    assert!(open_status_store(&setup.login(DbRole::Reporter, "Other-pass-5678")).is_ok());
    assert!(open_status_store(&setup.settings(DbRole::Reporter)).is_err());
}

#[test]
fn a_password_that_could_break_out_of_its_quotes_is_refused() {
    let setup = Setup::new("lp_pw");
    let user = setup.user(DbRole::Dns).clone();
    let err = setup
        .root_store()
        .init_users(&[spec(&user, "x' OR '1'='1", true)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("its password may only contain"), "{err}");
    assert!(open_route_store(&setup.settings(DbRole::Dns)).is_ok());
}

impl Setup {
    fn root_store_settings(&self) -> StoreSettings {
        self.db.config.clone()
    }
}
