//! lars-reporter configured from a conf file's `[reactor]` keys: peers
//! outside `allow` are refused and counted in `/metrics`, peers inside are
//! stored; a peer that trickles a frame is cut at `frame_timeout`.

mod util;

use std::net::IpAddr;

use lars_reactor::Config;
use lars_reporter::{ReporterConfig, ReporterService};
use lars_testkit::client::FrameClient;
use lars_testkit::http::Exposition;
use lars_testkit::stores::TempSqlite;

use util::*;

fn start(db: &TempSqlite, reactor: &str) -> ReporterService {
    let text = format!(
        "[reactor]\nport = 0\nthreadNum = 2\n{reactor}\n{}[reporter]\nflush_interval = 0.05\n\
         [metrics]\nlisten = 127.0.0.1:0\n",
        db.ini()
    );
    let cfg = ReporterConfig::from_config(&Config::parse(&text, "reporter.conf").unwrap());
    ReporterService::start(cfg.unwrap()).unwrap()
}

fn counted(service: &ReporterService, name: &str, reason: &str) -> Option<f64> {
    Exposition::scrape(service.http_addr().unwrap()).value(name, &[("reason", reason)])
}

#[test]
fn peers_outside_allow_are_refused_inside_are_stored() {
    let db = TempSqlite::new("rep_allow");
    let service = start(&db, "allow = 127.0.0.1");
    let addr = service.local_addr();
    let mut outsider = FrameClient::connect_from(IpAddr::from([127, 0, 0, 7]), addr).unwrap();
    assert!(outsider.closed_within(WAIT));
    let mut agent = FrameClient::connect_from(IpAddr::from([127, 0, 0, 1]), addr).unwrap();
    let reports = modules(1, 3, 2, 1);
    send_all(&mut agent, &reports);
    assert_table(&db.config, &latest(&reports));
    let refused = "lars_reporter_connections_refused_total";
    assert_eq!(counted(&service, refused, "not_allowed"), Some(1.0));
    assert_eq!(counted(&service, refused, "max_conn_per_ip"), Some(0.0));
}

#[test]
fn a_trickled_frame_is_cut_at_the_frame_timeout() {
    let db = TempSqlite::new("rep_trickle");
    let service = start(&db, "frame_timeout = 0.3\nidle_timeout = 0");
    let mut trickler = FrameClient::connect(service.local_addr()).unwrap();
    let mut idle = FrameClient::connect(service.local_addr()).unwrap();
    // A header announcing 100 bytes, and 3 of them.
    let mut partial = lars_proto::msgid::REPORT_STATUS_REQUEST
        .to_le_bytes()
        .to_vec();
    partial.extend(100i32.to_le_bytes());
    partial.extend([0x08, 0x01, 0x10]);
    trickler.send_bytes(&partial).unwrap();
    assert!(trickler.closed_within(WAIT));
    let timed_out = "lars_reporter_connections_timed_out_total";
    assert_eq!(counted(&service, timed_out, "frame_timeout"), Some(1.0));
    let reports = modules(10, 1, 1, 1);
    send_all(&mut idle, &reports);
    assert_table(&db.config, &latest(&reports));
    assert_eq!(counted(&service, timed_out, "idle"), Some(0.0));
}
