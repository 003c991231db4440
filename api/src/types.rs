//! What the client is configured with and why a call fails:
//! [`ClientOptions`] and their check ([`OptionsError`]), and [`ApiError`].
//! Pure code, no I/O.

use std::io;
use std::net::Ipv4Addr;
use std::time::Duration;

use lars_proto::{RetCode, AGENT_PORTS};

/// How a client reaches its agent (docs/SHM.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// Shared memory when the agent offers a segment this process may open
    /// (the agent on this host, same user or `[agent] shm_group`), UDP
    /// otherwise and for whatever the segment cannot serve. The default.
    #[default]
    Auto,
    /// UDP only, as the original client.
    Udp,
    /// Like `Auto`, but the segments are asked for when the client is made
    /// (waiting up to the timeout once), so the first calls already use
    /// them. Still falls back to UDP, never fails because of the segments.
    Shm,
}

impl std::str::FromStr for Transport {
    type Err = String;

    /// `auto`, `udp` or `shm`.
    fn from_str(s: &str) -> Result<Transport, String> {
        match s {
            "auto" => Ok(Transport::Auto),
            "udp" => Ok(Transport::Udp),
            "shm" => Ok(Transport::Shm),
            other => Err(format!("transport {other:?} is none of auto, udp, shm")),
        }
    }
}

/// Where the agent is and how long to wait for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOptions {
    /// The agent's address (default 127.0.0.1: the agent runs on the
    /// caller's host).
    pub agent_ip: Ipv4Addr,
    /// The first of the agent's three UDP ports (default 8888; the others
    /// are `base_port + 1` and `base_port + 2`).
    pub base_port: u16,
    /// How long `get_host` / `get_route` wait for their answer in all
    /// (default 50 ms; must be above zero).
    pub timeout: Duration,
    /// Poll for an answer this long before sleeping on the socket, while no
    /// other thread wants the CPU (default `None`: sleep at once). Where
    /// waking a sleeping thread is slow (a VM), this makes a lone caller's
    /// calls about twice as fast for up to this much CPU per call; it stops
    /// by itself while the CPU is busy ([`lars_idle_spin::IdleSpin`]).
    pub spin: Option<Duration>,
    /// UDP only, or shared memory where the agent offers it (default
    /// [`Transport::Auto`]).
    pub transport: Transport,
}

impl Default for ClientOptions {
    fn default() -> ClientOptions {
        ClientOptions {
            agent_ip: Ipv4Addr::LOCALHOST,
            base_port: 8888,
            timeout: Duration::from_millis(50),
            spin: None,
            transport: Transport::Auto,
        }
    }
}

/// Why [`ClientOptions`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OptionsError {
    /// A zero timeout would make every call time out at once.
    #[error("lars client: the timeout must be above zero")]
    ZeroTimeout,
    /// `base_port` is 0 or leaves no room for `base_port + 2`.
    #[error("lars client: base port {0} leaves no room for ports base..base+2 (1..=65533)")]
    BasePort(u16),
}

impl ClientOptions {
    /// Checks that a client can be made with these options.
    ///
    /// ```
    /// use lars_api::{ClientOptions, OptionsError};
    /// let bad = ClientOptions { base_port: 65534, ..ClientOptions::default() };
    /// assert_eq!(bad.validate(), Err(OptionsError::BasePort(65534)));
    /// ```
    pub fn validate(&self) -> Result<(), OptionsError> {
        if self.timeout.is_zero() {
            return Err(OptionsError::ZeroTimeout);
        }
        let last_base = u16::MAX - (AGENT_PORTS as u16 - 1);
        if self.base_port == 0 || self.base_port > last_base {
            return Err(OptionsError::BasePort(self.base_port));
        }
        Ok(())
    }
}

/// Why a call got no usable answer from the agent.
///
/// Every variant stands for the original's `RET_SYSTEM_ERROR`
/// ([`ApiError::ret_code`]).
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No matching answer arrived before the client's timeout.
    #[error("no answer from the agent before the timeout")]
    Timeout,
    /// A socket call failed (e.g. `Connection refused`: no agent listens).
    #[error("agent socket: {0}")]
    Io(#[from] io::Error),
    /// The agent answered something that is not the answer to this call.
    #[error("bad reply from the agent: {0}")]
    BadReply(String),
    /// The client's options cannot be used.
    #[error(transparent)]
    Options(#[from] OptionsError),
}

impl ApiError {
    /// The return code the original reports for this failure:
    /// always [`RetCode::SystemError`].
    pub fn ret_code(&self) -> RetCode {
        RetCode::SystemError
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_options_are_the_originals() {
        let opts = ClientOptions::default();
        assert_eq!(opts.agent_ip, Ipv4Addr::LOCALHOST);
        assert_eq!(opts.base_port, 8888);
        assert_eq!(opts.timeout, Duration::from_millis(50));
        assert_eq!(opts.spin, None);
        assert_eq!(opts.transport, Transport::Auto);
        assert_eq!(opts.validate(), Ok(()));
        assert_eq!("shm".parse(), Ok(Transport::Shm));
        assert_eq!("udp".parse(), Ok(Transport::Udp));
        assert!("tcp".parse::<Transport>().unwrap_err().contains("tcp"));
    }

    #[test]
    fn unusable_options_are_typed_errors() {
        let base = ClientOptions::default();
        let zero = ClientOptions {
            timeout: Duration::ZERO,
            ..base
        };
        assert_eq!(zero.validate(), Err(OptionsError::ZeroTimeout));
        for port in [0, 65534, 65535] {
            let bad = ClientOptions {
                base_port: port,
                ..base
            };
            assert_eq!(bad.validate(), Err(OptionsError::BasePort(port)));
        }
        let last = ClientOptions {
            base_port: 65533,
            ..base
        };
        assert_eq!(last.validate(), Ok(()));
    }

    #[test]
    fn every_error_is_a_system_error() {
        assert_eq!(ApiError::Timeout.ret_code(), RetCode::SystemError);
        let err = ApiError::BadReply("seq 3 for seq 4".into());
        assert_eq!(err.to_string(), "bad reply from the agent: seq 3 for seq 4");
        let err = ApiError::from(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(matches!(err, ApiError::Io(_)));
        let err = ApiError::from(OptionsError::ZeroTimeout);
        assert_eq!(err.ret_code(), RetCode::SystemError);
    }
}
