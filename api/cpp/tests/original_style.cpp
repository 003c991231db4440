// A program written against the original Lars C++ API (lars_api.h), in
// its style, with only the #include line changed: it relies on the
// header for <stdio.h>, <stdlib.h>, <unistd.h>, <time.h>, <string> and
// <vector>, and uses every name of the original's header. Built with g++
// and run against the stack by api/capi/tests/stack.rs (the agent is
// named by LARS_AGENT_BASE_PORT, as the program cannot be told).
#include "lars_client.hpp"
#include <iostream>

void usage()
{
    printf("usage: ./original_style [modid] [cmdid]\n");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        usage();
        return 1;
    }
    int modid = atoi(argv[1]);
    int cmdid = atoi(argv[2]);
    lars_client api;

    int ret = api.reg_init(modid, cmdid);
    if (ret != 0) {
        std::cout << "modid " << modid << ", cmdid " << cmdid << " still not exist host, after register, ret = " << ret << std::endl;
    }

    route_set route;
    ret = api.get_route(modid, cmdid, route);
    if (ret == 0) {
        for (route_set_it it = route.begin(); it != route.end(); it++) {
            std::cout << "ip = " << (*it).first << ", port = " << (*it).second << std::endl;
        }
    }

    std::string ip;
    int port;
    long start = time(NULL);
    for (int i = 0; i < 3; i++) {
        ret = api.get_host(modid, cmdid, ip, port);
        if (ret == 0) {
            std::cout << "host is " << ip << ":" << port << std::endl;
            api.report(modid, cmdid, ip, port, 0);
        }
        else {
            printf("[%d,%d] get error %d\n", modid, cmdid, ret);
        }
        usleep(1000);
    }
    printf("done in %ld s\n", (long)(time(NULL) - start));
    return 0;
}
