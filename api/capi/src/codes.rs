//! The return codes of every `lars_*` function: the wire's `RET_*` values
//! (0..=3) and the library's own negative errors, their texts
//! ([`lars_code_str`]), and the mapping from [`ApiError`].

use std::ffi::{c_char, c_int};

use lars_api::ApiError;

/// `RET_SUCC` (0): the call did what was asked (`lars_get_host`: a host
/// was chosen).
pub const LARS_RET_SUCC: c_int = 0;
/// `RET_OVERLOAD` (1): every host of the module is overloaded and this
/// pick is not a probe; no host.
pub const LARS_RET_OVERLOAD: c_int = 1;
/// `RET_SYSTEM_ERROR` (2): the agent answered with a code it should not
/// send. (Local failures have their own negative codes.)
pub const LARS_RET_SYSTEM_ERROR: c_int = 2;
/// `RET_NOEXIST` (3): the module has no hosts (yet); the agent is pulling
/// its route.
pub const LARS_RET_NOEXIST: c_int = 3;

/// A pointer argument that must not be NULL was NULL. Nothing was done.
pub const LARS_ERR_NULL_POINTER: c_int = -1;
/// An argument is outside its range: a length below its minimum (a
/// zero-length buffer), an IPv4 text that does not parse, port 0, a
/// timeout of 0 ms, a base port above 65533. Nothing was sent.
pub const LARS_ERR_BAD_ARGUMENT: c_int = -2;
/// `lars_get_route`: the route has more hosts than the array holds; the
/// needed count was written to `*count` and nothing to the array.
pub const LARS_ERR_BUFFER_TOO_SMALL: c_int = -3;
/// No answer from the agent before the client's timeout (is `lars-agent`
/// running?).
pub const LARS_ERR_TIMEOUT: c_int = -4;
/// A socket call failed (e.g. `Connection refused`: nothing listens on
/// the agent's port).
pub const LARS_ERR_IO: c_int = -5;
/// The agent answered something that is not the answer to this call.
pub const LARS_ERR_BAD_REPLY: c_int = -6;
/// The library panicked (a bug); the panic was stopped at the boundary.
/// The handle may still be freed; its other calls may fail.
pub const LARS_ERR_PANIC: c_int = -7;

/// Length of a buffer that holds any IPv4 address as text with its NUL:
/// `"255.255.255.255"` is 15 bytes, plus 1.
pub const LARS_IP_STR_LEN: usize = 16;

/// The code of a failed call.
pub(crate) fn error_code(err: &ApiError) -> c_int {
    match err {
        ApiError::Timeout => LARS_ERR_TIMEOUT,
        ApiError::Io(_) => LARS_ERR_IO,
        ApiError::BadReply(_) => LARS_ERR_BAD_REPLY,
        ApiError::Options(_) => LARS_ERR_BAD_ARGUMENT,
    }
}

/// The text of `code`, NUL-terminated.
fn text(code: c_int) -> &'static [u8] {
    match code {
        LARS_RET_SUCC => b"RET_SUCC: success\0",
        LARS_RET_OVERLOAD => b"RET_OVERLOAD: every host of the module is overloaded\0",
        LARS_RET_SYSTEM_ERROR => b"RET_SYSTEM_ERROR: the agent reported a system error\0",
        LARS_RET_NOEXIST => b"RET_NOEXIST: the module has no hosts (yet)\0",
        LARS_ERR_NULL_POINTER => b"LARS_ERR_NULL_POINTER: a required pointer was NULL\0",
        LARS_ERR_BAD_ARGUMENT => b"LARS_ERR_BAD_ARGUMENT: an argument or length is out of range\0",
        LARS_ERR_BUFFER_TOO_SMALL => {
            b"LARS_ERR_BUFFER_TOO_SMALL: the route has more hosts than the array holds\0"
        }
        LARS_ERR_TIMEOUT => {
            b"LARS_ERR_TIMEOUT: no answer from the agent before the timeout (is lars-agent running?)\0"
        }
        LARS_ERR_IO => b"LARS_ERR_IO: a socket call to the agent failed\0",
        LARS_ERR_BAD_REPLY => b"LARS_ERR_BAD_REPLY: the agent's answer does not match the call\0",
        LARS_ERR_PANIC => b"LARS_ERR_PANIC: internal error in liblars (a bug)\0",
        _ => b"unknown lars return code\0",
    }
}

/// The static, NUL-terminated text of a code returned by a `lars_*`
/// function, e.g. `"LARS_ERR_TIMEOUT: no answer from the agent before the
/// timeout (is lars-agent running?)"`; `"unknown lars return code"` for
/// any other value.
///
/// Ownership: the text is owned by the library and lives as long as the
/// program; never free or modify it. Safe from any thread.
#[no_mangle]
pub extern "C" fn lars_code_str(code: c_int) -> *const c_char {
    text(code).as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn read(code: c_int) -> String {
        // SAFETY: lars_code_str returns a pointer to a static NUL-terminated text.
        unsafe { CStr::from_ptr(lars_code_str(code)) }
            .to_str()
            .unwrap()
            .to_string()
    }

    #[test]
    fn every_code_has_its_own_text_named_after_it() {
        let named = [
            (0, "RET_SUCC"),
            (1, "RET_OVERLOAD"),
            (2, "RET_SYSTEM_ERROR"),
            (3, "RET_NOEXIST"),
            (-1, "LARS_ERR_NULL_POINTER"),
            (-2, "LARS_ERR_BAD_ARGUMENT"),
            (-3, "LARS_ERR_BUFFER_TOO_SMALL"),
            (-4, "LARS_ERR_TIMEOUT"),
            (-5, "LARS_ERR_IO"),
            (-6, "LARS_ERR_BAD_REPLY"),
            (-7, "LARS_ERR_PANIC"),
        ];
        for (code, name) in named {
            assert!(read(code).starts_with(&format!("{name}: ")), "{code}");
        }
        assert_eq!(read(4), "unknown lars return code");
        assert_eq!(read(-8), "unknown lars return code");
    }

    #[test]
    fn wire_codes_are_the_originals() {
        use lars_api::RetCode;
        let ours = [
            LARS_RET_SUCC,
            LARS_RET_OVERLOAD,
            LARS_RET_SYSTEM_ERROR,
            LARS_RET_NOEXIST,
        ];
        assert_eq!(ours, [0, 1, 2, 3], "LarsRetCode in proto/lars.proto");
        let api = [
            RetCode::Succ,
            RetCode::Overload,
            RetCode::SystemError,
            RetCode::NoExist,
        ];
        assert_eq!(ours, api.map(|c| c.to_wire()));
    }

    #[test]
    fn api_errors_map_to_their_codes() {
        assert_eq!(error_code(&ApiError::Timeout), LARS_ERR_TIMEOUT);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(error_code(&ApiError::Io(refused)), LARS_ERR_IO);
        assert_eq!(
            error_code(&ApiError::BadReply("x".into())),
            LARS_ERR_BAD_REPLY
        );
        let opts = lars_api::OptionsError::ZeroTimeout;
        assert_eq!(error_code(&ApiError::Options(opts)), LARS_ERR_BAD_ARGUMENT);
    }
}
