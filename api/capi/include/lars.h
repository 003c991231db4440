/*
 * lars.h: the Lars client library for C (liblars.so / liblars.a).
 *
 * A caller asks the local LB agent (UDP 127.0.0.1:8888-8890) which host of
 * a module (modid, cmdid) to call, and reports how the call went.
 *
 * Rules that hold for every function below:
 *  - Return codes: the wire's RET_* values, LARS_RET_SUCC (0),
 *    LARS_RET_OVERLOAD (1), LARS_RET_SYSTEM_ERROR (2), LARS_RET_NOEXIST (3),
 *    or a negative library error LARS_ERR_* (NULL pointer, bad argument or
 *    length, buffer too small, timeout, I/O error, bad reply, panic).
 *    lars_code_str(code) gives the static text of any code.
 *  - No call blocks past the client's timeout (50 ms by default), and no
 *    panic crosses into C: an internal bug returns LARS_ERR_PANIC.
 *  - NULL pointers and out-of-range lengths are refused with
 *    LARS_ERR_NULL_POINTER / LARS_ERR_BAD_ARGUMENT before anything is sent
 *    (lars_hash_key, which returns a key rather than a code, returns 0).
 *  - Ownership: every pointer argument stays the caller's and is not kept
 *    after the call. A LarsClient belongs to the caller from
 *    lars_client_new until lars_client_free (exactly once). Texts returned
 *    by lars_code_str and lars_options_default's agent_ip are static.
 *  - Threads: a LarsClient is used by one thread at a time (its calls wait
 *    on its own sockets); give each thread its own client. Functions
 *    without a client are safe from any thread.
 *  - Addresses: an IPv4 a.b.c.d travels as the uint32_t number
 *    a*2^24 + b*2^16 + c*2^8 + d (192.168.1.177 is 3232235953), not as
 *    in_addr.s_addr; lars_ip_to_str / lars_ip_from_str convert.
 *
 * Link: -llars (liblars.so), or liblars.a with -lpthread -ldl -lm.
 */

#ifndef LARS_H
#define LARS_H

/* Generated from api/capi/src by cbindgen; do not edit. Regenerate with:
 *   LARS_UPDATE_HEADER=1 cargo test -p lars-capi --test header */

#include <stddef.h>
#include <stdint.h>

/**
 * `RET_SUCC` (0): the call did what was asked (`lars_get_host`: a host
 * was chosen).
 */
#define LARS_RET_SUCC 0

/**
 * `RET_OVERLOAD` (1): every host of the module is overloaded and this
 * pick is not a probe; no host.
 */
#define LARS_RET_OVERLOAD 1

/**
 * `RET_SYSTEM_ERROR` (2): the agent answered with a code it should not
 * send. (Local failures have their own negative codes.)
 */
#define LARS_RET_SYSTEM_ERROR 2

/**
 * `RET_NOEXIST` (3): the module has no hosts (yet); the agent is pulling
 * its route.
 */
#define LARS_RET_NOEXIST 3

/**
 * A pointer argument that must not be NULL was NULL. Nothing was done.
 */
#define LARS_ERR_NULL_POINTER -1

/**
 * An argument is outside its range: a length below its minimum (a
 * zero-length buffer), an IPv4 text that does not parse, port 0, a
 * timeout of 0 ms, a base port above 65533. Nothing was sent.
 */
#define LARS_ERR_BAD_ARGUMENT -2

/**
 * `lars_get_route`: the route has more hosts than the array holds; the
 * needed count was written to `*count` and nothing to the array.
 */
#define LARS_ERR_BUFFER_TOO_SMALL -3

/**
 * No answer from the agent before the client's timeout (is `lars-agent`
 * running?).
 */
#define LARS_ERR_TIMEOUT -4

/**
 * A socket call failed (e.g. `Connection refused`: nothing listens on
 * the agent's port).
 */
#define LARS_ERR_IO -5

/**
 * The agent answered something that is not the answer to this call.
 */
#define LARS_ERR_BAD_REPLY -6

/**
 * The library panicked (a bug); the panic was stopped at the boundary.
 * The handle may still be freed; its other calls may fail.
 */
#define LARS_ERR_PANIC -7

/**
 * Length of a buffer that holds any IPv4 address as text with its NUL:
 * `"255.255.255.255"` is 15 bytes, plus 1.
 */
#define LARS_IP_STR_LEN 16

/**
 * A client of the local LB agent: three UDP sockets and a receive buffer.
 *
 * Opaque: made by `lars_client_new`, released by `lars_client_free`.
 * One handle is used by one thread at a time (a call waits for its
 * answer on the handle's own sockets); a multi-threaded caller gives each
 * thread its own handle. A handle may move between threads between calls.
 */
typedef struct LarsClient LarsClient;

/**
 * Where the agent is and how long to wait for it. Start from
 * `lars_options_default()` and change what differs.
 */
typedef struct LarsOptions {
  /**
   * The agent's IPv4 address as NUL-terminated dotted text; NULL means
   * "127.0.0.1". Borrowed only during `lars_client_new`.
   */
  const char *agent_ip;
  /**
   * The first of the agent's three UDP ports, 1..=65533 (default 8888;
   * the others are base_port + 1 and base_port + 2).
   */
  uint16_t base_port;
  /**
   * How long `lars_get_host` / `lars_get_route` wait for their answer
   * in all, in milliseconds, above 0 (default 50).
   */
  uint32_t timeout_ms;
} LarsOptions;

/**
 * One host of a route: its IPv4 address as the number a.b.c.d ->
 * a*2^24 + b*2^16 + c*2^8 + d (192.168.1.177 is 3232235953) and its port.
 */
typedef struct LarsHost {
  /**
   * IPv4 address, "host order" number (not `in_addr.s_addr`).
   */
  uint32_t ip;
  /**
   * Port, 1..=65535.
   */
  uint16_t port;
} LarsHost;

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/**
 * The default options: agent 127.0.0.1, base port 8888, timeout 50 ms.
 * `agent_ip` points to a static text owned by the library. Safe from any
 * thread.
 */
struct LarsOptions lars_options_default(void);

/**
 * Makes a client of the agent described by `options` (NULL: the
 * defaults) and stores it in `*out`.
 *
 * On the agent's host the client uses the agent's shared memory where it
 * is offered, and UDP otherwise (docs/SHM.md); the environment variable
 * `LARS_TRANSPORT` chooses otherwise: `udp` (UDP only, as the original
 * client), `shm` (ask for the shared memory at once) or `auto` (the
 * default).
 *
 * Returns 0; `LARS_ERR_NULL_POINTER` when `out` is NULL;
 * `LARS_ERR_BAD_ARGUMENT` for an `agent_ip` that is not IPv4 text, a
 * `base_port` of 0 or above 65533, a `timeout_ms` of 0, or a
 * `LARS_TRANSPORT` that is none of the three; `LARS_ERR_IO` when a socket
 * cannot be opened. `*out` is NULL after any failure.
 *
 * Ownership: the new handle belongs to the caller, who releases it with
 * `lars_client_free` exactly once. `options` and its `agent_ip` are only
 * read during the call. Safe from any thread.
 *
 * # Safety
 * `options` must be NULL or point to a `LarsOptions` whose `agent_ip` is
 * NULL or NUL-terminated; `out` must be NULL or valid for one write.
 */
int lars_client_new(const struct LarsOptions *options,
                    struct LarsClient **out);

/**
 * Releases a client made by `lars_client_new` and closes its sockets.
 * NULL is ignored. The handle must not be used afterwards, and must not
 * be in use by another thread during the call.
 *
 * # Safety
 * `client` must be NULL or a handle from `lars_client_new` not yet freed.
 */
void lars_client_free(struct LarsClient *client);

/**
 * Makes sure the agent has the route of module (modid, cmdid) before the
 * first `lars_get_host`: asks for it up to 3 times, 50 ms apart.
 *
 * Returns `LARS_RET_SUCC` once the route has hosts, `LARS_RET_NOEXIST`
 * otherwise (also when the agent does not answer);
 * `LARS_ERR_NULL_POINTER` when `client` is NULL.
 *
 * # Safety
 * `client` must be NULL or a live handle used by no other thread now.
 */
int lars_reg_init(struct LarsClient *client,
                  int32_t modid,
                  int32_t cmdid);

/**
 * Every host of module (modid, cmdid), idle and overloaded alike, into
 * the caller's array `hosts` of `capacity` elements; their number into
 * `*count`.
 *
 * Returns 0 (`*count` may be 0: the agent does not know the module yet
 * and starts pulling it); `LARS_ERR_BUFFER_TOO_SMALL` when the route has
 * more than `capacity` hosts: `*count` is then the number needed and
 * the array is untouched; `LARS_ERR_TIMEOUT`, `LARS_ERR_IO`,
 * `LARS_ERR_BAD_REPLY` without a usable answer (`*count` is 0);
 * `LARS_ERR_NULL_POINTER` when `client`, `hosts` or `count` is NULL and
 * `LARS_ERR_BAD_ARGUMENT` when `capacity` is 0, before anything is sent.
 *
 * Ownership: the array and `count` stay the caller's; written during the
 * call, never kept.
 *
 * # Safety
 * `client` must be NULL or a live handle used by no other thread now;
 * `hosts` NULL or valid for writes of `capacity` elements; `count` NULL or
 * valid for one write.
 */
int lars_get_route(struct LarsClient *client,
                   int32_t modid,
                   int32_t cmdid,
                   struct LarsHost *hosts,
                   size_t capacity,
                   size_t *count);

/**
 * The static, NUL-terminated text of a code returned by a `lars_*`
 * function, e.g. `"LARS_ERR_TIMEOUT: no answer from the agent before the
 * timeout (is lars-agent running?)"`; `"unknown lars return code"` for
 * any other value.
 *
 * Ownership: the text is owned by the library and lives as long as the
 * program; never free or modify it. Safe from any thread.
 */
const char *lars_code_str(int code);

/**
 * Writes the dotted text of the address number `ip` (e.g. 3232235953 ->
 * `"192.168.1.177"`), NUL-terminated, into `buf` of `buf_len` bytes.
 *
 * Returns 0; `LARS_ERR_NULL_POINTER` when `buf` is NULL;
 * `LARS_ERR_BAD_ARGUMENT` when `buf_len` < `LARS_IP_STR_LEN` (16), even if
 * this address would fit. Ownership: `buf` stays the caller's; it is
 * written, never kept. Safe from any thread.
 *
 * # Safety
 * `buf` must be NULL or valid for writes of `buf_len` bytes.
 */
int lars_ip_to_str(uint32_t ip,
                   char *buf,
                   size_t buf_len);

/**
 * Parses a NUL-terminated dotted IPv4 text (`"192.168.1.177"`) into its
 * number (3232235953), written to `*ip_out`.
 *
 * Returns 0; `LARS_ERR_NULL_POINTER` when `text` or `ip_out` is NULL;
 * `LARS_ERR_BAD_ARGUMENT` when the text is not an IPv4 address (nothing
 * is written then). Ownership: both pointers stay the caller's and are
 * not kept. Safe from any thread.
 *
 * # Safety
 * `text` must be NULL or a NUL-terminated string; `ip_out` must be NULL
 * or valid for a write of one `uint32_t`.
 */
int lars_ip_from_str(const char *text,
                     uint32_t *ip_out);

/**
 * Asks the agent for one host of module (modid, cmdid).
 *
 * Outputs: the address as NUL-terminated dotted text into `ip_buf` (of
 * `ip_buf_len` bytes, at least `LARS_IP_STR_LEN`), and/or as a number
 * into `*ip_out`; the port into `*port_out`. Either `ip_buf` or `ip_out`
 * may be NULL, not both. When the request was sent but no host came
 * back, the outputs are cleared (`""`, 0, 0); `LARS_ERR_NULL_POINTER` and
 * `LARS_ERR_BAD_ARGUMENT` leave them untouched.
 *
 * Returns `LARS_RET_SUCC` with a host; `LARS_RET_OVERLOAD`,
 * `LARS_RET_NOEXIST` or `LARS_RET_SYSTEM_ERROR` as the agent answered;
 * `LARS_ERR_TIMEOUT`, `LARS_ERR_IO` or `LARS_ERR_BAD_REPLY` without a
 * usable answer; `LARS_ERR_NULL_POINTER` / `LARS_ERR_BAD_ARGUMENT` (too
 * short `ip_buf`) before anything is sent.
 *
 * Ownership: every pointer stays the caller's; outputs are written
 * during the call, nothing is kept.
 *
 * # Safety
 * `client` must be NULL or a live handle used by no other thread now;
 * `ip_buf` NULL or valid for `ip_buf_len` bytes; `ip_out` and `port_out`
 * NULL or valid for one write.
 */
int lars_get_host(struct LarsClient *client,
                  int32_t modid,
                  int32_t cmdid,
                  char *ip_buf,
                  size_t ip_buf_len,
                  uint32_t *ip_out,
                  uint16_t *port_out);

/**
 * Like `lars_get_host`, for a module whose policy is `hash`: requests
 * with the same `key` get the same host while it is idle, on every agent
 * that has the same route (other policies ignore the key). Make the key
 * of a text with `lars_hash_key`, so that callers in every language
 * agree on it.
 *
 * Outputs, return codes, ownership and refusals are those of
 * `lars_get_host`; every `key`, 0 to UINT64_MAX, is sent as it is.
 *
 * # Safety
 * As `lars_get_host`: `client` must be NULL or a live handle used by no
 * other thread now; `ip_buf` NULL or valid for `ip_buf_len` bytes;
 * `ip_out` and `port_out` NULL or valid for one write.
 */
int lars_get_host_by_key(struct LarsClient *client,
                         int32_t modid,
                         int32_t cmdid,
                         uint64_t key,
                         char *ip_buf,
                         size_t ip_buf_len,
                         uint32_t *ip_out,
                         uint16_t *port_out);

/**
 * The key `lars_get_host_by_key` takes for the `len` bytes at `data`:
 * their 64-bit FNV-1a hash, which every Lars client computes the same
 * way (Rust `lars_api::hash_key`, Python `lars_client.hash_key`, C++
 * `lars_client::hash_key`), so a key hashed in any language lands on the
 * same host. Hash a text without its NUL: `lars_hash_key(s, strlen(s))`.
 * For example, `""` is 0xcbf29ce484222325 and `"a"` 0xaf63dc4c8601ec8c.
 *
 * `data` may be NULL when `len` is 0 (the empty key). NULL with a `len`
 * above 0, or a `len` above PTRDIFF_MAX, is refused: the result is 0 and
 * nothing is read. Ownership: `data` stays the caller's and is only read
 * during the call. Safe from any thread.
 *
 * # Safety
 * `data` must be NULL or valid for reads of `len` bytes.
 */
uint64_t lars_hash_key(const char *data,
                       size_t len);

/**
 * Tells the agent how a call to host `ip`:`port` of module (modid, cmdid)
 * went: `retcode` 0 (`LARS_RET_SUCC`) for a success, anything else for a
 * failure. `ip` is the address number (`lars_ip_from_str` makes it from
 * text). Sent and forgotten: the agent does not answer.
 *
 * Returns 0 once sent; `LARS_ERR_NULL_POINTER` when `client` is NULL;
 * `LARS_ERR_BAD_ARGUMENT` for port 0; `LARS_ERR_IO` when the datagram
 * could not be sent.
 *
 * # Safety
 * `client` must be NULL or a live handle used by no other thread now.
 */
int lars_report(struct LarsClient *client,
                int32_t modid,
                int32_t cmdid,
                uint32_t ip,
                uint16_t port,
                int retcode);

/**
 * Like `lars_report`, with how long the call took, in microseconds: the
 * `ewma` policy sends more traffic to faster hosts (other policies ignore
 * it). `latency_us` is sent as it is; UINT32_MAX (about 71 minutes) is
 * the most the wire holds, so clamp a longer call's duration to it.
 *
 * Returns and refusals are those of `lars_report`.
 *
 * # Safety
 * `client` must be NULL or a live handle used by no other thread now.
 */
int lars_report_with_latency(struct LarsClient *client,
                             int32_t modid,
                             int32_t cmdid,
                             uint32_t ip,
                             uint16_t port,
                             int retcode,
                             uint32_t latency_us);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* LARS_H */
