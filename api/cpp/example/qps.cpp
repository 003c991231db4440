// qps THREADS [SECONDS]: the agent load test of the original. Thread i
// uses module (i+1, 1) with its own client: get_host, then report the
// answer, as fast as it can. Each thread prints, once a second,
//   thread:[I] --> qps = [N], average = [M]
// as the original tool does. With SECONDS the run stops after that long
// and prints the total over all threads:
//   total: N get_host in S s by T threads = Q qps
#include "lars_client.hpp"

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>
#include <vector>

namespace {

std::atomic<bool> stop_flag(false);
// Every thread registers its module first; the clock starts when all have.
std::atomic<int> ready(0);
std::atomic<bool> go(false);

struct worker {
    int t_id;
    int modid;
    int cmdid;
    long requests;  // every answered get_host (RET_SUCC, OVERLOAD, NOEXIST)
};

void run(worker *w)
{
    lars_client api;
    int ret = api.reg_init(w->modid, w->cmdid);
    if (ret != 0) {
        std::cout << "modid " << w->modid << ", cmdid " << w->cmdid
                  << " still not exist host, after register, ret = " << ret << std::endl;
    }
    ready.fetch_add(1);
    while (!go.load()) std::this_thread::yield();
    std::string ip;
    int port = 0;
    long qps = 0, total = 0, seconds = 0;
    long last = time(NULL);
    while (!stop_flag.load(std::memory_order_relaxed)) {
        ret = api.get_host(w->modid, w->cmdid, ip, port);
        if (ret == 0 || ret == 1 || ret == 3) {
            ++qps;
            ++w->requests;
            if (ret != 3) api.report(w->modid, w->cmdid, ip, port, ret);
        } else {
            printf("[%d,%d] get error %d\n", w->modid, w->cmdid, ret);
        }
        long now = time(NULL);
        if (now - last >= 1) {
            seconds += 1;
            total += qps;
            last = now;
            printf("thread:[%d] --> qps = [%ld], average = [%ld]\n", w->t_id, qps, total / seconds);
            qps = 0;
        }
    }
}

}  // namespace

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 3) {
        printf("./qps [thread_num] [seconds]\n");
        return 1;
    }
    int threads = atoi(argv[1]);
    int seconds = argc == 3 ? atoi(argv[2]) : 0;
    if (threads <= 0 || seconds < 0) {
        printf("./qps [thread_num] [seconds]\n");
        return 1;
    }
    std::vector<worker> workers(threads);
    std::vector<std::thread> running;
    for (int i = 0; i < threads; ++i) {
        worker w = {i, i + 1, 1, 0};
        workers[i] = w;
    }
    for (int i = 0; i < threads; ++i) running.push_back(std::thread(run, &workers[i]));
    while (ready.load() < threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    go.store(true);
    if (seconds == 0) {
        for (size_t i = 0; i < running.size(); ++i) running[i].join();  // runs until killed
        return 0;
    }
    std::this_thread::sleep_until(start + std::chrono::seconds(seconds));
    stop_flag.store(true);
    for (size_t i = 0; i < running.size(); ++i) running[i].join();
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    long total = 0;
    for (size_t i = 0; i < workers.size(); ++i) total += workers[i].requests;
    printf("total: %ld get_host in %.2f s by %d threads = %.0f qps\n", total, elapsed, threads,
           total / elapsed);
    return total > 0 ? 0 : 1;
}
