// report MODID CMDID IP PORT 0|1: tells the agent that a call to IP:PORT
// succeeded (0) or failed (1), and says so (the original tool's output).
#include "lars_client.hpp"

#include <iostream>

int main(int argc, char **argv)
{
    if (argc != 6) {
        printf("usage: ./report ModID CmdID IP Port 0|1 --- 0:succ, 1:overload \n");
        return 1;
    }
    int modid = atoi(argv[1]);
    int cmdid = atoi(argv[2]);
    std::string ip = argv[3];
    int port = atoi(argv[4]);
    int retcode = atoi(argv[5]);
    lars_client api;

    int ret = api.reg_init(modid, cmdid);
    if (ret != 0) {
        std::cout << "modid " << modid << ", cmdid " << cmdid
                  << " still not exist host, after register, ret = " << ret << std::endl;
    }

    api.report(modid, cmdid, ip, port, retcode);
    if (api.last_error() != 0) {
        std::cout << "report not sent: " << api.last_error_str() << std::endl;
        return 1;
    }
    std::cout << "report modid = " << modid << ", cmdid = " << cmdid << " | " << ip << ":" << port
              << " " << (retcode == 0 ? "SUCC" : "OVERLOAD") << std::endl;
    return 0;
}
