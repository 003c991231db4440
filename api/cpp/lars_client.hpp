// lars_client.hpp: the Lars client API for C++, header-only, over the C
// library (lars.h, liblars.so / liblars.a).
//
// It keeps the original Lars C++ API's names and signatures (lars_api.h):
// class lars_client with reg_init, get_host, report, get_route, and the
// typedefs ip_port, route_set, route_set_it, so a program written for the
// original compiles with only its #include line changed. Like the
// original's header, this one brings in <stdio.h>, <stdlib.h>, <unistd.h>,
// <time.h>, <string> and <vector>, which such programs use unnamed.
//
// Additions to the original's API: get_host_by_key and hash_key for modules
// whose policy is hash (the same key, the same host), report_with_latency
// for modules whose policy is ewma (faster hosts get more calls).
//
// Differences from the original, all on failure paths:
//  - no call waits forever: get_host / get_route give up after the
//    client's timeout (50 ms by default) and return RET_SYSTEM_ERROR (2);
//    last_error() then tells why (LARS_ERR_TIMEOUT, LARS_ERR_IO, ...);
//  - a client that cannot be made throws std::runtime_error (the original
//    exits the process);
//  - report() with an address that is not IPv4 text, or a port outside
//    1..65535, sends nothing (last_error() is LARS_ERR_BAD_ARGUMENT).
//
// The default constructor talks to 127.0.0.1:8888-8890 with a 50 ms
// timeout; the environment variables LARS_AGENT_IP, LARS_AGENT_BASE_PORT
// and LARS_TIMEOUT_MS override those, so an unchanged program can be
// pointed at another agent.
//
// Threads: one lars_client per thread (a call waits on the client's own
// sockets). The object owns its C handle: it can be moved, not copied.
#pragma once

#include "lars.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

typedef std::pair<std::string, int> ip_port;
typedef std::vector<ip_port> route_set;
typedef route_set::iterator route_set_it;

class lars_client {
public:
    // A client of the agent named by the environment (see above), else
    // 127.0.0.1:8888 with a 50 ms timeout.
    lars_client() : _client(NULL), _last_error(LARS_RET_SUCC) {
        LarsOptions opts = lars_options_default();
        const char *ip = getenv("LARS_AGENT_IP");
        const char *port = getenv("LARS_AGENT_BASE_PORT");
        const char *timeout = getenv("LARS_TIMEOUT_MS");
        if (ip != NULL && *ip != '\0') opts.agent_ip = ip;
        if (port != NULL && *port != '\0') opts.base_port = (uint16_t)env_number(port, 65535);
        if (timeout != NULL && *timeout != '\0') opts.timeout_ms = (uint32_t)env_number(timeout, 3600000);
        open(opts);
    }

    // A client of the agent on agent_ip, ports base_port..base_port+2,
    // waiting at most timeout_ms for each answer.
    lars_client(const std::string &agent_ip, int base_port, int timeout_ms)
        : _client(NULL), _last_error(LARS_RET_SUCC) {
        LarsOptions opts = lars_options_default();
        opts.agent_ip = agent_ip.c_str();
        opts.base_port = (base_port > 0 && base_port <= 65535) ? (uint16_t)base_port : 0;
        opts.timeout_ms = timeout_ms > 0 ? (uint32_t)timeout_ms : 0;
        open(opts);
    }

    ~lars_client() { lars_client_free(_client); }

    lars_client(lars_client &&other) : _client(other._client), _last_error(other._last_error) {
        other._client = NULL;
    }
    lars_client &operator=(lars_client &&other) {
        if (this != &other) {
            lars_client_free(_client);
            _client = other._client;
            _last_error = other._last_error;
            other._client = NULL;
        }
        return *this;
    }

    // Asks for the route of modid/cmdid up to 3 times, 50 ms apart, so the
    // first get_host finds it: 0 (RET_SUCC) once it has hosts, else 3
    // (RET_NOEXIST). Call it once at start.
    int reg_init(int modid, int cmdid) {
        return code(lars_reg_init(_client, modid, cmdid));
    }

    // One host of modid/cmdid into ip and port: 0 (RET_SUCC), or 1
    // (RET_OVERLOAD), 3 (RET_NOEXIST), 2 (RET_SYSTEM_ERROR: no usable answer,
    // see last_error()) with ip and port left as they were.
    int get_host(int modid, int cmdid, std::string &ip, int &port) {
        char text[LARS_IP_STR_LEN];
        uint16_t p = 0;
        int rc = lars_get_host(_client, modid, cmdid, text, sizeof text, NULL, &p);
        return take_host(rc, text, p, ip, port);
    }

    // Like get_host, for a module whose policy is hash: calls with the same
    // key get the same host while it is idle, from every agent with the
    // same route (other policies ignore the key). hash_key makes the key of
    // a text the way every Lars client does.
    int get_host_by_key(int modid, int cmdid, uint64_t key, std::string &ip, int &port) {
        char text[LARS_IP_STR_LEN];
        uint16_t p = 0;
        int rc = lars_get_host_by_key(_client, modid, cmdid, key, text, sizeof text, NULL, &p);
        return take_host(rc, text, p, ip, port);
    }

    // The key of a text for get_host_by_key: its 64-bit FNV-1a hash, the
    // same in every Lars client (lars_hash_key), so a key hashed in C++,
    // Python or Rust lands on the same host.
    static uint64_t hash_key(const std::string &text) {
        return lars_hash_key(text.data(), text.size());
    }

    // Tells the agent how a call to ip:port went: retcode 0 for a success,
    // anything else (e.g. 1, RET_OVERLOAD) for a failure. Fire and forget.
    void report(int modid, int cmdid, const std::string &ip, int port, int retcode) {
        uint32_t num = 0;
        int rc = host_number(ip, port, num);
        if (rc == LARS_RET_SUCC) rc = lars_report(_client, modid, cmdid, num, (uint16_t)port, retcode);
        _last_error = rc;
    }

    // Like report, with how long the call took in microseconds, for a module
    // whose policy is ewma (faster hosts get more calls; other policies
    // ignore it). A duration above UINT32_MAX (about 71 minutes) is sent as
    // UINT32_MAX; a negative one sends nothing (last_error() is
    // LARS_ERR_BAD_ARGUMENT).
    void report_with_latency(int modid, int cmdid, const std::string &ip, int port, int retcode,
                             long long latency_us) {
        uint32_t num = 0;
        int rc = latency_us < 0 ? LARS_ERR_BAD_ARGUMENT : host_number(ip, port, num);
        if (rc == LARS_RET_SUCC) {
            uint32_t us = latency_us > (long long)UINT32_MAX ? UINT32_MAX : (uint32_t)latency_us;
            rc = lars_report_with_latency(_client, modid, cmdid, num, (uint16_t)port, retcode, us);
        }
        _last_error = rc;
    }

    // Appends every host of modid/cmdid (idle and overloaded) to route:
    // 0 (RET_SUCC; an unknown module has none yet), or 2 (RET_SYSTEM_ERROR:
    // no usable answer, see last_error()).
    int get_route(int modid, int cmdid, route_set &route) {
        std::vector<LarsHost> hosts(64);
        size_t count = 0;
        int rc = LARS_ERR_BUFFER_TOO_SMALL;
        // The route may grow between two calls: ask again with room for it.
        for (int attempt = 0; attempt < 3 && rc == LARS_ERR_BUFFER_TOO_SMALL; ++attempt) {
            if (count > hosts.size()) hosts.resize(count + 16);
            rc = lars_get_route(_client, modid, cmdid, &hosts[0], hosts.size(), &count);
        }
        rc = code(rc);
        if (rc == LARS_RET_SUCC) {
            char text[LARS_IP_STR_LEN];
            for (size_t i = 0; i < count; ++i) {
                lars_ip_to_str(hosts[i].ip, text, sizeof text);
                route.push_back(ip_port(std::string(text), hosts[i].port));
            }
        }
        return rc;
    }

    // The code of the last call as liblars gave it: 0..3, or a negative
    // LARS_ERR_* when the call returned RET_SYSTEM_ERROR for a local reason.
    int last_error() const { return _last_error; }

    // Its text (lars_code_str).
    const char *last_error_str() const { return lars_code_str(_last_error); }

    // The C handle, for calls this class does not wrap; still owned here.
    LarsClient *handle() const { return _client; }

private:
    lars_client(const lars_client &);             // not copyable
    lars_client &operator=(const lars_client &);  // not copyable

    void open(const LarsOptions &opts) {
        int rc = lars_client_new(&opts, &_client);
        if (rc != LARS_RET_SUCC) {
            throw std::runtime_error(std::string("lars_client: ") + lars_code_str(rc));
        }
    }

    // The number of IPv4 text ip into num: LARS_RET_SUCC, or
    // LARS_ERR_BAD_ARGUMENT when ip is no IPv4 text or port is outside
    // 1..65535.
    static int host_number(const std::string &ip, int port, uint32_t &num) {
        if (port <= 0 || port > 65535) return LARS_ERR_BAD_ARGUMENT;
        return lars_ip_from_str(ip.c_str(), &num);
    }

    // A get_host's code; on success its host into ip and port.
    int take_host(int rc, const char *text, uint16_t p, std::string &ip, int &port) {
        rc = code(rc);
        if (rc == LARS_RET_SUCC) {
            ip.assign(text);
            port = p;
        }
        return rc;
    }

    // Keeps a call's code and maps the library's own errors to the
    // original's RET_SYSTEM_ERROR.
    int code(int rc) {
        _last_error = rc;
        return rc < 0 ? LARS_RET_SYSTEM_ERROR : rc;
    }

    // A decimal environment value in 1..max, else 0 (refused by liblars).
    static long env_number(const char *text, long max) {
        char *end = NULL;
        long v = strtol(text, &end, 10);
        return (end != text && *end == '\0' && v > 0 && v <= max) ? v : 0;
    }

    LarsClient *_client;
    int _last_error;
};
