//! Shared pieces of the QPS benchmarks: a timed ping-pong driver over
//! blocking sockets.
#![warn(missing_docs)]

pub mod pingpong;
