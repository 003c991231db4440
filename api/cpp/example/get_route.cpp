// get_route MODID CMDID: registers the module and prints every host of its
// route as "ip = IP, port = PORT" (the original tool's output).
#include "lars_client.hpp"

#include <iostream>

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("usage: ./get_route [modid] [cmdid]\n");
        return 1;
    }
    int modid = atoi(argv[1]);
    int cmdid = atoi(argv[2]);
    lars_client api;

    int ret = api.reg_init(modid, cmdid);
    if (ret != 0) {
        std::cout << "modid " << modid << ", cmdid " << cmdid
                  << " still not exist host, after register, ret = " << ret << std::endl;
    }

    route_set route;
    ret = api.get_route(modid, cmdid, route);
    if (ret != 0) {
        std::cout << "get_route ret = " << ret << " (" << api.last_error_str() << ")" << std::endl;
        return 1;
    }
    for (route_set_it it = route.begin(); it != route.end(); ++it) {
        std::cout << "ip = " << it->first << ", port = " << it->second << std::endl;
    }
    return 0;
}
