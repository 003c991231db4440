//! The behaviour check of the route size bound both backends must pass: a
//! module with `Route::MAX_HOSTS` hosts takes no more, and the refusal
//! writes nothing.

use super::{host, m, Fixture};
use lars_proto::{HostAddr, ModuleId, Route};
use lars_store::StoreError;

/// Writes `n` hosts of `module` straight into `RouteData` (one
/// transaction; no version bump): a route as large as a hand-written
/// database could hold, in a fraction of the time of `n` edits.
pub trait RawRoutes {
    /// Inserts hosts 10.x.y.z:80 numbered 0..n.
    fn insert_raw_hosts(&self, module: ModuleId, n: u32);
}

fn raw_host(i: u32) -> HostAddr {
    HostAddr::from_number(0x0a00_0000 + i, 80)
}

/// `RouteData` rows as SQL values, `(modid, cmdid, ip, port)`.
pub fn raw_rows(module: ModuleId, n: u32) -> Vec<String> {
    (0..n)
        .map(|i| {
            let h = raw_host(i);
            format!(
                "({}, {}, {}, {}, 1)",
                module.modid,
                module.cmdid,
                h.ip_number(),
                h.port
            )
        })
        .collect()
}

/// At `MAX_HOSTS` hosts an add is refused naming the limit and the frame,
/// nothing is written; other edits of the module still work.
pub fn a_full_route_takes_no_more_hosts<F: Fixture + RawRoutes>(fx: &F) {
    let module = m(5, 1);
    let mut store = fx.routes();
    let below = (Route::MAX_HOSTS - 1) as u32;
    fx.insert_raw_hosts(module, below);
    let v0 = store.version().unwrap();
    store.add_host(module, host("192.168.0.1:80")).unwrap();
    let err = store
        .add_host(module, host("192.168.0.2:80"))
        .expect_err("the route is full");
    assert!(
        matches!(err, StoreError::RouteFull { limit: 3274, .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.ends_with(
            "add host 192.168.0.2:80 to module 5/1: the module has 3274 hosts, the most \
             a route can have (its answer must fit one 65527-byte frame)"
        ),
        "{text}"
    );
    assert_eq!(
        store.version().unwrap(),
        v0 + 1,
        "the refusal bumped nothing"
    );
    assert_eq!(
        store.list_routes(Some(5), Some(1)).unwrap().len(),
        Route::MAX_HOSTS
    );
    // Another module, and removing a host of this one, are not affected.
    store.add_host(m(5, 2), host("192.168.0.2:80")).unwrap();
    store.del_host(module, raw_host(0)).unwrap();
    store.add_host(module, host("192.168.0.2:80")).unwrap();
}

impl RawRoutes for lars_testkit::stores::TempSqlite {
    fn insert_raw_hosts(&self, module: ModuleId, n: u32) {
        let mut conn = rusqlite::Connection::open(self.path()).unwrap();
        let tx = conn.transaction().unwrap();
        for chunk in raw_rows(module, n).chunks(500) {
            let sql = format!(
                "INSERT INTO RouteData (modid, cmdid, serverip, serverport, weight) VALUES {}",
                chunk.join(", ")
            );
            tx.execute(&sql, []).unwrap();
        }
        tx.commit().unwrap();
    }
}

impl RawRoutes for lars_testkit::stores::TempMysql {
    fn insert_raw_hosts(&self, module: ModuleId, n: u32) {
        use mysql::prelude::Queryable;
        let mut conn = self.admin();
        conn.query_drop(format!("USE {}", self.db_name())).unwrap();
        for chunk in raw_rows(module, n).chunks(500) {
            conn.query_drop(format!(
                "INSERT INTO RouteData (modid, cmdid, serverip, serverport, weight) VALUES {}",
                chunk.join(", ")
            ))
            .unwrap();
        }
    }
}
