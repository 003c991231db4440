//! The values the API hands back: [`RetCode`] (the agent's answer codes),
//! [`ApiError`] (why a call got no usable answer), and the conversion of a
//! host between [`SocketAddrV4`] and the wire's [`HostInfo`]. Pure code, no I/O.

use lars_proto::{addr, retcode, HostInfo};
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddrV4};

/// The agent's return codes (`LarsRetCode` of SPEC §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum RetCode {
    /// `RET_SUCC`: a host was chosen (in a report: the call succeeded).
    Succ = 0,
    /// `RET_OVERLOAD`: every host is overloaded (in a report: the call failed).
    Overload = 1,
    /// `RET_SYSTEM_ERROR`: a local failure, e.g. the agent did not answer.
    SystemError = 2,
    /// `RET_NOEXIST`: the module has no route (yet).
    NoExist = 3,
}

impl RetCode {
    /// The code of a wire value; values outside 0..=3 are
    /// [`RetCode::SystemError`].
    ///
    /// ```
    /// use lars_api::RetCode;
    /// assert_eq!(RetCode::from_i32(3), RetCode::NoExist);
    /// assert_eq!(RetCode::from_i32(42), RetCode::SystemError);
    /// ```
    pub fn from_i32(v: i32) -> RetCode {
        match v {
            retcode::SUCC => RetCode::Succ,
            retcode::OVERLOAD => RetCode::Overload,
            retcode::NOEXIST => RetCode::NoExist,
            _ => RetCode::SystemError,
        }
    }

    /// The wire value.
    pub fn as_i32(self) -> i32 {
        self as i32
    }

    /// The original's name: `RET_SUCC`, `RET_OVERLOAD`, `RET_SYSTEM_ERROR`,
    /// `RET_NOEXIST` (also what `Display` prints).
    pub fn name(self) -> &'static str {
        match self {
            RetCode::Succ => "RET_SUCC",
            RetCode::Overload => "RET_OVERLOAD",
            RetCode::SystemError => "RET_SYSTEM_ERROR",
            RetCode::NoExist => "RET_NOEXIST",
        }
    }
}

impl fmt::Display for RetCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
}

impl ApiError {
    /// The return code the original reports for this failure:
    /// always [`RetCode::SystemError`].
    pub fn ret_code(&self) -> RetCode {
        RetCode::SystemError
    }
}

/// The wire form of `host`: the address as its 32-bit number reinterpreted
/// as `int32` (SPEC §3.5), the port as a plain number.
///
/// ```
/// let h = lars_api::host_to_wire("192.168.1.177:7777".parse().unwrap());
/// assert_eq!((h.ip, h.port), (-1_062_731_343, 7777));
/// ```
pub fn host_to_wire(host: SocketAddrV4) -> HostInfo {
    HostInfo {
        ip: addr::ip_to_wire(addr::ip_number(*host.ip())),
        port: i32::from(host.port()),
    }
}

/// The host of a wire [`HostInfo`]; an error (the bad port) unless the port
/// is in `1..=65535`.
///
/// ```
/// use lars_api::host_from_wire;
/// use lars_proto::HostInfo;
/// let h = host_from_wire(&HostInfo { ip: -1_062_731_343, port: 7777 }).unwrap();
/// assert_eq!(h.to_string(), "192.168.1.177:7777");
/// assert!(host_from_wire(&HostInfo { ip: 1, port: 0 }).is_err());
/// ```
pub fn host_from_wire(info: &HostInfo) -> Result<SocketAddrV4, String> {
    let ip = Ipv4Addr::from(addr::ip_from_wire(info.ip));
    match u16::try_from(info.port) {
        Ok(port) if port != 0 => Ok(SocketAddrV4::new(ip, port)),
        _ => Err(format!(
            "host {ip} has port {} (not in 1..=65535)",
            info.port
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ret_codes_round_trip_and_unknown_is_system_error() {
        for code in [
            RetCode::Succ,
            RetCode::Overload,
            RetCode::SystemError,
            RetCode::NoExist,
        ] {
            assert_eq!(RetCode::from_i32(code.as_i32()), code);
        }
        assert_eq!(RetCode::from_i32(-1), RetCode::SystemError);
        assert_eq!(RetCode::from_i32(4), RetCode::SystemError);
        assert_eq!(RetCode::Overload.as_i32(), retcode::OVERLOAD);
        assert_eq!(RetCode::NoExist.to_string(), "RET_NOEXIST");
        assert_eq!(RetCode::SystemError.name(), "RET_SYSTEM_ERROR");
    }

    #[test]
    fn hosts_round_trip_including_high_addresses() {
        for text in [
            "127.0.0.1:9001",
            "192.168.1.177:7777",
            "255.255.255.255:65535",
        ] {
            let host: SocketAddrV4 = text.parse().unwrap();
            assert_eq!(host_from_wire(&host_to_wire(host)).unwrap(), host);
        }
        let wire = host_to_wire("192.168.1.177:7777".parse().unwrap());
        assert!(wire.ip < 0, "addresses from 128.0.0.0 up are negative");
    }

    #[test]
    fn impossible_ports_are_rejected() {
        for port in [0, -1, 65536, i32::MAX] {
            let err = host_from_wire(&HostInfo { ip: 1, port }).unwrap_err();
            assert!(err.contains(&port.to_string()), "{err}");
        }
    }

    #[test]
    fn every_error_is_a_system_error() {
        assert_eq!(ApiError::Timeout.ret_code(), RetCode::SystemError);
        let err = ApiError::BadReply("seq 3 for seq 4".into());
        assert_eq!(err.to_string(), "bad reply from the agent: seq 3 for seq 4");
        let err = ApiError::from(io::Error::from(io::ErrorKind::ConnectionRefused));
        assert!(matches!(err, ApiError::Io(_)));
    }
}
