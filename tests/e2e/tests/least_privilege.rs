//! MariaDB set up by `lars db init`: the real daemons run as their own
//! least-privilege users and the stack works end to end — routes served
//! and pushed, statistics stored — while the DNS user may not write a
//! route. A second `lars db init` changes nothing.

use std::process::Output;
use std::time::{Duration, Instant};

use lars_api::{ModuleId, RetCode};
use lars_e2e::{binary, Stack, Store};
use lars_store::open_status_store;
use lars_testkit::stores::{mysql_password, mysql_server, TempMysql};
use lars_testkit::{wait_until, ScratchDir};
use mysql::prelude::Queryable;

const T: Duration = Duration::from_millis(500);

/// The users of one test, dropped from the server at the end.
struct Users {
    names: [String; 3],
}

impl Drop for Users {
    fn drop(&mut self) {
        let mut admin = TempMysql::new("e2e_lp_cleanup").admin();
        for name in &self.names {
            let _ = admin.query_drop(format!("DROP USER IF EXISTS '{name}'@'127.0.0.1'"));
        }
    }
}

/// `[store]`/`[mysql]` lines naming `db_name` on the test server as `user`.
fn login(db_name: &str, user: &str, password: &str) -> String {
    let server = mysql_server();
    format!(
        "[store]\nbackend = mysql\n[mysql]\ndb_host = {}\ndb_port = {}\ndb_user = {user}\n\
         db_passwd = {password}\ndb_name = {db_name}\n",
        server.host, server.port
    )
}

/// `lars ARGS` in `dir`, with the passwords `db init` reads.
fn lars(dir: &std::path::Path, args: &[&str], passwords: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(binary("lars"));
    cmd.args(args)
        .current_dir(dir)
        .env("LARS_DB_ADMIN_PASSWD", mysql_password())
        .env_remove("LARS_DNS_DB_PASSWD")
        .env_remove("LARS_REPORTER_DB_PASSWD")
        .env_remove("LARS_ROUTE_ADMIN_DB_PASSWD")
        .env_remove("LARS_DB_PASSWD");
    for (key, value) in passwords {
        cmd.env(key, value);
    }
    cmd.output().expect("run lars")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_stack_runs_as_least_privilege_users() {
    let db = TempMysql::new("e2e_lp");
    let db_name = db.db_name().to_string();
    let names = ["dns", "rep", "adm"].map(|role| format!("{db_name}_{role}"));
    let _users = Users {
        names: names.clone(),
    };
    let passwords = ["Dns-pass-123", "Rep-pass-456", "Adm-pass-789"];
    let work = ScratchDir::new("e2e_lp");
    std::fs::write(
        work.join("admin.conf"),
        login(&db_name, &names[2], passwords[2]),
    )
    .unwrap();
    let init_args = [
        "db",
        "init",
        "--config",
        "admin.conf",
        "--client-host",
        "127.0.0.1",
        "--dns-user",
        &names[0],
        "--reporter-user",
        &names[1],
        "--route-admin-user",
        &names[2],
    ];
    let out = lars(
        work.path(),
        &init_args,
        &[
            ("LARS_DNS_DB_PASSWD", passwords[0]),
            ("LARS_REPORTER_DB_PASSWD", passwords[1]),
            ("LARS_ROUTE_ADMIN_DB_PASSWD", passwords[2]),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    for var in [
        "LARS_DNS_DB_PASSWD",
        "LARS_REPORTER_DB_PASSWD",
        "LARS_ROUTE_ADMIN_DB_PASSWD",
    ] {
        assert!(
            said.contains(&format!("created; password from {var}")),
            "{said}"
        );
    }
    let again = lars(work.path(), &init_args, &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(
        text(&again).matches("exists; password unchanged").count(),
        3,
        "{}",
        text(&again)
    );

    let root_settings = db.config.clone();
    let stack = Stack::start_with_logins(
        Store::Mysql(db),
        "",
        &login(&db_name, &names[0], passwords[0]),
        &login(&db_name, &names[1], passwords[1]),
    );
    std::fs::write(
        stack.dir.join("admin.conf"),
        login(&db_name, &names[2], passwords[2]),
    )
    .unwrap();
    let mut client = stack.client(T);
    let module = ModuleId::new(1, 1);
    let deadline = Instant::now() + Duration::from_secs(10);
    while client.reg_init(module) != RetCode::Succ {
        assert!(Instant::now() < deadline, "lars-dns serves no route of 1/1");
    }
    assert_eq!(client.get_route(module).unwrap().len(), 3);

    // The route admin writes, lars-dns (reading as its own user) pushes.
    let add = lars(
        &stack.dir,
        &[
            "route",
            "--config",
            "admin.conf",
            "add",
            "1",
            "1",
            "10.1.1.1:1",
        ],
        &[],
    );
    assert!(add.status.success(), "{}", text(&add));
    assert!(wait_until(Duration::from_secs(3), || {
        client.get_route(module).unwrap().len() == 4
    }));
    // lars-dns's user may not.
    let refused = lars(
        &stack.dir,
        &[
            "route",
            "--config",
            "dns.conf",
            "add",
            "1",
            "1",
            "10.1.1.2:1",
        ],
        &[],
    );
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("command denied"),
        "{}",
        text(&refused)
    );

    // lars-reporter stores statistics as its own user.
    let (code, host) = client.get_host(module).unwrap();
    assert_eq!(code, RetCode::Succ);
    let host = host.unwrap();
    client.report(module, host, RetCode::Succ).unwrap();
    let mut statuses = open_status_store(&root_settings).unwrap();
    assert!(
        wait_until(Duration::from_secs(3), || {
            statuses
                .read_statuses(Some(1), Some(1))
                .unwrap()
                .iter()
                .any(|s| s.host == host && s.succ_cnt == 1)
        }),
        "{:?}",
        statuses.read_statuses(Some(1), Some(1))
    );
}
