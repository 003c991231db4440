//! [`PanicWatch`]: counts the panics of every thread of the process, so a
//! daemon thread that panics on bad input fails the case even when the
//! daemon would carry on.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Once;

static PANICS: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();

/// The process's panic counter. Safe from any thread.
#[derive(Debug, Clone, Copy)]
pub struct PanicWatch;

impl PanicWatch {
    /// Installs the counting panic hook (once per process; the previous
    /// hook still prints the panic).
    pub fn install() -> PanicWatch {
        INSTALL.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                PANICS.fetch_add(1, Ordering::SeqCst);
                previous(info);
            }));
        });
        PanicWatch
    }

    /// Panics seen so far, in any thread.
    pub fn count(self) -> usize {
        PANICS.load(Ordering::SeqCst)
    }
}
