//! Reactor QPS benchmark on the reactor's echo service (feature `echo`): an
//! in-process echo server with 2 worker loops; 1, 2 and 8 client
//! connections each do ping-pong for a fixed time. Prints round trips per
//! second.
//!
//! `cargo bench -p lars-benches --bench echo_qps` (LARS_BENCH_SECS=5 default).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use lars_benches::pingpong;
use lars_reactor::{echo_handlers, EchoMessage, ECHO_MSGID};
use lars_reactor::{frame, ServerConfig, TcpServer};

fn main() {
    let mut config = ServerConfig::new("echo", "127.0.0.1:0".parse().unwrap());
    config.threads = 2;
    let server = TcpServer::start(config, echo_handlers).expect("start echo server");
    let addr = server.local_addr();
    let secs = pingpong::bench_seconds(5);
    println!("echo QPS: server with 2 worker loops on {addr}, {secs:?} per run");
    for clients in [1usize, 2, 8] {
        let result = pingpong::run(clients, secs, move |i| {
            let request = frame::frame_to_vec(ECHO_MSGID, &EchoMessage::hello(i as i32))
                .expect("small frame");
            let mut stream = TcpStream::connect(addr).expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("timeout");
            let mut reply = vec![0u8; request.len()];
            move || stream.write_all(&request).is_ok() && stream.read_exact(&mut reply).is_ok()
        });
        println!(
            "{clients} connection(s): {:>9.0} round trips/s",
            result.per_second()
        );
    }
}
