/*
 * cmd_scan.c - `vigil scan`: a drop-in for clamscan.
 *
 * How the pieces fit:
 *
 *   scan_opts (command line) -> database -> scan pool (lib/sandbox/pool.h)
 *   walker (this thread, scan_walk.c) --bounded queue--> N workers
 *   workers: pool_scan_fd on each open file -> scan_output (one write per file)
 *   optional: a counting walk and a timer for the progress line on stderr
 *
 * The walker opens each file itself (it runs with the caller's rights) and
 * hands the descriptor on; the pool's workers, sandboxed by default, only
 * ever see descriptors. With -j 1 there is one worker and the queue is FIFO,
 * so lines come out in the walk's (clamscan's readdir) order.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <vigil/vigil.h>

#include "cmds.h"
#include "sandbox/pool.h"
#include "scan_opts.h"
#include "scan_output.h"
#include "scan_progress.h"
#include "scan_queue.h"
#include "scan_walk.h"

#define QUEUE_CAP 256

struct run {
    const struct scan_cfg *cfg;
    struct scan_output *out;
    struct scan_queue *q;
    struct scan_pool *pool;
};

struct counter {
    const struct scan_cfg *cfg;
    struct scan_progress *prog;
    atomic_int stop;
    pthread_t thr;
    int running;
};

static void *
worker_main(void *arg)
{
    struct run *r = arg;
    struct scan_item *it;

    while ((it = scan_queue_pop(r->q)) != NULL) {
        if (it->note == NOTE_NONE) {
            struct scan_reply rep;

            pool_scan_fd(r->pool, it->fd, &rep);
            close(it->fd);
            it->fd = -1;
            scan_output_result(r->out, it, &rep);
            scan_reply_clear(&rep);
        } else
            scan_output_note(r->out, it);
        scan_queue_item_free(it);
    }
    return NULL;
}

static void
push_item(void *ctx, struct scan_item *it)
{
    scan_queue_push(ctx, it);
}

static void
count_item(void *ctx, struct scan_item *it)
{
    scan_progress_add_total(ctx, it->size);
    scan_queue_item_free(it);
}

static void *
counter_main(void *arg)
{
    struct counter *c = arg;
    struct scan_walk_sink sink = {count_item, c->prog, 1, &c->stop};
    char err[512];

    if (scan_walk_run(c->cfg, &sink, err, sizeof(err)) == 0 && !atomic_load(&c->stop))
        scan_progress_total_done(c->prog);
    return NULL;
}

/* The counting pass walks the same targets again: not possible when the
 * file list is a stream (it would be read twice). */
static int
can_count(const struct scan_cfg *cfg)
{
    struct stat st;

    if (cfg->file_list == NULL)
        return 1;
    return stat(cfg->file_list, &st) == 0 && S_ISREG(st.st_mode);
}

static unsigned
job_count(const struct scan_cfg *cfg)
{
    long n;

    if (cfg->jobs > 0)
        return cfg->jobs;
    n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        return 1;
    return n > 256 ? 256u : (unsigned)n;
}

/* A walk keeps one descriptor per directory level and up to QUEUE_CAP open
 * files: let it use what the hard limit allows. */
static void
raise_nofile(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Walk and scan everything; returns once every report is written. */
static void
run_scan(const struct scan_cfg *cfg, struct scan_output *out, struct scan_pool *pool,
         unsigned jobs)
{
    struct run r = {cfg, out, NULL, pool};
    struct scan_walk_sink sink = {push_item, NULL, 0, NULL};
    struct scan_progress *prog = NULL;
    struct counter counter;
    pthread_t *thr;
    unsigned started = 0;
    char err[1024];

    memset(&counter, 0, sizeof(counter));
    if ((r.q = scan_queue_new(QUEUE_CAP)) == NULL ||
        (thr = calloc(jobs, sizeof(*thr))) == NULL) {
        scan_output_error(out, "out of memory");
        scan_queue_free(r.q);
        return;
    }
    sink.ctx = r.q;

    if (cfg->progress == 1 || (cfg->progress == -1 && !cfg->quiet && isatty(STDERR_FILENO))) {
        if ((prog = scan_progress_new(STDERR_FILENO)) != NULL) {
            scan_output_set_progress(out, prog);
            scan_output_tick(out); /* show the line at once */
            counter.cfg = cfg;
            counter.prog = prog;
            atomic_init(&counter.stop, 0);
            if (can_count(cfg) && pthread_create(&counter.thr, NULL, counter_main, &counter) == 0)
                counter.running = 1;
            scan_progress_start(prog, scan_output_tick, out);
        }
    }

    for (unsigned i = 0; i < jobs; i++) {
        if (pthread_create(&thr[i], NULL, worker_main, &r) != 0)
            break;
        started++;
    }
    if (started == 0) {
        scan_output_error(out, "cannot start scan threads: %s", strerror(errno));
    } else if (scan_walk_run(cfg, &sink, err, sizeof(err)) != 0)
        scan_output_error(out, "%s", err);
    scan_queue_close(r.q);
    for (unsigned i = 0; i < started; i++)
        pthread_join(thr[i], NULL);

    if (prog != NULL) {
        scan_progress_stop(prog);
        if (counter.running) {
            atomic_store(&counter.stop, 1);
            pthread_join(counter.thr, NULL);
        }
        scan_output_set_progress(out, NULL); /* erases the line */
        scan_progress_free(prog);
    }
    free(thr);
    scan_queue_free(r.q);
}

int
cmd_scan(int argc, char **argv)
{
    struct scan_cfg cfg;
    struct scan_output *out = NULL;
    struct scan_pool *pool = NULL;
    struct scan_times t;
    struct pool_opts po;
    vg_db *db = NULL;
    vg_db_info info;
    vg_err err;
    vg_status st;
    const char *def_db;
    const char *const *dbs;
    size_t ndbs;
    unsigned jobs;
    int rc;

    clock_gettime(CLOCK_MONOTONIC, &t.start_mono);
    t.start_wall = time(NULL);
    memset(&info, 0, sizeof(info));
    memset(&err, 0, sizeof(err));

    if ((rc = scan_opts_parse(argc, argv, &cfg)) != SCAN_OPTS_RUN) {
        scan_opts_free(&cfg);
        return rc == SCAN_OPTS_DONE ? 0 : 2;
    }
    if (scan_output_new(&cfg, &out) != 0) {
        scan_opts_free(&cfg);
        return 2;
    }
    if (cfg.file_list != NULL && cfg.npaths > 0)
        scan_output_warning(out, "Only scanning files from --file-list (files passed at cmdline are ignored)");
    raise_nofile();

    /* -d replaces the default database, as in clamscan */
    def_db = cli_default_db();
    dbs = cfg.ndbs > 0 ? cfg.dbs : &def_db;
    ndbs = cfg.ndbs > 0 ? cfg.ndbs : 1;
    if ((st = vg_db_load(dbs, ndbs, cfg.load_flags, &db, &err)) != VG_OK) {
        scan_output_error(out, "%s", err.msg[0] ? err.msg : vg_status_str(st));
        goto summary;
    }
    vg_db_get_info(db, &info);

    jobs = job_count(&cfg);
    memset(&po, 0, sizeof(po));
    po.workers = jobs;
    po.sandbox = cfg.sandbox;
    /* the engine enforces --max-scantime and reports it; the pool's own
     * deadline is only for a worker that hangs: twice that, at least 10 s
     * more, and none when there is no scan-time limit */
    if (cfg.limits.max_scantime_ms > 0) {
        uint64_t ms = (uint64_t)cfg.limits.max_scantime_ms * 2u;

        if (ms < (uint64_t)cfg.limits.max_scantime_ms + 10000u)
            ms = (uint64_t)cfg.limits.max_scantime_ms + 10000u;
        po.timeout_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
    }
    memset(&err, 0, sizeof(err));
    if ((st = pool_new(db, &cfg.limits, &po, &pool, &err)) != VG_OK) {
        scan_output_error(out, "%s", err.msg[0] ? err.msg : vg_status_str(st));
        goto summary;
    }
    run_scan(&cfg, out, pool, jobs);

summary:
    clock_gettime(CLOCK_MONOTONIC, &t.end_mono);
    t.end_wall = time(NULL);
    scan_output_summary(out, info.signatures, &t);
    rc = scan_output_exit_code(out);
    pool_free(pool);
    vg_db_free(db);
    scan_output_free(out);
    scan_opts_free(&cfg);
    return rc;
}
