//! How many cases a fuzz target runs: [`CI_CASES`] unless [`CASES_ENV`]
//! says otherwise (`make fuzz` sets it to a million).

use proptest::test_runner::Config;

/// The environment variable with the number of cases per target.
pub const CASES_ENV: &str = "LARS_FUZZ_CASES";

/// Cases per target when [`CASES_ENV`] is not set: what CI runs.
pub const CI_CASES: u32 = 50_000;

/// The number of cases per target: [`CASES_ENV`], else [`CI_CASES`]. A
/// value that is not a positive number is refused loudly rather than
/// ignored, so a typo cannot turn a long run into a short one.
pub fn cases() -> u32 {
    match std::env::var(CASES_ENV) {
        Err(_) => CI_CASES,
        Ok(text) => match text.trim().parse::<u32>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{CASES_ENV}={text}: not a positive number of cases"),
        },
    }
}

/// proptest's configuration with [`cases`] cases and no shrinking; the
/// rest (e.g. `PROPTEST_RNG_SEED`) as proptest reads it.
///
/// A daemon that failed a case (a thread that panicked, a connection it
/// stopped serving) stays broken for the cases after it, so shrinking
/// would only lead away from the input that broke it: the failing input
/// is reported as it was generated.
pub fn config() -> Config {
    Config {
        cases: cases(),
        max_shrink_iters: 0,
        failure_persistence: None,
        ..Config::default()
    }
}
