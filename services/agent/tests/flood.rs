//! A flood of requests for random modules: it cannot crowd real modules
//! out of the DNS service's subscriptions, so a real route change still
//! reaches the agent at once.

mod util;

use std::sync::Arc;
use std::time::Duration;

use lars_agent::ManualClock;
use lars_dns::{DnsConfig, DnsService};
use lars_proto::{ModuleId, RetCode};
use lars_reactor::ServerConfig;
use lars_store::open_route_store;
use lars_testkit::stores::TempSqlite;
use lars_testkit::wait_until;
use util::*;

/// Requests to any module through the client library, which picks the
/// port itself.
struct Flooder(std::cell::RefCell<lars_api::LarsClient>);

impl Flooder {
    fn get_host(&self, module: ModuleId) -> (RetCode, Option<lars_api::HostAddr>) {
        self.0.borrow_mut().get_host(module).unwrap()
    }
}

fn raw_client(agent: &lars_agent::Agent) -> Flooder {
    let options = lars_api::ClientOptions {
        base_port: agent.udp_addrs()[0].port(),
        timeout: Duration::from_secs(1),
        ..lars_api::ClientOptions::default()
    };
    Flooder(std::cell::RefCell::new(
        lars_api::LarsClient::with_options(options).unwrap(),
    ))
}

#[test]
fn after_a_flood_of_junk_modules_a_real_route_change_arrives_within_2_s() {
    let db = TempSqlite::new("agent_flood");
    let mut server = ServerConfig::new("lars-dns", "127.0.0.1:0".parse().unwrap());
    server.threads = 1;
    // A small subscription quota, so a few thousand junk modules would
    // exhaust it.
    let dns = DnsService::start(DnsConfig {
        server,
        store: db.config.clone(),
        poll_interval: Duration::from_millis(50),
        reload_interval: Duration::from_secs(10),
        store_connect_attempts: 1,
        max_subscriptions_per_conn: 200,
        metrics_listen: None,
    })
    .unwrap();
    let (reporter, _reports) = reporter_stand_in_on("127.0.0.1:0".parse().unwrap());
    let clock = Arc::new(ManualClock::new(WALL));
    let agent = agent(dns.local_addr(), reporter.local_addr(), "", NEVER, &clock);
    let mut api = Api::new(&agent);

    // 3000 modules nobody routes: each is created, pulled and dropped.
    let flooder = raw_client(&agent);
    for i in 0..3000 {
        let module = ModuleId::new(1000 + i, 7);
        let (code, host) = flooder.get_host(module);
        assert_eq!((code, host), (RetCode::NoExist, None));
    }
    assert!(
        wait_until(Duration::from_secs(5), || dns.subscription_count() == 0),
        "junk modules hold {} subscriptions",
        dns.subscription_count()
    );

    // A real module asked after the flood (in the next second: this one's
    // new-module budget went to the junk) is subscribed and pushed.
    clock.advance(1);
    api.wait_for_host(2, 1);
    assert_eq!(dns.subscription_count(), 1);
    open_route_store(&db.config)
        .unwrap()
        .add_host(ModuleId::new(2, 1), "10.2.1.9:9".parse().unwrap())
        .unwrap();
    // The manual clock stands still: only a push can bring the change.
    assert!(
        wait_until(Duration::from_secs(2), || api.get_route(2, 1).len() == 2),
        "the route change did not arrive within 2 s"
    );
}
