//! What the daemon targets share: running a proptest strategy with the
//! fuzz configuration, and a TCP garbage connection.
#![allow(dead_code)]

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use lars_fuzz::pieces::Piece;
use lars_fuzz::PanicWatch;
use proptest::strategy::Strategy;
use proptest::test_runner::{TestCaseError, TestRunner};

/// How long a daemon may take to answer or to close a connection.
pub const ANSWER: Duration = Duration::from_secs(5);

/// Runs `case` on [`lars_fuzz::cases`] values of `strategy`; fails, naming
/// the input, when a case fails or any thread panicked during it.
pub fn fuzz<S: Strategy>(strategy: S, case: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let watch = PanicWatch::install();
    let started = Instant::now();
    let mut runner = TestRunner::new(lars_fuzz::config());
    let result = runner.run(&strategy, |value| {
        let before = watch.count();
        case(value)?;
        if watch.count() != before {
            return Err(TestCaseError::fail("a thread panicked (see above)"));
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    eprintln!(
        "{} cases in {:.1} s",
        lars_fuzz::cases(),
        started.elapsed().as_secs_f64()
    );
}

/// Fails the case with `what` unless `ok`.
pub fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if ok {
        Ok(())
    } else {
        Err(TestCaseError::fail(what()))
    }
}

/// A connection to `addr` that has been sent `pieces`, one write each
/// (a write the server refused by closing is not an error: closing is
/// its answer to some garbage).
pub fn garbage_connection(addr: SocketAddr, pieces: &[Piece]) -> TcpStream {
    let mut conn = TcpStream::connect_timeout(&addr, ANSWER).expect("the daemon accepts");
    conn.set_nodelay(true).unwrap();
    for piece in pieces {
        if conn.write_all(&piece.bytes()).is_err() {
            break;
        }
    }
    conn
}

/// Ends what we send on `conn` and reads (discarding the answers to the
/// garbage) until the daemon closes it; whether it did within [`ANSWER`].
/// The daemon has then handled every byte it read.
pub fn closed_after_our_end(mut conn: TcpStream) -> bool {
    let _ = conn.shutdown(Shutdown::Write);
    let deadline = Instant::now() + ANSWER;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        conn.set_read_timeout(Some(left)).unwrap();
        match conn.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // Reset: the daemon closed with our bytes unread.
            Err(_) => return true,
        }
    }
}
