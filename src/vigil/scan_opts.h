/*
 * scan_opts.h - the command line of `vigil scan`: clamscan's options, parsed
 * into one read-only configuration that the walker, the workers and the
 * output share.
 */
#ifndef VG_CLI_SCAN_OPTS_H
#define VG_CLI_SCAN_OPTS_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include <vigil/vigil.h>

/* Compiled --exclude/--include/... patterns (POSIX extended regex). */
struct pattern_list {
    size_t n;
    regex_t *re;
    unsigned char *dir_suffix; /* the pattern ends in '/': match "<path>/" as clamscan does */
};

struct scan_cfg {
    /* output */
    int verbose;          /* -v: "Scanning <path>" before each file */
    int archive_verbose;  /* -a: the container chain of each match */
    int quiet;            /* --quiet: only error messages */
    int to_stdout;        /* --stdout: our own messages go to stdout */
    int no_summary;
    int infected_only;    /* -i */
    int suppress_ok;      /* -o */
    int bell;
    int json;             /* --json: JSON Lines on stdout */
    int progress;         /* -1 auto (stderr is a terminal), 0 off, 1 on */
    const char *log_path; /* -l */

    /* databases */
    const char **dbs;     /* -d, in order; none means cli_default_db() */
    size_t ndbs;
    uint32_t load_flags;  /* VG_LOAD_* */

    /* walking */
    int recursive;
    int cross_fs;
    unsigned follow_dir;  /* 0 never, 1 named on the command line, 2 always */
    unsigned follow_file;
    unsigned max_dir_recursion;
    const char *file_list; /* -f */
    struct pattern_list exclude, exclude_dir, include, include_dir;

    /* scanning */
    vg_scan_opts limits;  /* flags and limits handed to the engine */
    unsigned jobs;        /* -j; 0 = one per CPU */
    int sandbox;          /* 0 with --no-sandbox */
    const char *tempdir;  /* where stdin goes when an anonymous file is not available */

    /* what to scan: "-" is standard input */
    char **paths;
    size_t npaths;
};

/* What scan_opts_parse decided. */
enum {
    SCAN_OPTS_RUN = 0,  /* cfg is ready: scan */
    SCAN_OPTS_DONE = 1, /* --help or --version was printed: exit 0 */
    SCAN_OPTS_BAD = 2   /* a message was printed on stderr: exit 2 */
};

/*
 * Parse argv (argv[0] is "scan") into cfg. Messages for bad options name the
 * option and the value and go to stderr. cfg borrows strings from argv; free
 * what it allocates with scan_opts_free (also after SCAN_OPTS_BAD).
 */
int scan_opts_parse(int argc, char **argv, struct scan_cfg *cfg);
void scan_opts_free(struct scan_cfg *cfg);

/* 1 when path matches one of the patterns, else 0. Thread-safe. */
int scan_opts_match(const struct pattern_list *pl, const char *path);

/* A size as clamscan writes it: digits with an optional K, M or G suffix
 * (either case). 0 on success, -1 when malformed or out of range. */
int scan_opts_size(const char *s, uint64_t *out);

/* A plain decimal number no larger than max. 0 on success, -1 otherwise. */
int scan_opts_number(const char *s, uint64_t max, uint64_t *out);

/* A clamscan boolean: yes/no, true/false, 1/0 (any case). 0 on success. */
int scan_opts_bool(const char *s, int *out);

#endif
