// get_host MODID CMDID: registers the module, asks the agent for one host
// and prints "host is IP:PORT" (the original tool's output).
#include "lars_client.hpp"

#include <iostream>

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("usage: ./get_host [modid] [cmdid]\n");
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

    std::string ip;
    int port = 0;
    ret = api.get_host(modid, cmdid, ip, port);
    if (ret == 0) {
        std::cout << "host is " << ip << ":" << port << std::endl;
        return 0;
    }
    std::cout << "get_host ret = " << ret << " (" << api.last_error_str() << ")" << std::endl;
    return 1;
}
