// lars_client (lars_client.hpp) against a running stack (lars-dns,
// lars-agent), built with g++ by api/capi/tests/stack.rs:
//
//   stack_test stack BASE_PORT   module 1/1 of the demo routes (3 hosts) on a
//                                fresh agent: NOEXIST first, then hosts,
//                                round robin, overload after 15 failures,
//                                get_route; and module 600/1 (policy hash,
//                                hosts 10.9.0.1-3:80): one host per key,
//                                reports with latencies
//   stack_test down BASE_PORT    no agent: RET_SYSTEM_ERROR in time, with
//                                the reason in last_error()
//
// Prints "ok: ..." per check and "all checks passed" at the end; the first
// failed check prints "FAILED: ..." and exits 1.
#include "lars_client.hpp"

#include <chrono>
#include <cstring>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

namespace {

const int MODID = 1, CMDID = 1;

void check(bool ok, int line, const std::string &what)
{
    if (!ok) {
        std::cout << "FAILED: line " << line << ": " << what << std::endl;
        exit(1);
    }
}
#define CHECK(cond, what) check((cond), __LINE__, std::string(#cond) + ": " + (what))

typedef std::chrono::steady_clock clock_type;

long ms_since(clock_type::time_point start)
{
    return (long)std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
}

std::string pick(lars_client &api)
{
    std::string ip;
    int port = 0;
    int ret = api.get_host(MODID, CMDID, ip, port);
    CHECK(ret == 0, api.last_error_str());
    std::ostringstream out;
    out << ip << ":" << port;
    return out.str();
}

// Module 600/1, policy hash: the same key, the same host; thirty keys reach
// all three hosts. Reports with latencies are sent, or refused when negative.
void by_key(lars_client &api)
{
    CHECK(lars_client::hash_key("") == 0xcbf29ce484222325ull, "FNV-1a of \"\"");
    CHECK(lars_client::hash_key("foobar") == 0x85944171f73967e8ull, "FNV-1a of \"foobar\"");
    std::string ip;
    int port = 0;
    clock_type::time_point start = clock_type::now();
    while (api.get_host_by_key(600, 1, 1, ip, port) != 0) {
        CHECK(ms_since(start) < 10000, api.last_error_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::set<std::string> owners;
    for (int i = 0; i < 30; i++) {
        std::ostringstream text;
        text << "user-" << i;
        uint64_t key = lars_client::hash_key(text.str());
        std::string owner;
        for (int round = 0; round < 3; round++) {
            CHECK(api.get_host_by_key(600, 1, key, ip, port) == 0, api.last_error_str());
            CHECK(port == 80 && ip.compare(0, 7, "10.9.0.") == 0, text.str() + " got " + ip);
            CHECK(round == 0 || ip == owner, text.str() + ": " + owner + ", then " + ip);
            owner = ip;
        }
        owners.insert(owner);
        api.report_with_latency(600, 1, ip, port, 0, 1500);
        CHECK(api.last_error() == 0, api.last_error_str());
    }
    CHECK(owners.size() == 3, "thirty keys reach the three hosts");
    api.report_with_latency(600, 1, ip, port, 0, 1LL << 40);
    CHECK(api.last_error() == 0, "a latency above UINT32_MAX is sent as UINT32_MAX");
    api.report_with_latency(600, 1, ip, port, 0, -1);
    CHECK(api.last_error() == LARS_ERR_BAD_ARGUMENT, "a negative latency is not sent");
    api.report_with_latency(600, 1, ip, 0, 0, 1500);
    CHECK(api.last_error() == LARS_ERR_BAD_ARGUMENT, "port 0 is not sent");
    std::cout << "ok: the same key picks the same host of a hash module" << std::endl;
}

int stack(int base_port)
{
    lars_client api("127.0.0.1", base_port, 500);
    std::string ip = "unchanged";
    int port = -1;
    int ret = api.get_host(MODID, CMDID, ip, port);
    CHECK(ret == 3 && ip == "unchanged" && port == -1, api.last_error_str());
    std::cout << "ok: a module the agent has not seen is RET_NOEXIST (3)" << std::endl;

    clock_type::time_point start = clock_type::now();
    while ((ret = api.get_host(MODID, CMDID, ip, port)) != 0) {
        CHECK(ms_since(start) < 10000, api.last_error_str());
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(api.reg_init(MODID, CMDID) == 0, "reg_init once the route is there");
    std::cout << "ok: hosts once the route arrived" << std::endl;

    std::vector<std::string> picks;
    for (int i = 0; i < 9; i++) picks.push_back(pick(api));
    std::set<std::string> distinct(picks.begin(), picks.end());
    CHECK(distinct.size() == 3, "three distinct hosts");
    for (int i = 0; i < 6; i++) CHECK(picks[i] == picks[i + 3], "a cycle of three");
    CHECK(distinct.count("127.0.0.1:9001") == 1, "the demo route's first host");
    std::cout << "ok: round robin over the three hosts" << std::endl;

    route_set route;
    ret = api.get_route(MODID, CMDID, route);
    CHECK(ret == 0 && route.size() == 3, api.last_error_str());
    std::set<std::string> listed;
    for (route_set_it it = route.begin(); it != route.end(); ++it) {
        std::ostringstream out;
        out << it->first << ":" << it->second;
        listed.insert(out.str());
    }
    CHECK(listed == distinct, "get_route lists the hosts get_host hands out");
    std::cout << "ok: get_route lists all three hosts" << std::endl;

    std::string bad = pick(api);
    int bad_port = atoi(bad.substr(bad.find(':') + 1).c_str());
    for (int i = 0; i < 15; i++) {
        api.report(MODID, CMDID, "127.0.0.1", bad_port, 1);
        CHECK(api.last_error() == 0, api.last_error_str());
    }
    // Reports written to the agent's shared memory take effect within
    // [agent] shm_report_delay (1 ms) of its next drain: wait until ten
    // picks in a row skip the bad host. While it is idle every third pick
    // is it (round robin over three); once overloaded only every eleventh
    // (probe_num 10).
    start = clock_type::now();
    int clean = 0;
    while (clean < 10) {
        CHECK(ms_since(start) < 5000, "host never skipped 10 times in a row");
        clean = pick(api) == bad ? 0 : clean + 1;
    }
    route.clear();
    CHECK(api.get_route(MODID, CMDID, route) == 0 && route.size() == 3, "route keeps the host");
    std::cout << "ok: 15 failures overload a host" << std::endl;

    api.report(MODID, CMDID, "not-an-ip", 9001, 0);
    CHECK(api.last_error() == LARS_ERR_BAD_ARGUMENT, "bad ip text is not sent");
    api.report(MODID, CMDID, "127.0.0.1", 70000, 0);
    CHECK(api.last_error() == LARS_ERR_BAD_ARGUMENT, "bad port is not sent");
    bool thrown = false;
    try {
        lars_client broken("127.0.0.1", base_port, 0);
    } catch (const std::runtime_error &e) {
        thrown = std::strstr(e.what(), "LARS_ERR_BAD_ARGUMENT") != NULL;
    }
    CHECK(thrown, "a zero timeout throws");
    std::cout << "ok: bad arguments are refused" << std::endl;
    by_key(api);
    std::cout << "all checks passed" << std::endl;
    return 0;
}

int down(int base_port)
{
    lars_client api("127.0.0.1", base_port, 100);
    std::string ip;
    int port = 0;
    clock_type::time_point start = clock_type::now();
    int ret = api.get_host(MODID, CMDID, ip, port);
    long took = ms_since(start);
    CHECK(ret == 2, "RET_SYSTEM_ERROR without an agent");
    CHECK(api.last_error() == LARS_ERR_TIMEOUT || api.last_error() == LARS_ERR_IO, api.last_error_str());
    CHECK(took < 600, "get_host returned in time");
    std::cout << "ok: get_host without an agent: " << api.last_error_str() << " after " << took << " ms" << std::endl;
    route_set route;
    start = clock_type::now();
    CHECK(api.get_route(MODID, CMDID, route) == 2 && route.empty(), "get_route without an agent");
    CHECK(ms_since(start) < 600, "get_route returned in time");
    CHECK(api.reg_init(MODID, CMDID) == 3, "reg_init without an agent");
    std::cout << "all checks passed" << std::endl;
    return 0;
}

}  // namespace

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::cout << "usage: stack_test stack|down BASE_PORT" << std::endl;
        return 2;
    }
    int base_port = atoi(argv[2]);
    if (std::strcmp(argv[1], "stack") == 0) return stack(base_port);
    if (std::strcmp(argv[1], "down") == 0) return down(base_port);
    std::cout << "unknown mode " << argv[1] << std::endl;
    return 2;
}
