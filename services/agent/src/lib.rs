//! lars-agent.
#![warn(missing_docs)]
pub mod lb;
