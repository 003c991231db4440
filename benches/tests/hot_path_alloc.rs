//! The server's hot path does not allocate per message: after warm-up, a
//! ping-pong of many echo round trips performs (almost) no heap allocation
//! in the whole process. The client side here is allocation-free by
//! construction (a pre-encoded request, a fixed reply buffer).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicU64, Ordering};

use lars_reactor::{echo_handlers, EchoMessage, ECHO_MSGID};
use lars_reactor::{frame, ServerConfig, TcpServer};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator, which
// upholds the `GlobalAlloc` contract; counting touches only an atomic.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn echo_round_trips_do_not_allocate_on_the_server() {
    let mut config = ServerConfig::new("alloc", "127.0.0.1:0".parse().unwrap());
    config.threads = 2;
    let server = TcpServer::start(config, echo_handlers).unwrap();

    let request = frame::frame_to_vec(ECHO_MSGID, &EchoMessage::hello(7)).unwrap();
    let mut stream = std::net::TcpStream::connect(server.local_addr()).unwrap();
    stream.set_nodelay(true).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut reply = vec![0u8; request.len()];
    let mut round_trip = |stream: &mut std::net::TcpStream| {
        stream.write_all(&request).unwrap();
        stream.read_exact(&mut reply).unwrap();
        assert_eq!(reply, request);
    };
    for _ in 0..1000 {
        round_trip(&mut stream);
    }
    let before = ALLOCS.load(Ordering::SeqCst);
    const ROUND_TRIPS: u64 = 20_000;
    for _ in 0..ROUND_TRIPS {
        round_trip(&mut stream);
    }
    let allocs = ALLOCS.load(Ordering::SeqCst) - before;
    assert!(
        allocs < 50,
        "{allocs} allocations during {ROUND_TRIPS} round trips: the hot path allocates"
    );
}
