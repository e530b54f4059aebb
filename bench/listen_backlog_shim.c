/*
 * Preloaded into clamsmtpd by the benchmark only (bench/benchlib/cases.py).
 *
 * clamsmtpd 1.10 listens with a backlog of 5 and has no setting for it. When more clients
 * connect at once than that, the kernel drops their SYNs (ListenDrops in `nstat`) and each one
 * waits for its SYN retransmission, one second and more: at 30 sessions the filter then sat idle
 * most of the time and its throughput fell to a tenth of what it reached at 10. That measures
 * the accept queue, not the filter, so the benchmark gives it the same queue as mailsecd's
 * listeners (MailProxyLimits.listenBacklog) and haproxy's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>

enum { BENCH_LISTEN_BACKLOG = 4096 };

int listen(int fd, int backlog) {
    int (*next)(int, int) = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
    if (next == 0) {
        return -1;
    }
    return next(fd, backlog < BENCH_LISTEN_BACKLOG ? BENCH_LISTEN_BACKLOG : backlog);
}
