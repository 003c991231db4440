//! lars-dns's `GetRouteRequest` handler and the reactor's TCP framing, fed
//! random byte streams over 127.0.0.1: no thread panics, and a valid
//! request after the garbage is answered — on the same connection when
//! the garbage was whole frames, else on another one once the daemon has
//! handled (and closed) the garbage connection.

mod util;

use std::cell::RefCell;
use std::io::Write;

use lars_dns::{DnsConfig, DnsService};
use lars_fuzz::messages::dns_requests;
use lars_fuzz::pieces::stream;
use lars_proto::{frame, msgid, GetRouteRequest, GetRouteResponse, HostAddr};
use lars_reactor::Config;
use lars_testkit::client::FrameClient;
use lars_testkit::stores::TempSqlite;
use prost::Message;
use util::{check, closed_after_our_end, fuzz, garbage_connection, ANSWER};

/// The demo route of module 1/1, which every probe asks for.
const PROBED: [&str; 3] = ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"];

fn probe_request() -> GetRouteRequest {
    GetRouteRequest {
        modid: 1,
        cmdid: 1,
        want_version: false,
    }
}

/// Reads answers on `client` until the one for module 1/1; whether it came
/// within [`ANSWER`] and lists the demo hosts.
fn probe_answered(client: &mut FrameClient) -> bool {
    let deadline = std::time::Instant::now() + ANSWER;
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        let Ok(Some((id, body))) = client.recv(left) else {
            return false;
        };
        let Ok(answer) = GetRouteResponse::decode(&body[..]) else {
            continue;
        };
        if id == msgid::GET_ROUTE_RESPONSE && (answer.modid, answer.cmdid) == (1, 1) {
            let mut hosts: Vec<String> = answer
                .host
                .iter()
                .filter_map(|h| HostAddr::from_wire(h).ok().map(|h| h.to_string()))
                .collect();
            hosts.sort();
            return hosts == PROBED;
        }
    }
    false
}

#[test]
fn random_streams_leave_lars_dns_answering() {
    let store = TempSqlite::new("fuzz_dns");
    let text = format!(
        "[reactor]\nip = 127.0.0.1\nport = 0\nthreadNum = 1\n{}[dns]\nstore_connect_attempts = 1\n",
        store.ini()
    );
    let config = DnsConfig::from_config(&Config::parse(&text, "fuzz-dns.conf").unwrap()).unwrap();
    let dns = DnsService::start(config).unwrap();
    let addr = dns.local_addr();
    let probe = RefCell::new(FrameClient::connect(addr).unwrap());
    let probe_frame = frame::frame_to_vec(msgid::GET_ROUTE_REQUEST, &probe_request()).unwrap();

    fuzz(stream(dns_requests()), |(framed, pieces)| {
        let mut conn = garbage_connection(addr, &pieces);
        if framed {
            conn.write_all(&probe_frame).unwrap();
            let mut same = FrameClient::from_stream(conn.try_clone().unwrap());
            check(probe_answered(&mut same), || {
                "no answer on the garbage connection after whole frames".into()
            })?;
        }
        check(closed_after_our_end(conn), || {
            "the daemon neither closed nor kept reading".into()
        })?;
        let probe = &mut probe.borrow_mut();
        probe
            .send(msgid::GET_ROUTE_REQUEST, &probe_request())
            .unwrap();
        check(probe_answered(probe), || {
            "no answer on a clean connection".into()
        })
    });
    dns.stop();
}
