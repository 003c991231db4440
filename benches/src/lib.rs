//! Shared pieces of the QPS benchmarks: a timed ping-pong driver over
//! blocking sockets, and the echo server of the reactor QPS test.
#![warn(missing_docs)]

pub mod echo;
pub mod pingpong;
