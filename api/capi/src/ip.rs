//! IPv4 addresses across the boundary: [`LarsHost`] (one host of a route),
//! and the conversions between the `uint32_t` number a.b.c.d →
//! a·2²⁴+b·2¹⁶+c·2⁸+d (the wire's "host order" number, docs/PROTOCOL.md §5)
//! and its dotted text: [`lars_ip_to_str`], [`lars_ip_from_str`].

use std::ffi::{c_char, c_int, CStr};
use std::net::Ipv4Addr;

use lars_api::HostAddr;

use crate::codes::{LARS_ERR_BAD_ARGUMENT, LARS_IP_STR_LEN, LARS_RET_SUCC};
use crate::guard::{guard, non_null, non_null_const, Failed};

/// One host of a route: its IPv4 address as the number a.b.c.d ->
/// a*2^24 + b*2^16 + c*2^8 + d (192.168.1.177 is 3232235953) and its port.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LarsHost {
    /// IPv4 address, "host order" number (not `in_addr.s_addr`).
    pub ip: u32,
    /// Port, 1..=65535.
    pub port: u16,
}

impl From<HostAddr> for LarsHost {
    fn from(h: HostAddr) -> LarsHost {
        LarsHost {
            ip: u32::from(h.ip),
            port: h.port,
        }
    }
}

/// Writes `ip` as dotted text with a NUL into `buf`, which holds `len`
/// bytes; `len` must be at least [`LARS_IP_STR_LEN`].
///
/// # Safety
/// `buf` must be valid for writes of `len` bytes.
pub(crate) unsafe fn write_ip(ip: Ipv4Addr, buf: *mut c_char, len: usize) -> Result<(), Failed> {
    if len < LARS_IP_STR_LEN {
        return Err(Failed(LARS_ERR_BAD_ARGUMENT));
    }
    let mut text = [0u8; LARS_IP_STR_LEN];
    let dotted = ip.to_string();
    text[..dotted.len()].copy_from_slice(dotted.as_bytes());
    // SAFETY: the caller guarantees `buf` holds `len` >= LARS_IP_STR_LEN
    // bytes, `text` is a local array of LARS_IP_STR_LEN bytes, and the two
    // cannot overlap.
    unsafe { std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), LARS_IP_STR_LEN) };
    Ok(())
}

/// Parses a NUL-terminated dotted IPv4 text (`"10.0.0.5"`).
///
/// # Safety
/// `text` must be NULL or point to a NUL-terminated string.
pub(crate) unsafe fn read_ip(text: *const c_char) -> Result<Ipv4Addr, Failed> {
    let text = non_null_const(text)?;
    // SAFETY: `text` is not NULL and the caller guarantees it is
    // NUL-terminated and stays valid for this call.
    let text = unsafe { CStr::from_ptr(text) };
    text.to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(Failed(LARS_ERR_BAD_ARGUMENT))
}

/// Writes the dotted text of the address number `ip` (e.g. 3232235953 ->
/// `"192.168.1.177"`), NUL-terminated, into `buf` of `buf_len` bytes.
///
/// Returns 0; `LARS_ERR_NULL_POINTER` when `buf` is NULL;
/// `LARS_ERR_BAD_ARGUMENT` when `buf_len` < `LARS_IP_STR_LEN` (16), even if
/// this address would fit. Ownership: `buf` stays the caller's; it is
/// written, never kept. Safe from any thread.
///
/// # Safety
/// `buf` must be NULL or valid for writes of `buf_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn lars_ip_to_str(ip: u32, buf: *mut c_char, buf_len: usize) -> c_int {
    guard(|| {
        let buf = non_null(buf)?;
        // SAFETY: `buf` is not NULL and the caller guarantees `buf_len`
        // writable bytes.
        unsafe { write_ip(Ipv4Addr::from(ip), buf, buf_len)? };
        Ok(LARS_RET_SUCC)
    })
}

/// Parses a NUL-terminated dotted IPv4 text (`"192.168.1.177"`) into its
/// number (3232235953), written to `*ip_out`.
///
/// Returns 0; `LARS_ERR_NULL_POINTER` when `text` or `ip_out` is NULL;
/// `LARS_ERR_BAD_ARGUMENT` when the text is not an IPv4 address (nothing
/// is written then). Ownership: both pointers stay the caller's and are
/// not kept. Safe from any thread.
///
/// # Safety
/// `text` must be NULL or a NUL-terminated string; `ip_out` must be NULL
/// or valid for a write of one `uint32_t`.
#[no_mangle]
pub unsafe extern "C" fn lars_ip_from_str(text: *const c_char, ip_out: *mut u32) -> c_int {
    guard(|| {
        let out = non_null(ip_out)?;
        // SAFETY: the caller guarantees `text` is NULL or NUL-terminated.
        let ip = unsafe { read_ip(text)? };
        // SAFETY: `out` is not NULL and the caller guarantees it is valid
        // for one write.
        unsafe { out.write(u32::from(ip)) };
        Ok(LARS_RET_SUCC)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::LARS_ERR_NULL_POINTER;
    use std::ptr::{null, null_mut};

    fn to_str(ip: u32, len: usize) -> (c_int, String) {
        let mut buf = vec![b'x' as c_char; len.max(1)];
        // SAFETY: `buf` holds at least `len` bytes.
        let code = unsafe { lars_ip_to_str(ip, buf.as_mut_ptr(), len) };
        let text = if code == 0 {
            // SAFETY: on success the buffer holds a NUL-terminated text.
            unsafe { CStr::from_ptr(buf.as_ptr()) }
                .to_str()
                .unwrap()
                .to_string()
        } else {
            String::new()
        };
        (code, text)
    }

    #[test]
    fn numbers_become_dotted_text() {
        assert_eq!(to_str(3_232_235_953, 16), (0, "192.168.1.177".into()));
        assert_eq!(to_str(u32::MAX, 16), (0, "255.255.255.255".into()));
        assert_eq!(to_str(0x7F00_0001, 64), (0, "127.0.0.1".into()));
    }

    #[test]
    fn short_or_null_buffers_are_refused() {
        assert_eq!(to_str(0x7F00_0001, 15).0, LARS_ERR_BAD_ARGUMENT);
        assert_eq!(to_str(0x7F00_0001, 0).0, LARS_ERR_BAD_ARGUMENT);
        // SAFETY: a NULL buffer is refused before any write.
        let code = unsafe { lars_ip_to_str(1, null_mut(), 16) };
        assert_eq!(code, LARS_ERR_NULL_POINTER);
    }

    #[test]
    fn dotted_text_becomes_a_number() {
        let mut ip = 7u32;
        // SAFETY: a NUL-terminated literal and a valid out pointer.
        let code = unsafe { lars_ip_from_str(c"192.168.1.177".as_ptr(), &mut ip) };
        assert_eq!((code, ip), (0, 3_232_235_953));
        for bad in [c"300.1.1.1", c"", c"1.2.3", c"localhost"] {
            let mut ip = 7u32;
            // SAFETY: as above.
            let code = unsafe { lars_ip_from_str(bad.as_ptr(), &mut ip) };
            assert_eq!((code, ip), (LARS_ERR_BAD_ARGUMENT, 7), "{bad:?}");
        }
        // SAFETY: NULL pointers are refused before any read or write.
        unsafe {
            assert_eq!(lars_ip_from_str(null(), &mut ip), LARS_ERR_NULL_POINTER);
            assert_eq!(
                lars_ip_from_str(c"1.2.3.4".as_ptr(), null_mut()),
                LARS_ERR_NULL_POINTER
            );
        }
    }
}
