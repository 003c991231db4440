/*
 * The C ABI against a running stack (lars-dns, lars-agent), built with gcc
 * by api/capi/tests/stack.rs:
 *
 *   stack_test stack BASE_PORT   module 1/1 of the demo routes (3 hosts) on a
 *                                fresh agent: NOEXIST first, then hosts,
 *                                round robin, overload after 15 failures,
 *                                get_route, refused NULLs and lengths; and
 *                                module 600/1 (policy hash, hosts
 *                                10.9.0.1-3:80): one host per key
 *   stack_test down BASE_PORT    no agent on BASE_PORT: errors in time
 *
 * Prints "ok: ..." per check and "all checks passed" at the end; the first
 * failed check prints "FAILED: ..." and exits 1.
 */
#include "lars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(cond, ...)                                             \
    do {                                                             \
        if (!(cond)) {                                               \
            printf("FAILED: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                     \
            printf("\n");                                            \
            exit(1);                                                 \
        }                                                            \
    } while (0)

static const int MODID = 1, CMDID = 1;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static LarsClient *client(int base_port, uint32_t timeout_ms) {
    LarsOptions opts = lars_options_default();
    opts.base_port = (uint16_t)base_port;
    opts.timeout_ms = timeout_ms;
    LarsClient *c = NULL;
    int rc = lars_client_new(&opts, &c);
    CHECK(rc == LARS_RET_SUCC && c != NULL, "lars_client_new: %s", lars_code_str(rc));
    return c;
}

/* One get_host that must succeed; its port. */
static uint16_t pick(LarsClient *c) {
    char ip[LARS_IP_STR_LEN];
    uint32_t num = 0;
    uint16_t port = 0;
    int rc = lars_get_host(c, MODID, CMDID, ip, sizeof ip, &num, &port);
    CHECK(rc == LARS_RET_SUCC, "get_host: %s", lars_code_str(rc));
    CHECK(strcmp(ip, "127.0.0.1") == 0 && num == 2130706433u, "ip %s = %u", ip, num);
    return port;
}

static void refuses_malformed_input(LarsClient *c) {
    char ip[LARS_IP_STR_LEN];
    uint32_t num;
    uint16_t port;
    LarsHost hosts[4];
    size_t count;
    LarsClient *none = NULL;
    CHECK(lars_client_new(NULL, NULL) == LARS_ERR_NULL_POINTER, "new without out");
    CHECK(lars_get_host(NULL, 1, 1, ip, sizeof ip, &num, &port) == LARS_ERR_NULL_POINTER, "null client");
    CHECK(lars_get_host(c, 1, 1, ip, sizeof ip, &num, NULL) == LARS_ERR_NULL_POINTER, "null port");
    CHECK(lars_get_host(c, 1, 1, NULL, 0, NULL, &port) == LARS_ERR_NULL_POINTER, "no ip output");
    CHECK(lars_get_host(c, 1, 1, ip, 0, &num, &port) == LARS_ERR_BAD_ARGUMENT, "zero-length ip");
    CHECK(lars_get_host(c, 1, 1, ip, 8, &num, &port) == LARS_ERR_BAD_ARGUMENT, "short ip buffer");
    CHECK(lars_get_route(c, 1, 1, NULL, 4, &count) == LARS_ERR_NULL_POINTER, "null hosts");
    CHECK(lars_get_route(c, 1, 1, hosts, 0, &count) == LARS_ERR_BAD_ARGUMENT, "zero capacity");
    CHECK(lars_get_route(c, 1, 1, hosts, 4, NULL) == LARS_ERR_NULL_POINTER, "null count");
    CHECK(lars_report(NULL, 1, 1, 1, 1, 0) == LARS_ERR_NULL_POINTER, "report null client");
    CHECK(lars_report(c, 1, 1, 1, 0, 0) == LARS_ERR_BAD_ARGUMENT, "report port 0");
    CHECK(lars_reg_init(none, 1, 1) == LARS_ERR_NULL_POINTER, "reg_init null client");
    CHECK(lars_ip_from_str("300.1.1.1", &num) == LARS_ERR_BAD_ARGUMENT, "bad ip text");
    CHECK(lars_ip_from_str(NULL, &num) == LARS_ERR_NULL_POINTER, "null ip text");
    CHECK(lars_ip_to_str(1, ip, 0) == LARS_ERR_BAD_ARGUMENT, "zero-length ip text");
    CHECK(strncmp(lars_code_str(LARS_ERR_TIMEOUT), "LARS_ERR_TIMEOUT", 16) == 0, "code text");
    lars_client_free(NULL);
    printf("ok: NULL pointers and bad lengths are refused\n");
}

/* Module 600/1, policy hash: keys hashed by lars_hash_key pick the same
 * host each time, and thirty keys spread over all three hosts. */
static void by_key(LarsClient *c) {
    CHECK(lars_hash_key("", 0) == 0xcbf29ce484222325ull, "FNV-1a of \"\"");
    CHECK(lars_hash_key("a", 1) == 0xaf63dc4c8601ec8cull, "FNV-1a of \"a\"");
    CHECK(lars_hash_key("foobar", 6) == 0x85944171f73967e8ull, "FNV-1a of \"foobar\"");
    char ip[LARS_IP_STR_LEN];
    uint32_t num = 0;
    uint16_t port = 0;
    double deadline = now_ms() + 10000;
    int rc;
    while ((rc = lars_get_host_by_key(c, 600, 1, 1, ip, sizeof ip, &num, &port)) != LARS_RET_SUCC) {
        CHECK(now_ms() < deadline, "no host of 600/1 within 10 s: %s", lars_code_str(rc));
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    int seen = 0;
    for (int i = 0; i < 30; i++) {
        char text[16];
        snprintf(text, sizeof text, "user-%d", i);
        uint64_t key = lars_hash_key(text, strlen(text));
        uint32_t owner = 0;
        for (int round = 0; round < 3; round++) {
            rc = lars_get_host_by_key(c, 600, 1, key, ip, sizeof ip, &num, &port);
            CHECK(rc == LARS_RET_SUCC && port == 80, "%s: %s, port %u", text, lars_code_str(rc), port);
            CHECK(num >> 8 == 0x0a0900u && (num & 0xff) >= 1 && (num & 0xff) <= 3, "%s: ip %s", text, ip);
            CHECK(round == 0 || num == owner, "%s: %u, then %s", text, owner, ip);
            owner = num;
        }
        seen |= 1 << ((num & 0xff) - 1);
        rc = lars_report_with_latency(c, 600, 1, num, port, LARS_RET_SUCC, 1500);
        CHECK(rc == LARS_RET_SUCC, "report_with_latency: %s", lars_code_str(rc));
    }
    CHECK(seen == 7, "hosts seen by 30 keys: mask %d", seen);
    printf("ok: the same key picks the same host of a hash module\n");
}

static int stack(int base_port) {
    LarsClient *c = client(base_port, 500);
    refuses_malformed_input(c);

    char ip[LARS_IP_STR_LEN];
    uint16_t port = 7;
    int rc = lars_get_host(c, MODID, CMDID, ip, sizeof ip, NULL, &port);
    CHECK(rc == LARS_RET_NOEXIST && port == 0 && ip[0] == '\0', "first get_host: %s",
          lars_code_str(rc));
    printf("ok: a module the agent has not seen is RET_NOEXIST\n");

    double deadline = now_ms() + 10000;
    while ((rc = lars_get_host(c, MODID, CMDID, ip, sizeof ip, NULL, &port)) != LARS_RET_SUCC) {
        CHECK(now_ms() < deadline, "no host within 10 s: %s", lars_code_str(rc));
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    printf("ok: hosts once the route arrived\n");

    uint16_t picks[9];
    for (int i = 0; i < 9; i++) picks[i] = pick(c);
    for (int i = 0; i < 3; i++) {
        CHECK(picks[i] >= 9001 && picks[i] <= 9003, "port %u", picks[i]);
        CHECK(picks[i] != picks[(i + 1) % 3], "picks %u %u %u", picks[0], picks[1], picks[2]);
        CHECK(picks[i] == picks[i + 3] && picks[i] == picks[i + 6], "not a cycle at %d", i);
    }
    printf("ok: round robin over the three hosts\n");

    LarsHost hosts[3];
    size_t count = 0;
    rc = lars_get_route(c, MODID, CMDID, hosts, 2, &count);
    CHECK(rc == LARS_ERR_BUFFER_TOO_SMALL && count == 3, "small array: %s, %zu", lars_code_str(rc), count);
    rc = lars_get_route(c, MODID, CMDID, hosts, 3, &count);
    CHECK(rc == LARS_RET_SUCC && count == 3, "get_route: %s, %zu", lars_code_str(rc), count);
    int seen = 0;
    for (size_t i = 0; i < count; i++) {
        CHECK(hosts[i].ip == 2130706433u, "route ip %u", hosts[i].ip);
        seen |= 1 << (hosts[i].port - 9001);
    }
    CHECK(seen == 7, "route ports mask %d", seen);
    printf("ok: get_route lists all three hosts, and says 3 to a 2-host array\n");

    uint16_t bad = pick(c);
    for (int i = 0; i < 15; i++) {
        rc = lars_report(c, MODID, CMDID, 2130706433u, bad, LARS_RET_OVERLOAD);
        CHECK(rc == LARS_RET_SUCC, "report: %s", lars_code_str(rc));
    }
    /* Reports are not answered, and those written to the agent's shared
       memory take effect within [agent] shm_report_delay (1 ms) of the
       agent's next drain: wait until ten picks in a row skip the bad host.
       While it is idle every third pick is it (round robin over three);
       once overloaded only every eleventh is (probe_num 10). */
    deadline = now_ms() + 5000;
    int clean = 0;
    while (clean < 10) {
        CHECK(now_ms() < deadline, "host %u never skipped 10 times in a row", bad);
        clean = pick(c) == bad ? 0 : clean + 1;
    }
    rc = lars_get_route(c, MODID, CMDID, hosts, 3, &count);
    CHECK(rc == LARS_RET_SUCC && count == 3, "route keeps the overloaded host: %zu", count);
    printf("ok: 15 failures overload a host\n");

    by_key(c);
    lars_client_free(c);
    printf("all checks passed\n");
    return 0;
}

static int down(int base_port) {
    LarsClient *c = client(base_port, 100);
    char ip[LARS_IP_STR_LEN];
    uint16_t port;
    LarsHost hosts[4];
    size_t count;
    double start = now_ms();
    int rc = lars_get_host(c, MODID, CMDID, ip, sizeof ip, NULL, &port);
    double took = now_ms() - start;
    CHECK(rc == LARS_ERR_TIMEOUT || rc == LARS_ERR_IO, "get_host: %s", lars_code_str(rc));
    CHECK(took < 600, "get_host took %.0f ms", took);
    printf("ok: get_host without an agent: %s after %.0f ms\n", lars_code_str(rc), took);
    start = now_ms();
    rc = lars_get_route(c, MODID, CMDID, hosts, 4, &count);
    took = now_ms() - start;
    CHECK(rc == LARS_ERR_TIMEOUT || rc == LARS_ERR_IO, "get_route: %s", lars_code_str(rc));
    CHECK(took < 600 && count == 0, "get_route took %.0f ms, count %zu", took, count);
    CHECK(lars_reg_init(c, MODID, CMDID) == LARS_RET_NOEXIST, "reg_init without an agent");
    rc = lars_get_host_by_key(c, MODID, CMDID, 42, ip, sizeof ip, NULL, &port);
    CHECK(rc == LARS_ERR_TIMEOUT || rc == LARS_ERR_IO, "get_host_by_key: %s", lars_code_str(rc));
    CHECK(port == 0 && ip[0] == '\0', "get_host_by_key outputs cleared: %s:%u", ip, port);
    lars_client_free(c);
    printf("all checks passed\n");
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        printf("usage: stack_test stack|down BASE_PORT\n");
        return 2;
    }
    int base_port = atoi(argv[2]);
    if (strcmp(argv[1], "stack") == 0) return stack(base_port);
    if (strcmp(argv[1], "down") == 0) return down(base_port);
    printf("unknown mode %s\n", argv[1]);
    return 2;
}
