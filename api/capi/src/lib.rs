//! # lars-capi
//!
//! The Lars client library for C and C++: `liblars.so` and `liblars.a`,
//! declared by `include/lars.h` (generated from this crate by cbindgen;
//! `tests/header.rs` fails when it is stale). It is a thin shell over
//! [`lars_api`]: the same UDP protocol, the same timeouts.
//!
//! ```c
//! #include "lars.h"
//!
//! LarsClient *lars = NULL;
//! LarsOptions opts = lars_options_default();   /* 127.0.0.1:8888, 50 ms */
//! if (lars_client_new(&opts, &lars) != 0) return 1;
//! lars_reg_init(lars, 1, 1);
//! char ip[LARS_IP_STR_LEN]; uint32_t ipnum; uint16_t port;
//! int rc = lars_get_host(lars, 1, 1, ip, sizeof ip, &ipnum, &port);
//! if (rc == LARS_RET_SUCC) lars_report(lars, 1, 1, ipnum, port, LARS_RET_SUCC);
//! else fprintf(stderr, "%s\n", lars_code_str(rc));
//! /* A module whose policy is hash: the same key, the same host. */
//! uint64_t key = lars_hash_key("user-42", 7);
//! rc = lars_get_host_by_key(lars, 2, 1, key, ip, sizeof ip, &ipnum, &port);
//! /* A module whose policy is ewma: how long the call took, in microseconds. */
//! if (rc == LARS_RET_SUCC) lars_report_with_latency(lars, 2, 1, ipnum, port, LARS_RET_SUCC, 1500);
//! lars_client_free(lars);
//! ```
//!
//! Rules of the boundary (repeated in the header):
//! * Return codes are the wire's `RET_*` values (0..=3) or negative
//!   library errors (`LARS_ERR_*`); [`lars_code_str`] names each.
//! * No panic crosses the boundary: every entry point runs under
//!   `catch_unwind` and answers [`LARS_ERR_PANIC`] instead.
//! * NULL pointers and out-of-range lengths are refused with an error
//!   code before anything is sent ([`lars_hash_key`], which returns a key
//!   rather than a code, returns 0).
//! * Pointers passed in stay the caller's; the library keeps none past the
//!   call. A handle belongs to the caller from `lars_client_new` until
//!   `lars_client_free`. Texts from `lars_code_str` are static.
//! * One handle per thread at a time.
//!
//! ## Layout
//! | file | job |
//! |---|---|
//! | `src/codes.rs` | return codes, their texts, [`lars_code_str`] |
//! | `src/guard.rs` | `catch_unwind` around every entry point, pointer checks |
//! | `src/ip.rs` | [`LarsHost`], IPv4 number ↔ text |
//! | `src/client.rs` | [`LarsOptions`], [`LarsClient`], `reg_init`, `get_route` |
//! | `src/pick.rs` | `get_host` (by key), [`lars_hash_key`], `report` (with latency) |
#![warn(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod client;
mod codes;
mod guard;
mod ip;
mod pick;

pub use client::{
    lars_client_free, lars_client_new, lars_get_route, lars_options_default, lars_reg_init,
    LarsClient, LarsOptions,
};
pub use codes::*;
pub use ip::{lars_ip_from_str, lars_ip_to_str, LarsHost};
pub use pick::{
    lars_get_host, lars_get_host_by_key, lars_hash_key, lars_report, lars_report_with_latency,
};
