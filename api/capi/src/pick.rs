//! Picking a host and reporting how the call went: [`lars_get_host`],
//! [`lars_get_host_by_key`] (for modules whose policy is `hash`),
//! [`lars_hash_key`] (the key of a text), [`lars_report`] and
//! [`lars_report_with_latency`] (for modules whose policy is `ewma`) —
//! each a thin shell over [`lars_api::LarsClient`] that checks its
//! pointers and lengths first.

use std::ffi::{c_char, c_int};
use std::net::Ipv4Addr;
use std::panic::catch_unwind;
use std::time::Duration;

use lars_api::{hash_key, HostAddr, ModuleId, RetCode};

use crate::client::{handle, LarsClient};
use crate::codes::{error_code, LARS_ERR_BAD_ARGUMENT, LARS_ERR_NULL_POINTER, LARS_RET_SUCC};
use crate::guard::{guard, non_null, Failed};
use crate::ip::write_ip;

/// Asks the agent for one host of module (modid, cmdid).
///
/// Outputs: the address as NUL-terminated dotted text into `ip_buf` (of
/// `ip_buf_len` bytes, at least `LARS_IP_STR_LEN`), and/or as a number
/// into `*ip_out`; the port into `*port_out`. Either `ip_buf` or `ip_out`
/// may be NULL, not both. When the request was sent but no host came
/// back, the outputs are cleared (`""`, 0, 0); `LARS_ERR_NULL_POINTER` and
/// `LARS_ERR_BAD_ARGUMENT` leave them untouched.
///
/// Returns `LARS_RET_SUCC` with a host; `LARS_RET_OVERLOAD`,
/// `LARS_RET_NOEXIST` or `LARS_RET_SYSTEM_ERROR` as the agent answered;
/// `LARS_ERR_TIMEOUT`, `LARS_ERR_IO` or `LARS_ERR_BAD_REPLY` without a
/// usable answer; `LARS_ERR_NULL_POINTER` / `LARS_ERR_BAD_ARGUMENT` (too
/// short `ip_buf`) before anything is sent.
///
/// Ownership: every pointer stays the caller's; outputs are written
/// during the call, nothing is kept.
///
/// # Safety
/// `client` must be NULL or a live handle used by no other thread now;
/// `ip_buf` NULL or valid for `ip_buf_len` bytes; `ip_out` and `port_out`
/// NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn lars_get_host(
    client: *mut LarsClient,
    modid: i32,
    cmdid: i32,
    ip_buf: *mut c_char,
    ip_buf_len: usize,
    ip_out: *mut u32,
    port_out: *mut u16,
) -> c_int {
    let module = ModuleId::new(modid, cmdid);
    // SAFETY: the caller's guarantees, passed on.
    unsafe { pick(client, module, None, ip_buf, ip_buf_len, ip_out, port_out) }
}

/// Like `lars_get_host`, for a module whose policy is `hash`: requests
/// with the same `key` get the same host while it is idle, on every agent
/// that has the same route (other policies ignore the key). Make the key
/// of a text with `lars_hash_key`, so that callers in every language
/// agree on it.
///
/// Outputs, return codes, ownership and refusals are those of
/// `lars_get_host`; every `key`, 0 to UINT64_MAX, is sent as it is.
///
/// # Safety
/// As `lars_get_host`: `client` must be NULL or a live handle used by no
/// other thread now; `ip_buf` NULL or valid for `ip_buf_len` bytes;
/// `ip_out` and `port_out` NULL or valid for one write.
// The C signature is lars_get_host's with the key after the module.
#[allow(clippy::too_many_arguments)]
#[no_mangle]
pub unsafe extern "C" fn lars_get_host_by_key(
    client: *mut LarsClient,
    modid: i32,
    cmdid: i32,
    key: u64,
    ip_buf: *mut c_char,
    ip_buf_len: usize,
    ip_out: *mut u32,
    port_out: *mut u16,
) -> c_int {
    let module = ModuleId::new(modid, cmdid);
    // SAFETY: the caller's guarantees, passed on.
    unsafe {
        pick(
            client,
            module,
            Some(key),
            ip_buf,
            ip_buf_len,
            ip_out,
            port_out,
        )
    }
}

/// The body of `lars_get_host` (without a key) and `lars_get_host_by_key`.
///
/// # Safety
/// As `lars_get_host`.
unsafe fn pick(
    client: *mut LarsClient,
    module: ModuleId,
    key: Option<u64>,
    ip_buf: *mut c_char,
    ip_buf_len: usize,
    ip_out: *mut u32,
    port_out: *mut u16,
) -> c_int {
    guard(|| {
        // SAFETY: the caller's guarantee, passed on.
        let client = unsafe { handle(client)? };
        let port_out = non_null(port_out)?;
        if ip_buf.is_null() && ip_out.is_null() {
            return Err(Failed(LARS_ERR_NULL_POINTER));
        }
        if !ip_buf.is_null() && ip_buf_len < crate::LARS_IP_STR_LEN {
            return Err(Failed(LARS_ERR_BAD_ARGUMENT));
        }
        let answer = match key {
            Some(key) => client.get_host_by_key(module, key),
            None => client.get_host(module),
        };
        let (code, host) = match &answer {
            Ok((RetCode::Succ, Some(host))) => (LARS_RET_SUCC, *host),
            Ok((code, _)) => (code.to_wire(), HostAddr::new(Ipv4Addr::UNSPECIFIED, 0)),
            Err(e) => (error_code(e), HostAddr::new(Ipv4Addr::UNSPECIFIED, 0)),
        };
        if !ip_buf.is_null() {
            let shown = if code == LARS_RET_SUCC {
                Some(host.ip)
            } else {
                None
            };
            match shown {
                // SAFETY: checked above: not NULL, `ip_buf_len` >= 16 bytes
                // the caller guarantees writable.
                Some(ip) => unsafe { write_ip(ip, ip_buf, ip_buf_len)? },
                // SAFETY: as above; one byte is enough for "".
                None => unsafe { ip_buf.write(0) },
            }
        }
        if !ip_out.is_null() {
            // SAFETY: not NULL; the caller guarantees one write.
            unsafe { ip_out.write(u32::from(host.ip)) };
        }
        // SAFETY: not NULL; the caller guarantees one write.
        unsafe { port_out.write(host.port) };
        Ok(code)
    })
}

/// The key `lars_get_host_by_key` takes for the `len` bytes at `data`:
/// their 64-bit FNV-1a hash, which every Lars client computes the same
/// way (Rust `lars_api::hash_key`, Python `lars_client.hash_key`, C++
/// `lars_client::hash_key`), so a key hashed in any language lands on the
/// same host. Hash a text without its NUL: `lars_hash_key(s, strlen(s))`.
/// For example, `""` is 0xcbf29ce484222325 and `"a"` 0xaf63dc4c8601ec8c.
///
/// `data` may be NULL when `len` is 0 (the empty key). NULL with a `len`
/// above 0, or a `len` above PTRDIFF_MAX, is refused: the result is 0 and
/// nothing is read. Ownership: `data` stays the caller's and is only read
/// during the call. Safe from any thread.
///
/// # Safety
/// `data` must be NULL or valid for reads of `len` bytes.
#[no_mangle]
pub unsafe extern "C" fn lars_hash_key(data: *const c_char, len: usize) -> u64 {
    if len == 0 {
        return hash_key(&[]);
    }
    if data.is_null() || len > isize::MAX as usize {
        return 0;
    }
    // Hashing cannot panic; should it, the panic is kept from unwinding
    // into C and the result is the refusal's 0.
    catch_unwind(|| {
        // SAFETY: not NULL, `len` is at most isize::MAX, and the caller
        // guarantees `len` readable bytes at `data` during the call.
        let bytes = unsafe { std::slice::from_raw_parts(data.cast::<u8>(), len) };
        hash_key(bytes)
    })
    .unwrap_or(0)
}

/// Tells the agent how a call to host `ip`:`port` of module (modid, cmdid)
/// went: `retcode` 0 (`LARS_RET_SUCC`) for a success, anything else for a
/// failure. `ip` is the address number (`lars_ip_from_str` makes it from
/// text). Sent and forgotten: the agent does not answer.
///
/// Returns 0 once sent; `LARS_ERR_NULL_POINTER` when `client` is NULL;
/// `LARS_ERR_BAD_ARGUMENT` for port 0; `LARS_ERR_IO` when the datagram
/// could not be sent.
///
/// # Safety
/// `client` must be NULL or a live handle used by no other thread now.
#[no_mangle]
pub unsafe extern "C" fn lars_report(
    client: *mut LarsClient,
    modid: i32,
    cmdid: i32,
    ip: u32,
    port: u16,
    retcode: c_int,
) -> c_int {
    let module = ModuleId::new(modid, cmdid);
    // SAFETY: the caller's guarantee, passed on.
    unsafe { report(client, module, ip, port, retcode, None) }
}

/// Like `lars_report`, with how long the call took, in microseconds: the
/// `ewma` policy sends more traffic to faster hosts (other policies ignore
/// it). `latency_us` is sent as it is; UINT32_MAX (about 71 minutes) is
/// the most the wire holds, so clamp a longer call's duration to it.
///
/// Returns and refusals are those of `lars_report`.
///
/// # Safety
/// `client` must be NULL or a live handle used by no other thread now.
#[no_mangle]
pub unsafe extern "C" fn lars_report_with_latency(
    client: *mut LarsClient,
    modid: i32,
    cmdid: i32,
    ip: u32,
    port: u16,
    retcode: c_int,
    latency_us: u32,
) -> c_int {
    let module = ModuleId::new(modid, cmdid);
    // SAFETY: the caller's guarantee, passed on.
    unsafe { report(client, module, ip, port, retcode, Some(latency_us)) }
}

/// The body of `lars_report` (without a latency) and
/// `lars_report_with_latency`.
///
/// # Safety
/// `client` must be NULL or a live handle used by no other thread now.
unsafe fn report(
    client: *mut LarsClient,
    module: ModuleId,
    ip: u32,
    port: u16,
    retcode: c_int,
    latency_us: Option<u32>,
) -> c_int {
    guard(|| {
        // SAFETY: the caller's guarantee, passed on.
        let client = unsafe { handle(client)? };
        if port == 0 {
            return Err(Failed(LARS_ERR_BAD_ARGUMENT));
        }
        let host = HostAddr::new(Ipv4Addr::from(ip), port);
        let code = RetCode::from_wire(retcode);
        match latency_us {
            Some(us) => {
                let latency = Duration::from_micros(u64::from(us));
                client.report_with_latency(module, host, code, latency)?
            }
            None => client.report(module, host, code)?,
        }
        Ok(LARS_RET_SUCC)
    })
}
