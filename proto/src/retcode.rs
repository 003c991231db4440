//! [`RetCode`]: the agent's return codes (`LarsRetCode`,
//! docs/PROTOCOL.md §3) as a Rust enum; the wire carries them as `int32`.

use std::fmt;
use std::str::FromStr;

use crate::pb::LarsRetCode;

/// The return code of a `get_host` answer, and the outcome a caller reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i32)]
pub enum RetCode {
    /// `RET_SUCC`: a host was chosen (in a report: the call succeeded).
    Succ = LarsRetCode::RetSucc as i32,
    /// `RET_OVERLOAD`: every host is overloaded (in a report: the call failed).
    Overload = LarsRetCode::RetOverload as i32,
    /// `RET_SYSTEM_ERROR`: a local failure, e.g. the agent did not answer.
    SystemError = LarsRetCode::RetSystemError as i32,
    /// `RET_NOEXIST`: the module has no route (yet).
    NoExist = LarsRetCode::RetNoexist as i32,
}

/// Why a text is not a return code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("return code '{0}': expected 0-3 or RET_SUCC, RET_OVERLOAD, RET_SYSTEM_ERROR, RET_NOEXIST")]
pub struct RetCodeError(pub String);

impl RetCode {
    /// Every code, in wire order.
    pub const ALL: [RetCode; 4] = [
        RetCode::Succ,
        RetCode::Overload,
        RetCode::SystemError,
        RetCode::NoExist,
    ];

    /// The code of a wire value; a value outside 0..=3 is
    /// [`RetCode::SystemError`] (an answer the caller cannot use).
    ///
    /// ```
    /// use lars_proto::RetCode;
    /// assert_eq!(RetCode::from_wire(3), RetCode::NoExist);
    /// assert_eq!(RetCode::from_wire(42), RetCode::SystemError);
    /// ```
    pub fn from_wire(v: i32) -> RetCode {
        match v {
            0 => RetCode::Succ,
            1 => RetCode::Overload,
            3 => RetCode::NoExist,
            _ => RetCode::SystemError,
        }
    }

    /// The wire value.
    pub fn to_wire(self) -> i32 {
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

impl FromStr for RetCode {
    type Err = RetCodeError;

    /// Parses a wire number `0`..`3` or a name such as `RET_OVERLOAD`.
    fn from_str(input: &str) -> Result<RetCode, RetCodeError> {
        let text = input.trim();
        RetCode::ALL
            .into_iter()
            .find(|code| code.name() == text || code.to_wire().to_string() == text)
            .ok_or_else(|| RetCodeError(input.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_are_fixed() {
        let values: Vec<i32> = RetCode::ALL.iter().map(|c| c.to_wire()).collect();
        assert_eq!(values, [0, 1, 2, 3]);
        for code in RetCode::ALL {
            assert_eq!(RetCode::from_wire(code.to_wire()), code);
        }
        assert_eq!(RetCode::from_wire(-1), RetCode::SystemError);
        assert_eq!(RetCode::from_wire(4), RetCode::SystemError);
    }

    #[test]
    fn names_print_and_parse() {
        assert_eq!(RetCode::NoExist.to_string(), "RET_NOEXIST");
        assert_eq!("RET_OVERLOAD".parse::<RetCode>(), Ok(RetCode::Overload));
        assert_eq!("2".parse::<RetCode>(), Ok(RetCode::SystemError));
        assert!("RET_MAYBE".parse::<RetCode>().is_err());
        assert!("4".parse::<RetCode>().is_err());
    }
}
