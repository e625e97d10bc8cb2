/*
 * testhook.c - fault injection for the sandbox tests (see testhook.h).
 *
 * Without VG_TESTING_HOOKS this file is two functions that say "no". With
 * it, the hooks still do nothing unless the pool was made with
 * VIGIL_SANDBOX_TEST_HOOKS=1 in the environment, so that a file cannot
 * switch them on by itself. Each forbidden call is made with syscall(2),
 * so that exactly that system call reaches the filter.
 */
#include "sandbox/testhook.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef VG_TESTING_HOOKS

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int
testhook_enabled(void)
{
    const char *v = getenv(TESTHOOK_ENV);

    return v != NULL && strcmp(v, "1") == 0;
}

/* A forbidden call that the filter let through: a child of fork or clone
 * leaves at once; the worker goes on to scan the file, so the test sees a
 * result instead of SIGSYS and fails. */
static int
forbidden(long r)
{
    if (r == 0)
        _exit(0);
    return 0;
}

static void
bomb(vg_status *st)
{
    void **list = NULL;
    size_t n = 0, cap = 0;

    /* bounded by the worker's RLIMIT_AS; the count bound is a backstop */
    while (n < ((size_t)1 << 22)) {
        void *p;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 1024;
            void **q = realloc(list, nc * sizeof(*list));
            if (q == NULL)
                break;
            list = q;
            cap = nc;
        }
        if ((p = malloc(1 << 20)) == NULL)
            break;
        memset(p, 0xa5, 1 << 20);
        list[n++] = p;
    }
    while (n > 0)
        free(list[--n]);
    free(list);
    *st = VG_ENOMEM;
}

int
testhook_run(int fd, int sock, vg_status *st)
{
    char b[64];
    const char *a;
    ssize_t n;
    size_t m = strlen(TESTHOOK_MAGIC);

    n = pread(fd, b, sizeof(b) - 1, 0);
    if (n < (ssize_t)m || memcmp(b, TESTHOOK_MAGIC, m) != 0)
        return 0;
    b[n] = '\0';
    b[strcspn(b, "\r\n ")] = '\0';
    a = b + m;
    *st = VG_OK;
    if (strcmp(a, "open") == 0) {
        return forbidden(syscall(SYS_open, "/etc/passwd", O_RDONLY));
    } else if (strcmp(a, "openat") == 0) {
        return forbidden(syscall(SYS_openat, AT_FDCWD, "/etc/passwd", O_RDONLY));
    } else if (strcmp(a, "socket") == 0) {
        return forbidden(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
    } else if (strcmp(a, "connect") == 0) {
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof(sa));
        sa.sin_family = AF_INET;
        sa.sin_port = htons(9);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return forbidden(syscall(SYS_connect, sock, &sa, sizeof(sa)));
    } else if (strcmp(a, "execve") == 0) {
        char *argv[] = {(char *)"true", NULL}, *envp[] = {NULL};
        return forbidden(syscall(SYS_execve, "/bin/true", argv, envp));
    } else if (strcmp(a, "ptrace") == 0) {
        return forbidden(syscall(SYS_ptrace, PTRACE_ATTACH, 1, NULL, NULL));
    } else if (strcmp(a, "fork") == 0) {
        return forbidden(syscall(SYS_fork));
    } else if (strcmp(a, "clone") == 0) {
        return forbidden(syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, 0));
    } else if (strcmp(a, "segv") == 0) {
        volatile int *volatile wild = (int *)(uintptr_t)8;
        *wild = 1;
    } else if (strcmp(a, "abort") == 0) {
        abort();
    } else if (strcmp(a, "loop") == 0) {
        for (volatile unsigned long i = 0;; i++)
            ;
    } else if (strcmp(a, "alloc") == 0) {
        bomb(st);
    } else if (strcmp(a, "badreply") == 0) {
        static const char junk[] = "VGS1\3\0\0\0\20\0\0\0this is not a reply";
        char c;
        (void)send(sock, junk, sizeof(junk) - 1, MSG_NOSIGNAL);
        while (recv(sock, &c, 1, 0) != 0)
            ; /* until the parent, which refuses the reply, kills us */
    } else if (strcmp(a, "exit") == 0) {
        _exit(0);
    } else {
        return 0;
    }
    return 1;
}

#else

int
testhook_enabled(void)
{
    return 0;
}

int
testhook_run(int fd, int sock, vg_status *st)
{
    (void)fd;
    (void)sock;
    (void)st;
    return 0;
}

#endif
