//! The boundary's safety net: [`guard`] runs an entry point's body and
//! turns a panic into [`LARS_ERR_PANIC`] (unwinding into C is undefined
//! behaviour), and [`Failed`] lets a body return early with a code through
//! `?`.

use std::ffi::c_int;
use std::panic::{catch_unwind, AssertUnwindSafe};

use lars_api::ApiError;

use crate::codes::{error_code, LARS_ERR_NULL_POINTER, LARS_ERR_PANIC};

/// A failed entry point: the code it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed(pub c_int);

impl From<ApiError> for Failed {
    fn from(err: ApiError) -> Failed {
        Failed(error_code(&err))
    }
}

/// Runs `body`: its code, the code it failed with, or [`LARS_ERR_PANIC`]
/// if it panicked.
///
/// The body is treated as unwind safe: after a panic the only state it
/// may have left half-changed is a client handle's, whose calls then keep
/// failing or answering; nothing is read through a broken invariant that
/// could cause undefined behaviour.
pub(crate) fn guard(body: impl FnOnce() -> Result<c_int, Failed>) -> c_int {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(code)) => code,
        Ok(Err(Failed(code))) => code,
        Err(_) => LARS_ERR_PANIC,
    }
}

/// `Ok(ptr)` when it is not NULL, else [`LARS_ERR_NULL_POINTER`].
pub(crate) fn non_null<T>(ptr: *mut T) -> Result<*mut T, Failed> {
    if ptr.is_null() {
        Err(Failed(LARS_ERR_NULL_POINTER))
    } else {
        Ok(ptr)
    }
}

/// Like [`non_null`], for a read-only pointer.
pub(crate) fn non_null_const<T>(ptr: *const T) -> Result<*const T, Failed> {
    if ptr.is_null() {
        Err(Failed(LARS_ERR_NULL_POINTER))
    } else {
        Ok(ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code_instead_of_unwinding() {
        let code = guard(|| panic!("a bug inside the library"));
        assert_eq!(code, LARS_ERR_PANIC);
        assert_eq!(LARS_ERR_PANIC, -7);
    }

    #[test]
    fn a_body_returns_its_code_or_its_failure() {
        assert_eq!(guard(|| Ok(3)), 3);
        assert_eq!(guard(|| Err(Failed(-4))), -4);
        assert_eq!(guard(|| Err(ApiError::Timeout.into())), -4);
    }

    #[test]
    fn null_pointers_are_refused() {
        assert_eq!(
            non_null(std::ptr::null_mut::<u8>()),
            Err(Failed(LARS_ERR_NULL_POINTER))
        );
        assert_eq!(
            non_null_const(std::ptr::null::<u8>()),
            Err(Failed(LARS_ERR_NULL_POINTER))
        );
        let mut x = 1u8;
        assert!(non_null(&mut x as *mut u8).is_ok());
    }
}
