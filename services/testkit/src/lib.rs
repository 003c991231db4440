//! Helpers for integration tests of the Lars services: a blocking frame
//! client over TCP and UDP, a TCP proxy that can be cut to simulate a store
//! outage, per-test SQLite files and MariaDB databases, and polling with a
//! deadline.
#![warn(missing_docs)]

pub mod client;
pub mod proxy;
pub mod stores;

use std::time::{Duration, Instant};

/// Polls `cond` every 10 ms until it holds or `timeout` passes; returns
/// whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
