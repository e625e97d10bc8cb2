/*
 * seccomp.c - the seccomp-bpf sandbox backend (libseccomp).
 *
 * The filter's default action kills the whole worker (SIGSYS); it allows
 * only what scanning a descriptor that was handed over needs, as measured
 * with strace on workers scanning the test corpora (glibc 2.36, Hyperscan
 * 5.4, PCRE2 10.42, OpenSSL 3.0): reading the file, messages on the
 * worker's own socket, memory management without executable pages, time,
 * futexes, and exit. Each rule's reason is in docs/internals/SANDBOX.md.
 * Two rules answer EPERM instead of killing: mmap and mprotect asking for
 * executable memory, which is how PCRE2's JIT compiler asks for it; it then
 * fails cleanly and PCRE2 interprets the pattern instead.
 *
 * Not allowed, among everything else: open/openat (no file system),
 * socket/connect/bind (no network), execve, fork/clone/vfork, ptrace, kill
 * (except SIGABRT to itself, so that abort() is reported as such), write
 * to any descriptor, ioctl, prctl, seccomp.
 */
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

const char *
sandbox_name(void)
{
    return "seccomp";
}

/* A rule: a call and up to two conditions on its arguments. For
 * SCMP_CMP_MASKED_EQ, a is the mask and b the value (libseccomp's order). */
struct cond {
    unsigned arg;
    enum scmp_compare op;
    scmp_datum_t a, b;
};

struct rule {
    const char *name;
    unsigned n;
    struct cond c[2];
};

static int
add(scmp_filter_ctx ctx, uint32_t action, const struct rule *r, char *why, size_t whylen)
{
    struct scmp_arg_cmp cmp[2];
    int nr = seccomp_syscall_resolve_name(r->name), e;

    if (nr == __NR_SCMP_ERROR) {
        snprintf(why, whylen, "seccomp: unknown system call %s", r->name);
        return -1;
    }
    memset(cmp, 0, sizeof(cmp));
    for (unsigned i = 0; i < r->n; i++) {
        cmp[i].arg = r->c[i].arg;
        cmp[i].op = r->c[i].op;
        cmp[i].datum_a = r->c[i].a;
        cmp[i].datum_b = r->c[i].b;
    }
    if ((e = seccomp_rule_add_array(ctx, action, nr, r->n, cmp)) != 0) {
        snprintf(why, whylen, "seccomp rule for %s: %s", r->name, strerror(-e));
        return -1;
    }
    return 0;
}

#define ANY 0, {{0, SCMP_CMP_EQ, 0, 0}, {0, SCMP_CMP_EQ, 0, 0}}
#define IF(i, op, v) 1, {{i, op, v, 0}, {0, SCMP_CMP_EQ, 0, 0}}
#define IF_MASK(i, mask, v) 1, {{i, SCMP_CMP_MASKED_EQ, mask, v}, {0, SCMP_CMP_EQ, 0, 0}}

int
sandbox_enter(int sock, char *why, size_t whylen)
{
    const scmp_datum_t s = (scmp_datum_t)sock;
    const struct rule allow[] = {
        /* the file handed over (never stdio), and the socket to the parent */
        {"read", IF(0, SCMP_CMP_GT, 2)},
        {"pread64", IF(0, SCMP_CMP_GT, 2)},
        {"recvmsg", IF(0, SCMP_CMP_EQ, s)},
        {"recvfrom", IF(0, SCMP_CMP_EQ, s)},
        {"sendmsg", IF(0, SCMP_CMP_EQ, s)},
        {"sendto", IF(0, SCMP_CMP_EQ, s)},
        {"fstat", ANY},
        {"newfstatat", IF_MASK(3, AT_EMPTY_PATH, AT_EMPTY_PATH)},
        {"lseek", ANY},
        {"close", ANY},
        /* memory, never executable */
        {"mmap", IF_MASK(2, PROT_EXEC, 0)},
        {"mprotect", IF_MASK(2, PROT_EXEC, 0)},
        {"munmap", ANY},
        {"mremap", ANY},
        {"brk", ANY},
        {"madvise", ANY},
        /* the machine's memory size: sysconf(_SC_PHYS_PAGES) in glibc's
         * qsort (large arrays) and in decompressors' memory limits */
        {"sysinfo", ANY},
        /* time, locks, the end */
        {"clock_gettime", ANY},
        {"gettimeofday", ANY},
        {"futex", ANY},
        {"restart_syscall", ANY},
        {"exit", ANY},
        {"exit_group", ANY},
        /* abort(): unblock SIGABRT and send it to itself, nothing else */
        {"rt_sigprocmask", ANY},
        {"getpid", ANY},
        {"gettid", ANY},
        {"tgkill", 2, {{0, SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0}, {2, SCMP_CMP_EQ, SIGABRT, 0}}},
#ifdef SANITIZED
        /* sanitizer builds only: ASan/UBSan reports go to stderr (which
         * they first ask whether it is a terminal), and the ASan runtime
         * resets its signal stack on the way out */
        {"write", IF(0, SCMP_CMP_EQ, 2)},
        {"writev", IF(0, SCMP_CMP_EQ, 2)},
        {"ioctl", 2, {{0, SCMP_CMP_EQ, 2, 0}, {1, SCMP_CMP_EQ, TCGETS, 0}}},
        {"sigaltstack", ANY},
#endif
    };
    /* executable memory: refused, not fatal (PCRE2's JIT falls back) */
    const struct rule refuse[] = {
        {"mmap", IF_MASK(2, PROT_EXEC, PROT_EXEC)},
        {"mprotect", IF_MASK(2, PROT_EXEC, PROT_EXEC)},
    };
    /* glibc's malloc, trimming a secondary arena's heap under memory
     * pressure, reads /proc/sys/vm/overcommit_memory once with exactly
     * these flags (workers inherit secondary arenas from threads of the
     * process that forked them). That open is refused with EACCES, which
     * glibc handles; every other open still kills the worker. */
    const struct rule refuse_access[] = {
        {"openat", IF(2, SCMP_CMP_EQ, O_RDONLY | O_CLOEXEC)},
    };
    scmp_filter_ctx ctx;
    int rc = -1, e;

    if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
        snprintf(why, whylen, "seccomp_init failed");
        return -1;
    }
    if ((e = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) != 0) {
        snprintf(why, whylen, "seccomp_attr_set: %s", strerror(-e));
        goto out;
    }
    for (size_t i = 0; i < sizeof(allow) / sizeof(allow[0]); i++)
        if (add(ctx, SCMP_ACT_ALLOW, &allow[i], why, whylen) != 0)
            goto out;
    for (size_t i = 0; i < sizeof(refuse) / sizeof(refuse[0]); i++)
        if (add(ctx, SCMP_ACT_ERRNO(EPERM), &refuse[i], why, whylen) != 0)
            goto out;
    for (size_t i = 0; i < sizeof(refuse_access) / sizeof(refuse_access[0]); i++)
        if (add(ctx, SCMP_ACT_ERRNO(EACCES), &refuse_access[i], why, whylen) != 0)
            goto out;
    if ((e = seccomp_load(ctx)) != 0) {
        snprintf(why, whylen, "seccomp_load: %s", strerror(-e));
        goto out;
    }
    rc = 0;
out:
    seccomp_release(ctx);
    return rc;
}
