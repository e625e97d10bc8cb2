/*
 * worker.c - the sandboxed worker process: set-up, then a loop of
 * "receive a descriptor, scan it, answer".
 *
 * Set-up order (each step needs what the one before still allowed):
 *   1. descriptors: the socket becomes fd 3, stdio goes to /dev/null
 *      (stderr stays in sanitizer builds, for their reports), every other
 *      inherited descriptor is closed;
 *   2. the out-of-memory killer is told to take a worker first; the time
 *      zone is UTC (no zone file to read later);
 *   3. rlimits (address space, CPU, descriptors, no core files);
 *   4. user, groups and capabilities (privdrop_user);
 *   5. die with the spawner (PR_SET_PDEATHSIG, after the user switch,
 *      which clears it), not dumpable, no_new_privs;
 *   6. the seccomp filter (sandbox_enter);
 *   7. HELLO to the parent.
 * A failure at any step is sent as a HELLO with the reason, and the worker
 * exits: it never scans outside its sandbox.
 *
 * The scanner was made by the parent before the spawner was forked, so
 * its scratch space and the database pages are shared copy-on-write; a
 * worker owns its copy from the first write on. A worker serves one
 * request at a time for as long as it lives; it asks to be replaced
 * (PROTO_F_RETIRE) after running out of memory, or once it has used half
 * of its CPU-time limit.
 */
#include "sandbox/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/buf.h"
#include "sandbox/proto.h"
#include "sandbox/sandbox.h"
#include "sandbox/testhook.h"

#if defined(__SANITIZE_ADDRESS__)
#define KEEP_STDERR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KEEP_STDERR 1
#endif
#endif
#ifndef KEEP_STDERR
#define KEEP_STDERR 0
#endif
#if KEEP_STDERR
#include <sanitizer/common_interface_defs.h>
#endif

static int
send_all(const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = send(WORKER_SOCK_FD, p, n, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void __attribute__((noreturn))
setup_failed(int sock, const char *why)
{
    struct buf b = {0};

    if (proto_hello_encode(&b, VG_ESANDBOX, why) == VG_OK) {
        size_t off = 0;
        while (off < b.len) {
            ssize_t r = send(sock, b.p + off, b.len - off, MSG_NOSIGNAL);
            if (r <= 0)
                break;
            off += (size_t)r;
        }
    }
    _exit(1);
}

static int
setup_fds(int sock, char *why, size_t whylen)
{
    int s, nul;

    if ((s = fcntl(sock, F_DUPFD_CLOEXEC, 10)) < 0 ||
        (nul = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
        snprintf(why, whylen, "descriptors: %s", strerror(errno));
        return -1;
    }
    for (int i = 0; i <= 2; i++) {
        if (i == 2 && KEEP_STDERR && fcntl(2, F_GETFD) >= 0)
            continue;
        if (i != nul && dup2(nul, i) < 0) {
            snprintf(why, whylen, "dup2 /dev/null: %s", strerror(errno));
            return -1;
        }
    }
    if (dup2(s, WORKER_SOCK_FD) < 0) {
        snprintf(why, whylen, "dup2 socket: %s", strerror(errno));
        return -1;
    }
    if (close_range(WORKER_SOCK_FD + 1, ~0u, 0) != 0) {
        /* kernels before 5.9: one by one, up to the descriptor limit */
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = WORKER_SOCK_FD + 1; fd < (max > 0 ? max : 65536); fd++)
            close((int)fd);
    }
    return 0;
}

static void
oom_first(void)
{
    int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

    if (fd >= 0) {
        (void)!write(fd, "1000", 4);
        close(fd);
    }
}

static void
setup(const struct worker_cfg *cfg, int sock, pid_t spawner)
{
    char why[256];

    prctl(PR_SET_NAME, "vigil-worker", 0, 0, 0);
    if (setup_fds(sock, why, sizeof(why)) != 0)
        setup_failed(sock, why);
    oom_first();
    /* times in UTC: glibc would read (and keep checking with stat) the
     * time zone file for libarchive's dates; no verdict depends on them */
    setenv("TZ", "UTC0", 1);
    tzset();
    if (privdrop_limits(&cfg->rl, why, sizeof(why)) != 0 ||
        privdrop_user(&cfg->pd, why, sizeof(why)) != 0)
        setup_failed(WORKER_SOCK_FD, why);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
        setup_failed(WORKER_SOCK_FD, "prctl(PR_SET_PDEATHSIG) failed");
    if (getppid() != spawner)
        _exit(1); /* the spawner is already gone */
#if KEEP_STDERR
    /* sanitizer builds: let the runtime read what it needs for a report
     * (/proc/self/maps, ...) while files can still be opened */
    __sanitizer_sandbox_on_notify(NULL);
#endif
    if (privdrop_nnp(why, sizeof(why)) != 0 || sandbox_enter(WORKER_SOCK_FD, why, sizeof(why)) != 0)
        setup_failed(WORKER_SOCK_FD, why);
}

/* One SCAN request and its descriptor. 1: got one; 0: the parent closed
 * the socket; -1: a malformed request (a bug in the parent). */
static int
recv_request(uint64_t *seq, int *fd)
{
    uint8_t m[PROTO_HDR_SIZE + 12];
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 4)];
    } ctl;
    struct iovec iov = {m, sizeof(m)};
    struct msghdr mh;
    struct cmsghdr *c;
    size_t got = 0;
    uint16_t type;
    uint32_t len;

    *fd = -1;
    while (got < sizeof(m)) {
        ssize_t r;

        memset(&mh, 0, sizeof(mh));
        iov.iov_base = m + got;
        iov.iov_len = sizeof(m) - got;
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = ctl.b;
        mh.msg_controllen = sizeof(ctl.b);
        r = recvmsg(WORKER_SOCK_FD, &mh, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 && got == 0 && *fd < 0 ? 0 : -1;
        for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                continue;
            for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                int x;
                memcpy(&x, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                if (*fd < 0)
                    *fd = x;
                else
                    close(x);
            }
        }
        got += (size_t)r;
    }
    if (proto_hdr_decode(m, &type, &len) != 0 || type != PROTO_SCAN || len != 12 ||
        proto_scan_decode(m + PROTO_HDR_SIZE, len, seq) != 0)
        return -1;
    return 1;
}

static uint32_t
cpu_seconds(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (uint32_t)ts.tv_sec;
}

void
worker_prepare(void)
{
    static const char x[] = "vigil";
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n;
    iconv_t cd;

    /* the digests the scanner computes: fetched (and cached) once here */
    (void)EVP_Digest(x, sizeof(x), d, &n, EVP_md5(), NULL);
    (void)EVP_Digest(x, sizeof(x), d, &n, EVP_sha1(), NULL);
    (void)EVP_Digest(x, sizeof(x), d, &n, EVP_sha256(), NULL);
    /* libarchive's names: iconv_open reads glibc's gconv-modules.cache
     * once, then keeps it mapped (UTF-16 and the locale's charset are
     * built into glibc, no module to load) */
    if ((cd = iconv_open(nl_langinfo(CODESET), "UTF-16LE")) != (iconv_t)-1)
        iconv_close(cd);
    if ((cd = iconv_open("UTF-8", "UTF-16BE")) != (iconv_t)-1)
        iconv_close(cd);
}

void
worker_main(const struct worker_cfg *cfg, int sock, pid_t spawner)
{
    struct buf b = {0};

    setup(cfg, sock, spawner);
    if (proto_hello_encode(&b, VG_OK, "") != VG_OK || send_all(b.p, b.len) != 0)
        _exit(1);
    for (;;) {
        const vg_result *res = NULL;
        uint64_t seq;
        uint32_t flags = 0;
        vg_status st;
        int fd, r;

        if ((r = recv_request(&seq, &fd)) <= 0)
            _exit(r == 0 ? 0 : 2);
        if (fd < 0) {
            st = VG_EINVAL;
        } else if (!(cfg->test_hooks && testhook_run(fd, WORKER_SOCK_FD, &st))) {
            st = vg_scan_fd(cfg->sc, fd, &res);
        }
        if (fd >= 0)
            close(fd);
        if (st == VG_ENOMEM || (cfg->cpu_retire_s && cpu_seconds() >= cfg->cpu_retire_s))
            flags |= PROTO_F_RETIRE;
        b.len = 0;
        if (proto_reply_encode(&b, seq, st, st == VG_EINVAL && fd < 0 ? "no descriptor received" : NULL,
                               st == VG_OK ? res : NULL, flags) != VG_OK) {
            b.len = 0;
            if (proto_reply_encode(&b, seq, VG_ENOMEM, NULL, NULL, PROTO_F_RETIRE) != VG_OK)
                _exit(3);
        }
        if (send_all(b.p, b.len) != 0)
            _exit(0); /* the parent went away */
    }
}
