//! [`wait_until`]: poll a condition until it holds or a deadline passes,
//! instead of sleeping a fixed time and hoping.

use std::time::{Duration, Instant};

/// How often [`wait_until`] looks again.
const POLL: Duration = Duration::from_millis(2);

/// Polls `cond` until it holds or `timeout` passes; returns whether it
/// held. The condition is evaluated at least once, and once more at the
/// deadline.
///
/// ```
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// assert!(lars_testkit::wait_until(Duration::from_secs(5), || start.elapsed() > Duration::from_millis(5)));
/// assert!(!lars_testkit::wait_until(Duration::from_millis(10), || false));
/// ```
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
}
