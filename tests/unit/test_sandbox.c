/*
 * test_sandbox.c - the sandboxed scan pool: same verdicts as in-process,
 * workers really confined (/proc/<pid>/status), every forbidden system
 * call ends in SIGSYS and an error result, time-outs, crashes, malformed
 * replies and memory exhaustion are errors and the pool goes on.
 *
 * Needs VG_TESTING_HOOKS (the fault-injection files); the environment
 * variable that arms the hooks is set here, before the pools are made.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "t.h"
#include "tsandbox.h"

#include "sandbox/sandbox.h"
#include "sandbox/testhook.h"

static struct tsb db;

static struct scan_pool *
mkpool(int sandbox, unsigned workers, uint32_t timeout_ms, uint64_t max_memory, uint32_t flags)
{
    struct pool_opts po;
    struct scan_pool *p = NULL;
    vg_scan_opts so;
    vg_err err;

    memset(&po, 0, sizeof(po));
    po.workers = workers;
    po.sandbox = sandbox;
    po.timeout_ms = timeout_ms;
    po.max_memory = max_memory;
    vg_scan_opts_default(&so);
    so.flags = flags;
    err.msg[0] = '\0';
    if (pool_new(db.db, &so, &po, &p, &err) != VG_OK)
        fprintf(stderr, "pool_new: %s\n", err.msg);
    return p;
}

static int
same_reply(const struct scan_reply *a, const struct scan_reply *b)
{
    if (a->status != b->status || a->infected != b->infected || a->nmatches != b->nmatches ||
        a->incomplete != b->incomplete || a->bytes_scanned != b->bytes_scanned ||
        strcmp(a->file_type, b->file_type) != 0 || strcmp(a->incomplete_where, b->incomplete_where) != 0)
        return 0;
    for (size_t i = 0; i < a->nmatches; i++)
        if (strcmp(a->matches[i].name, b->matches[i].name) != 0 ||
            strcmp(a->matches[i].layer, b->matches[i].layer) != 0 ||
            a->matches[i].offset != b->matches[i].offset)
            return 0;
    return 1;
}

/* Verdicts through workers are those of the in-process scanner. */
static void
verdicts(void)
{
    const char *files[] = {TSB_BODY, TSB_PCRE, TSB_HASHED, TSB_CLEAN, "", "abc",
                           TSB_BODY TSB_PCRE TSB_CLEAN};
    const char *expect[] = {"Sbx.Body", "Sbx.Pcre", "Sbx.Hash", NULL, NULL, NULL, "Sbx.Body"};
    struct scan_pool *in = mkpool(0, 1, 0, 0, VG_SCAN_ALLMATCH);
    struct scan_pool *sb = mkpool(1, 2, 10000, 0, VG_SCAN_ALLMATCH);

    T_CHECK(in != NULL && sb != NULL);
    if (in == NULL || sb == NULL)
        goto out;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        struct scan_reply a, b;

        tsb_scan_str(in, files[i], &a);
        tsb_scan_str(sb, files[i], &b);
        T_EQ_INT(b.status, VG_OK);
        T_CHECK(same_reply(&a, &b));
        T_EQ_INT(b.infected, expect[i] != NULL);
        if (expect[i] && b.nmatches > 0)
            T_EQ_STR(b.matches[0].name, expect[i]);
        scan_reply_clear(&a);
        scan_reply_clear(&b);
    }
    {
        /* the body match carries its offset (all-match: the text pass
         * over the normalised bytes finds it a second time) */
        struct scan_reply r;
        tsb_scan_str(sb, TSB_BODY, &r);
        T_CHECK(r.nmatches >= 1);
        if (r.nmatches >= 1)
            T_EQ_INT(r.matches[0].offset, 3);
        T_EQ_STR(r.file_type, "TEXT");
        scan_reply_clear(&r);
    }
out:
    pool_free(in);
    pool_free(sb);
}

/* A real file, a pipe, a directory. */
static void
descriptors(void)
{
    struct scan_pool *p = mkpool(1, 1, 10000, 0, 0);
    struct scan_reply r;
    char path[300];
    int fd, pfd[2];

    T_CHECK(p != NULL);
    if (p == NULL)
        return;
    snprintf(path, sizeof(path), "%s/file", db.dir);
    T_EQ_INT(tsb_write(db.dir, "file", TSB_BODY), 0);
    fd = open(path, O_RDONLY);
    T_CHECK(fd >= 0);
    T_EQ_INT(pool_scan_fd(p, fd, &r), VG_OK);
    T_EQ_INT(r.infected, 1);
    scan_reply_clear(&r);
    close(fd);
    unlink(path);

    T_EQ_INT(pipe(pfd), 0);
    T_CHECK(write(pfd[1], TSB_PCRE, strlen(TSB_PCRE)) == (ssize_t)strlen(TSB_PCRE));
    close(pfd[1]);
    T_EQ_INT(pool_scan_fd(p, pfd[0], &r), VG_OK);
    T_EQ_INT(r.infected, 1);
    if (r.nmatches)
        T_EQ_STR(r.matches[0].name, "Sbx.Pcre");
    scan_reply_clear(&r);
    close(pfd[0]);

    fd = open(db.dir, O_RDONLY | O_DIRECTORY);
    T_EQ_INT(pool_scan_fd(p, fd, &r), VG_ENOTFILE);
    T_EQ_INT(r.infected, 0);
    scan_reply_clear(&r);
    close(fd);

    /* a bad descriptor is the caller's error: the worker stays */
    {
        int before = 0, after = 0;
        T_EQ_INT(pool_worker_pids(p, &before, 1), 1);
        T_EQ_INT(pool_scan_fd(p, -1, &r), VG_EINVAL);
        scan_reply_clear(&r);
        T_EQ_INT(pool_scan_fd(p, 1000, &r), VG_EINVAL);
        scan_reply_clear(&r);
        T_EQ_INT(pool_worker_pids(p, &after, 1), 1);
        T_EQ_INT(after, before);
    }
    pool_free(p);
}

static int
hex_is_zero(const char *s)
{
    return strspn(s, "0") == strlen(s) && s[0] != '\0';
}

/* What /proc says about each worker. */
static void
confinement(void)
{
    struct scan_pool *p = mkpool(1, 3, 10000, 0, 0);
    int pids[8];
    size_t n;
    int seccomp = strcmp(sandbox_name(), "seccomp") == 0;

    T_CHECK(p != NULL);
    if (p == NULL)
        return;
    n = pool_worker_pids(p, pids, 8);
    T_EQ_INT(n, 3);
    for (size_t i = 0; i < n; i++) {
        char v[256];
        unsigned ru = 0, eu = 0, su = 0, fu = 0;

        T_EQ_INT(tsb_status(pids[i], "Seccomp", v, sizeof(v)), 0);
        T_EQ_STR(v, seccomp ? "2" : "0");
        T_EQ_INT(tsb_status(pids[i], "NoNewPrivs", v, sizeof(v)), 0);
        T_EQ_STR(v, "1");
        T_EQ_INT(tsb_status(pids[i], "CapEff", v, sizeof(v)), 0);
        T_CHECK(hex_is_zero(v));
        T_EQ_INT(tsb_status(pids[i], "CapPrm", v, sizeof(v)), 0);
        T_CHECK(hex_is_zero(v));
        T_EQ_INT(tsb_status(pids[i], "Uid", v, sizeof(v)), 0);
        T_EQ_INT(sscanf(v, "%u %u %u %u", &ru, &eu, &su, &fu), 4);
        if (geteuid() == 0) {
            T_CHECK(ru != 0 && eu != 0 && su != 0 && fu != 0);
            T_EQ_INT(tsb_status(pids[i], "CapBnd", v, sizeof(v)), 0);
            T_CHECK(hex_is_zero(v));
            T_EQ_INT(tsb_status(pids[i], "Groups", v, sizeof(v)), 0);
            T_EQ_STR(v, "");
        } else {
            T_EQ_INT(eu, geteuid());
        }
        T_EQ_INT(tsb_status(pids[i], "Name", v, sizeof(v)), 0);
        T_EQ_STR(v, "vigil-worker");
        fprintf(stderr, "  worker %d: uid %u, seccomp %s\n", pids[i], eu, seccomp ? "2" : "0");
    }
    pool_free(p);
}

static int
is_sigsys(const struct scan_reply *r)
{
    return r->status == VG_ESANDBOX && strstr(r->error, "SIGSYS") != NULL;
}

/* Every forbidden system call, many times: SIGSYS, an error, a new worker. */
static void
forbidden_calls(void)
{
    const char *calls[] = {"open", "openat", "socket", "connect", "execve", "ptrace", "fork", "clone"};
    struct scan_pool *p = mkpool(1, 2, 10000, 0, 0);
    int rounds = 25, killed = 0, total = 0;

    if (strcmp(sandbox_name(), "seccomp") != 0) {
        /* -DVG_SANDBOX=none: there is no filter to test */
        fprintf(stderr, "  backend %s has no system-call filter: not applicable\n", sandbox_name());
        pool_free(p);
        return;
    }
    T_CHECK(p != NULL);
    if (p == NULL)
        return;
    for (int k = 0; k < rounds; k++)
        for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
            char text[64];
            struct scan_reply r;

            snprintf(text, sizeof(text), TESTHOOK_MAGIC "%s\n", calls[i]);
            tsb_scan_str(p, text, &r);
            total++;
            if (is_sigsys(&r))
                killed++;
            else
                fprintf(stderr, "  %s: status %d \"%s\"\n", calls[i], r.status, r.error);
            T_CHECK(r.status != VG_OK && r.infected == 0);
            scan_reply_clear(&r);
            /* and the pool goes on */
            tsb_scan_str(p, TSB_BODY, &r);
            T_EQ_INT(r.status, VG_OK);
            T_EQ_INT(r.infected, 1);
            scan_reply_clear(&r);
        }
    T_EQ_INT(killed, total);
    fprintf(stderr, "  %d of %d forbidden calls ended in SIGSYS\n", killed, total);
    pool_free(p);
}

/* Crashes, a spin past the deadline, a malformed reply, an exit, memory
 * exhaustion: each an error; the next file scans. */
static void
faults(void)
{
    struct {
        const char *action;
        vg_status st;
        const char *text;
    } cases[] = {
        {"segv", VG_ESANDBOX, "SIGSEGV"},
        {"abort", VG_ESANDBOX, "SIGABRT"},
        {"loop", VG_ETIMEOUT, "timed out"},
        {"badreply", VG_ESANDBOX, "malformed reply"},
        {"exit", VG_ESANDBOX, "exited with status 0"},
        {"alloc", VG_ENOMEM, ""},
    };
    /* The deadline only has to separate "spins forever" from a scan: 5 s
     * leaves room for a worker restart on a loaded machine (1.5 s did not
     * under a load average of 16). */
    struct scan_pool *p = mkpool(1, 1, 5000, 256u << 20, 0);
    int san = tsb_sanitized();

    T_CHECK(p != NULL);
    if (p == NULL)
        return;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[64];
        struct scan_reply r;

        snprintf(text, sizeof(text), TESTHOOK_MAGIC "%s\n", cases[i].action);
        tsb_scan_str(p, text, &r);
        if (san && strcmp(cases[i].action, "alloc") == 0) {
            /* ASan's allocator does not return NULL: it reports "Failed
             * to mmap" and ends the process (the worker dies); under TSan
             * the bomb crawls into the deadline. An error either way. */
            T_CHECK(r.status == VG_ENOMEM || r.status == VG_ESANDBOX || r.status == VG_ETIMEOUT);
        } else {
            T_EQ_INT(r.status, cases[i].st);
        }
        T_EQ_INT(r.infected, 0);
        if (!(san && strcmp(cases[i].action, "alloc") == 0) && strstr(r.error, cases[i].text) == NULL) {
            fprintf(stderr, "  %s: \"%s\" lacks \"%s\"\n", cases[i].action, r.error, cases[i].text);
            T_CHECK(0);
        }
        scan_reply_clear(&r);
        tsb_scan_str(p, TSB_HASHED, &r);
        T_EQ_INT(r.status, VG_OK);
        T_EQ_INT(r.infected, 1);
        scan_reply_clear(&r);
    }
    pool_free(p);
}

struct par {
    struct scan_pool *p;
    int bad;
};

static void *
par_main(void *arg)
{
    struct par *a = arg;

    for (int i = 0; i < 200; i++) {
        struct scan_reply r;
        const char *s = i % 3 == 0 ? TSB_BODY : i % 3 == 1 ? TSB_CLEAN : TSB_PCRE;
        tsb_scan_str(a->p, s, &r);
        if (r.status != VG_OK || r.infected != (i % 3 != 1))
            a->bad++;
        scan_reply_clear(&r);
    }
    return NULL;
}

/* Many threads through fewer workers. */
static void
threads(void)
{
    struct scan_pool *p = mkpool(1, 2, 10000, 0, 0);
    pthread_t th[4];
    struct par a[4];

    T_CHECK(p != NULL);
    if (p == NULL)
        return;
    for (int i = 0; i < 4; i++) {
        a[i].p = p;
        a[i].bad = 0;
        pthread_create(&th[i], NULL, par_main, &a[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        T_EQ_INT(a[i].bad, 0);
    }
    pool_free(p);
}

/* pool_free ends every worker and the spawner. */
static void
teardown(void)
{
    struct scan_pool *p = mkpool(1, 2, 10000, 0, 0);
    int pids[4];
    size_t n;

    T_CHECK(p != NULL);
    if (p == NULL)
        return;
    n = pool_worker_pids(p, pids, 4);
    pool_free(p);
    for (size_t i = 0; i < n; i++)
        T_CHECK(kill(pids[i], 0) != 0 && errno == ESRCH);
    T_CHECK(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

int
main(void)
{
    setenv(TESTHOOK_ENV, "1", 1);
    if (tsb_open(&db) != 0) {
        fprintf(stderr, "test database: failed\n");
        tsb_close(&db);
        return 1;
    }
    T_CHECK(testhook_enabled());
    T_RUN(verdicts);
    T_RUN(descriptors);
    T_RUN(confinement);
    T_RUN(forbidden_calls);
    T_RUN(faults);
    T_RUN(threads);
    T_RUN(teardown);
    tsb_close(&db);
    T_DONE();
}
