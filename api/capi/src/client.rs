//! The client handle and the calls about a module's route:
//! [`LarsOptions`], [`lars_client_new`], [`lars_client_free`],
//! [`lars_reg_init`], [`lars_get_route`] — each a thin shell over
//! [`lars_api::LarsClient`] that checks its pointers and lengths first.
//! Picking a host and reporting on it are in `pick.rs`.

use std::ffi::{c_char, c_int};
use std::net::Ipv4Addr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use lars_api::{ClientOptions, ModuleId, Transport};

use crate::codes::{LARS_ERR_BAD_ARGUMENT, LARS_ERR_BUFFER_TOO_SMALL, LARS_RET_SUCC};
use crate::guard::{guard, non_null, Failed};
use crate::ip::{read_ip, LarsHost};

/// Where the agent is and how long to wait for it. Start from
/// `lars_options_default()` and change what differs.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct LarsOptions {
    /// The agent's IPv4 address as NUL-terminated dotted text; NULL means
    /// "127.0.0.1". Borrowed only during `lars_client_new`.
    pub agent_ip: *const c_char,
    /// The first of the agent's three UDP ports, 1..=65533 (default 8888;
    /// the others are base_port + 1 and base_port + 2).
    pub base_port: u16,
    /// How long `lars_get_host` / `lars_get_route` wait for their answer
    /// in all, in milliseconds, above 0 (default 50).
    pub timeout_ms: u32,
}

/// A client of the local LB agent: three UDP sockets and a receive buffer.
///
/// Opaque: made by `lars_client_new`, released by `lars_client_free`.
/// One handle is used by one thread at a time (a call waits for its
/// answer on the handle's own sockets); a multi-threaded caller gives each
/// thread its own handle. A handle may move between threads between calls.
pub struct LarsClient {
    inner: lars_api::LarsClient,
}

/// The default options: agent 127.0.0.1, base port 8888, timeout 50 ms.
/// `agent_ip` points to a static text owned by the library. Safe from any
/// thread.
#[no_mangle]
pub extern "C" fn lars_options_default() -> LarsOptions {
    let defaults = ClientOptions::default();
    LarsOptions {
        agent_ip: c"127.0.0.1".as_ptr(),
        base_port: defaults.base_port,
        timeout_ms: defaults.timeout.as_millis() as u32,
    }
}

/// Makes a client of the agent described by `options` (NULL: the
/// defaults) and stores it in `*out`.
///
/// On the agent's host the client uses the agent's shared memory where it
/// is offered, and UDP otherwise (docs/SHM.md); the environment variable
/// `LARS_TRANSPORT` chooses otherwise: `udp` (UDP only, as the original
/// client), `shm` (ask for the shared memory at once) or `auto` (the
/// default).
///
/// Returns 0; `LARS_ERR_NULL_POINTER` when `out` is NULL;
/// `LARS_ERR_BAD_ARGUMENT` for an `agent_ip` that is not IPv4 text, a
/// `base_port` of 0 or above 65533, a `timeout_ms` of 0, or a
/// `LARS_TRANSPORT` that is none of the three; `LARS_ERR_IO` when a socket
/// cannot be opened. `*out` is NULL after any failure.
///
/// Ownership: the new handle belongs to the caller, who releases it with
/// `lars_client_free` exactly once. `options` and its `agent_ip` are only
/// read during the call. Safe from any thread.
///
/// # Safety
/// `options` must be NULL or point to a `LarsOptions` whose `agent_ip` is
/// NULL or NUL-terminated; `out` must be NULL or valid for one write.
#[no_mangle]
pub unsafe extern "C" fn lars_client_new(
    options: *const LarsOptions,
    out: *mut *mut LarsClient,
) -> c_int {
    guard(|| {
        let out = non_null(out)?;
        // SAFETY: `out` is not NULL and the caller guarantees one write.
        unsafe { out.write(std::ptr::null_mut()) };
        // SAFETY: the caller guarantees `options` is NULL or valid to read.
        let opts = match unsafe { options.as_ref() } {
            None => lars_options_default(),
            Some(opts) => *opts,
        };
        let agent_ip = if opts.agent_ip.is_null() {
            Ipv4Addr::LOCALHOST
        } else {
            // SAFETY: the caller guarantees a NUL-terminated `agent_ip`.
            unsafe { read_ip(opts.agent_ip)? }
        };
        let inner = lars_api::LarsClient::with_options(ClientOptions {
            agent_ip,
            base_port: opts.base_port,
            timeout: Duration::from_millis(u64::from(opts.timeout_ms)),
            transport: transport_from_env()?,
            ..ClientOptions::default()
        })?;
        let handle = Box::into_raw(Box::new(LarsClient { inner }));
        // SAFETY: as above: `out` is valid for one write.
        unsafe { out.write(handle) };
        Ok(LARS_RET_SUCC)
    })
}

/// The transport `LARS_TRANSPORT` names; [`Transport::Auto`] when it is
/// not set.
fn transport_from_env() -> Result<Transport, Failed> {
    match std::env::var("LARS_TRANSPORT") {
        Err(_) => Ok(Transport::Auto),
        Ok(name) => name
            .trim()
            .parse()
            .map_err(|_: String| Failed(LARS_ERR_BAD_ARGUMENT)),
    }
}

/// Releases a client made by `lars_client_new` and closes its sockets.
/// NULL is ignored. The handle must not be used afterwards, and must not
/// be in use by another thread during the call.
///
/// # Safety
/// `client` must be NULL or a handle from `lars_client_new` not yet freed.
#[no_mangle]
pub unsafe extern "C" fn lars_client_free(client: *mut LarsClient) {
    if client.is_null() {
        return;
    }
    // Nothing can be reported from here; a panic while dropping is only
    // kept from unwinding into C.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: the caller guarantees `client` came from Box::into_raw in
        // lars_client_new and is freed once.
        drop(unsafe { Box::from_raw(client) });
    }));
}

/// The handle behind `client`, or `LARS_ERR_NULL_POINTER`.
///
/// # Safety
/// `client` must be NULL or a live handle used by no other thread now.
pub(crate) unsafe fn handle<'a>(
    client: *mut LarsClient,
) -> Result<&'a mut lars_api::LarsClient, Failed> {
    let client = non_null(client)?;
    // SAFETY: not NULL; the caller guarantees a live handle that no other
    // thread uses during this call, so this is the only reference.
    Ok(unsafe { &mut (*client).inner })
}

/// Makes sure the agent has the route of module (modid, cmdid) before the
/// first `lars_get_host`: asks for it up to 3 times, 50 ms apart.
///
/// Returns `LARS_RET_SUCC` once the route has hosts, `LARS_RET_NOEXIST`
/// otherwise (also when the agent does not answer);
/// `LARS_ERR_NULL_POINTER` when `client` is NULL.
///
/// # Safety
/// `client` must be NULL or a live handle used by no other thread now.
#[no_mangle]
pub unsafe extern "C" fn lars_reg_init(client: *mut LarsClient, modid: i32, cmdid: i32) -> c_int {
    guard(|| {
        // SAFETY: the caller's guarantee, passed on.
        let client = unsafe { handle(client)? };
        Ok(client.reg_init(ModuleId::new(modid, cmdid)).to_wire())
    })
}

/// Every host of module (modid, cmdid), idle and overloaded alike, into
/// the caller's array `hosts` of `capacity` elements; their number into
/// `*count`.
///
/// Returns 0 (`*count` may be 0: the agent does not know the module yet
/// and starts pulling it); `LARS_ERR_BUFFER_TOO_SMALL` when the route has
/// more than `capacity` hosts: `*count` is then the number needed and
/// the array is untouched; `LARS_ERR_TIMEOUT`, `LARS_ERR_IO`,
/// `LARS_ERR_BAD_REPLY` without a usable answer (`*count` is 0);
/// `LARS_ERR_NULL_POINTER` when `client`, `hosts` or `count` is NULL and
/// `LARS_ERR_BAD_ARGUMENT` when `capacity` is 0, before anything is sent.
///
/// Ownership: the array and `count` stay the caller's; written during the
/// call, never kept.
///
/// # Safety
/// `client` must be NULL or a live handle used by no other thread now;
/// `hosts` NULL or valid for writes of `capacity` elements; `count` NULL or
/// valid for one write.
#[no_mangle]
pub unsafe extern "C" fn lars_get_route(
    client: *mut LarsClient,
    modid: i32,
    cmdid: i32,
    hosts: *mut LarsHost,
    capacity: usize,
    count: *mut usize,
) -> c_int {
    guard(|| {
        // SAFETY: the caller's guarantee, passed on.
        let client = unsafe { handle(client)? };
        let count = non_null(count)?;
        let hosts = non_null(hosts)?;
        if capacity == 0 {
            return Err(Failed(LARS_ERR_BAD_ARGUMENT));
        }
        // SAFETY: not NULL; the caller guarantees one write.
        unsafe { count.write(0) };
        let route = client.get_route(ModuleId::new(modid, cmdid))?;
        // SAFETY: as above.
        unsafe { count.write(route.len()) };
        if route.len() > capacity {
            return Err(Failed(LARS_ERR_BUFFER_TOO_SMALL));
        }
        for (i, host) in route.into_iter().enumerate() {
            // SAFETY: i < route.len() <= capacity, and the caller
            // guarantees `capacity` writable elements at `hosts`.
            unsafe { hosts.add(i).write(LarsHost::from(host)) };
        }
        Ok(LARS_RET_SUCC)
    })
}
