/*
 * scan_opts.c - parse `vigil scan`'s command line the way clamscan does.
 *
 * clamscan's syntax: long options as --name, --name=value or --name value
 * (for options that take one), short options clustered getopt-style (-ri,
 * -dFILE, -d FILE), booleans as --opt, --opt=yes or --opt=no, options and
 * paths in any order, "--" ends the options. Sizes take K/M/G suffixes.
 * An unknown option is an error (exit 2), as in clamscan.
 *
 * clamscan options that tune parsers vigil does not have are accepted and
 * have no effect; the boolean ones warn when set away from their default, so
 * a script that relies on them learns it. Options that would change what
 * happens to files (--remove, --move, --copy) are refused: doing nothing
 * where a script expects a removal would be worse than failing.
 *
 * Runs once per process; nothing here is on a hot path.
 */
#include "scan_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/ckd.h"

enum kind {
    K_BOOL,     /* --opt[=yes|no] */
    K_STR,      /* --opt=STRING (non-empty) */
    K_SIZE,     /* --opt=N[KMG] */
    K_NUM,      /* --opt=N */
    K_IGN_BOOL, /* accepted, no effect; warns when not at its default */
    K_IGN_STR,  /* accepted, no effect; warns */
    K_IGN_SIZE, /* accepted after checking the value, no effect */
    K_IGN_NUM,
    K_REFUSE    /* a clamscan option vigil scan will not pretend to honour */
};

enum id {
    O_NONE,
    O_HELP, O_VERSION, O_VERBOSE, O_ARCHIVE_VERBOSE, O_QUIET, O_STDOUT, O_NO_SUMMARY,
    O_INFECTED, O_SUPPRESS_OK, O_BELL, O_LOG, O_JSON, O_PROGRESS,
    O_DATABASE, O_DETECT_PUA,
    O_RECURSIVE, O_CROSS_FS, O_FOLLOW_DIR, O_FOLLOW_FILE, O_MAX_DIR_RECURSION, O_FILE_LIST,
    O_EXCLUDE, O_EXCLUDE_DIR, O_INCLUDE, O_INCLUDE_DIR,
    O_ALLMATCH, O_HEURISTIC_ALERTS, O_ALERT_EXCEEDS_MAX, O_ALERT_ENCRYPTED, O_ALERT_BROKEN,
    O_ALERT_MACROS, O_SCAN_ARCHIVE,
    O_MAX_FILESIZE, O_MAX_SCANSIZE, O_MAX_FILES, O_MAX_RECURSION, O_MAX_SCANTIME,
    O_JOBS, O_NO_SANDBOX, O_TEMPDIR
};

struct opt_def {
    const char *name;
    char shortc;
    enum kind kind;
    enum id id;
    int dflt; /* K_IGN_BOOL: the value that needs no warning */
};

static const struct opt_def opt_table[] = {
    /* output */
    {"help", 'h', K_BOOL, O_HELP, 0},
    {"version", 'V', K_BOOL, O_VERSION, 0},
    {"verbose", 'v', K_BOOL, O_VERBOSE, 0},
    {"archive-verbose", 'a', K_BOOL, O_ARCHIVE_VERBOSE, 0},
    {"quiet", 0, K_BOOL, O_QUIET, 0},
    {"stdout", 0, K_BOOL, O_STDOUT, 0},
    {"no-summary", 0, K_BOOL, O_NO_SUMMARY, 0},
    {"infected", 'i', K_BOOL, O_INFECTED, 0},
    {"suppress-ok-results", 'o', K_BOOL, O_SUPPRESS_OK, 0},
    {"bell", 0, K_BOOL, O_BELL, 0},
    {"log", 'l', K_STR, O_LOG, 0},
    {"json", 0, K_BOOL, O_JSON, 0},
    {"progress", 0, K_BOOL, O_PROGRESS, 0},
    {"debug", 0, K_IGN_BOOL, O_NONE, 0},
    /* databases */
    {"database", 'd', K_STR, O_DATABASE, 0},
    {"detect-pua", 0, K_BOOL, O_DETECT_PUA, 0},
    {"official-db-only", 0, K_IGN_BOOL, O_NONE, 0},
    {"exclude-pua", 0, K_IGN_STR, O_NONE, 0},
    {"include-pua", 0, K_IGN_STR, O_NONE, 0},
    {"bytecode", 0, K_IGN_BOOL, O_NONE, 1},
    {"bytecode-unsigned", 0, K_IGN_BOOL, O_NONE, 0},
    {"bytecode-timeout", 0, K_IGN_NUM, O_NONE, 0},
    {"bytecode-mode", 0, K_IGN_STR, O_NONE, 0},
    {"fail-if-cvd-older-than", 0, K_REFUSE, O_NONE, 0},
    /* walking */
    {"recursive", 'r', K_BOOL, O_RECURSIVE, 0},
    {"cross-fs", 0, K_BOOL, O_CROSS_FS, 0},
    {"follow-dir-symlinks", 0, K_NUM, O_FOLLOW_DIR, 0},
    {"follow-file-symlinks", 0, K_NUM, O_FOLLOW_FILE, 0},
    {"max-dir-recursion", 0, K_NUM, O_MAX_DIR_RECURSION, 0},
    {"file-list", 'f', K_STR, O_FILE_LIST, 0},
    {"exclude", 0, K_STR, O_EXCLUDE, 0},
    {"exclude-dir", 0, K_STR, O_EXCLUDE_DIR, 0},
    {"include", 0, K_STR, O_INCLUDE, 0},
    {"include-dir", 0, K_STR, O_INCLUDE_DIR, 0},
    /* detection */
    {"allmatch", 'z', K_BOOL, O_ALLMATCH, 0},
    {"heuristic-alerts", 0, K_BOOL, O_HEURISTIC_ALERTS, 0},
    {"alert-exceeds-max", 0, K_BOOL, O_ALERT_EXCEEDS_MAX, 0},
    {"alert-encrypted", 0, K_BOOL, O_ALERT_ENCRYPTED, 0},
    {"alert-encrypted-archive", 0, K_BOOL, O_ALERT_ENCRYPTED, 0},
    {"alert-encrypted-doc", 0, K_BOOL, O_ALERT_ENCRYPTED, 0},
    {"alert-broken", 0, K_BOOL, O_ALERT_BROKEN, 0},
    {"alert-macros", 0, K_BOOL, O_ALERT_MACROS, 0},
    {"scan-archive", 0, K_BOOL, O_SCAN_ARCHIVE, 0},
    {"alert-broken-media", 0, K_IGN_BOOL, O_NONE, 0},
    {"alert-phishing-ssl", 0, K_IGN_BOOL, O_NONE, 0},
    {"alert-phishing-cloak", 0, K_IGN_BOOL, O_NONE, 0},
    {"alert-partition-intersection", 0, K_IGN_BOOL, O_NONE, 0},
    {"heuristic-scan-precedence", 0, K_IGN_BOOL, O_NONE, 0},
    {"detect-structured", 0, K_IGN_BOOL, O_NONE, 0},
    {"structured-ssn-format", 0, K_IGN_NUM, O_NONE, 0},
    {"structured-ssn-count", 0, K_IGN_NUM, O_NONE, 0},
    {"structured-cc-count", 0, K_IGN_NUM, O_NONE, 0},
    {"structured-cc-mode", 0, K_IGN_NUM, O_NONE, 0},
    {"phishing-sigs", 0, K_IGN_BOOL, O_NONE, 1},
    {"phishing-scan-urls", 0, K_IGN_BOOL, O_NONE, 1},
    {"normalize", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-pe", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-elf", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-ole2", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-pdf", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-swf", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-html", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-xmldocs", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-hwp3", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-onenote", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-mail", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-image", 0, K_IGN_BOOL, O_NONE, 1},
    {"scan-image-fuzzy-hash", 0, K_IGN_BOOL, O_NONE, 1},
    {"nocerts", 0, K_IGN_BOOL, O_NONE, 0},
    {"dumpcerts", 0, K_IGN_BOOL, O_NONE, 0},
    /* limits */
    {"max-filesize", 0, K_SIZE, O_MAX_FILESIZE, 0},
    {"max-scansize", 0, K_SIZE, O_MAX_SCANSIZE, 0},
    {"max-files", 0, K_NUM, O_MAX_FILES, 0},
    {"max-recursion", 0, K_NUM, O_MAX_RECURSION, 0},
    {"max-scantime", 0, K_NUM, O_MAX_SCANTIME, 0},
    {"max-embeddedpe", 0, K_IGN_SIZE, O_NONE, 0},
    {"max-htmlnormalize", 0, K_IGN_SIZE, O_NONE, 0},
    {"max-htmlnotags", 0, K_IGN_SIZE, O_NONE, 0},
    {"max-scriptnormalize", 0, K_IGN_SIZE, O_NONE, 0},
    {"max-ziptypercg", 0, K_IGN_SIZE, O_NONE, 0},
    {"max-partitions", 0, K_IGN_NUM, O_NONE, 0},
    {"max-iconspe", 0, K_IGN_NUM, O_NONE, 0},
    {"max-rechwp3", 0, K_IGN_NUM, O_NONE, 0},
    {"pcre-match-limit", 0, K_IGN_NUM, O_NONE, 0},
    {"pcre-recmatch-limit", 0, K_IGN_NUM, O_NONE, 0},
    {"pcre-max-filesize", 0, K_IGN_SIZE, O_NONE, 0},
    /* diagnostics */
    {"disable-cache", 0, K_IGN_BOOL, O_NONE, 0},
    {"leave-temps", 0, K_IGN_BOOL, O_NONE, 0},
    {"force-to-disk", 0, K_IGN_BOOL, O_NONE, 0},
    {"tempdir", 0, K_STR, O_TEMPDIR, 0},
    {"statistics", 0, K_IGN_STR, O_NONE, 0},
    /* actions: refused (see the top of the file) */
    {"remove", 0, K_REFUSE, O_NONE, 0},
    {"move", 0, K_REFUSE, O_NONE, 0},
    {"copy", 0, K_REFUSE, O_NONE, 0},
    {"gen-json", 0, K_REFUSE, O_NONE, 0},
    /* vigil's own */
    {"jobs", 'j', K_NUM, O_JOBS, 0},
    {"no-sandbox", 0, K_BOOL, O_NO_SANDBOX, 0},
};

#define NOPTS (sizeof(opt_table) / sizeof(opt_table[0]))
#define MAX_JOBS 1024u

static const struct opt_def *
find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (strlen(opt_table[i].name) == len && memcmp(opt_table[i].name, name, len) == 0)
            return &opt_table[i];
    return NULL;
}

static const struct opt_def *
find_short(char c)
{
    for (size_t i = 0; i < NOPTS; i++)
        if (opt_table[i].shortc == c)
            return &opt_table[i];
    return NULL;
}

static int
takes_arg(enum kind k)
{
    return k != K_BOOL && k != K_IGN_BOOL;
}

int
scan_opts_bool(const char *s, int *out)
{
    static const char *const yes[] = {"yes", "true", "1"};
    static const char *const no[] = {"no", "false", "0"};

    for (size_t i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int
scan_opts_number(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (ckd_mul(&v, v, 10u) || ckd_add(&v, v, (uint64_t)(*s - '0')))
            return -1;
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int
scan_opts_size(const char *s, uint64_t *out)
{
    char digits[32];
    size_t len = strlen(s);
    uint64_t v, mul = 1;

    if (len == 0 || len >= sizeof(digits))
        return -1;
    switch (s[len - 1]) {
    case 'k': case 'K': mul = 1024u; len--; break;
    case 'm': case 'M': mul = 1024u * 1024u; len--; break;
    case 'g': case 'G': mul = 1024u * 1024u * 1024u; len--; break;
    default: break;
    }
    memcpy(digits, s, len);
    digits[len] = '\0';
    if (scan_opts_number(digits, UINT64_MAX, &v) != 0 || ckd_mul(&v, v, mul))
        return -1;
    *out = v;
    return 0;
}

static int
add_pattern(struct pattern_list *pl, const char *opt, const char *pat)
{
    regex_t *re;
    unsigned char *ds;
    char msg[256];
    int rc;

    if ((re = realloc(pl->re, (pl->n + 1) * sizeof(*re))) == NULL)
        goto oom;
    pl->re = re;
    if ((ds = realloc(pl->dir_suffix, pl->n + 1)) == NULL)
        goto oom;
    pl->dir_suffix = ds;
    if ((rc = regcomp(&pl->re[pl->n], pat, REG_EXTENDED | REG_NOSUB)) != 0) {
        regerror(rc, NULL, msg, sizeof(msg));
        fprintf(stderr, "ERROR: --%s: invalid regular expression '%s': %s\n", opt, pat, msg);
        return -1;
    }
    pl->dir_suffix[pl->n] = pat[strlen(pat) - 1] == '/';
    pl->n++;
    return 0;
oom:
    fprintf(stderr, "ERROR: --%s: out of memory\n", opt);
    return -1;
}

int
scan_opts_match(const struct pattern_list *pl, const char *path)
{
    char *slashed = NULL;
    int hit = 0;

    for (size_t i = 0; i < pl->n && !hit; i++) {
        const char *subject = path;

        if (pl->dir_suffix[i]) {
            if (slashed == NULL) {
                size_t len = strlen(path);

                if ((slashed = malloc(len + 2)) == NULL)
                    break; /* no memory: treat as no match, the scan goes on */
                memcpy(slashed, path, len);
                slashed[len] = '/';
                slashed[len + 1] = '\0';
            }
            subject = slashed;
        }
        hit = regexec(&pl->re[i], subject, 0, NULL, 0) == 0;
    }
    free(slashed);
    return hit;
}

static void
pattern_list_free(struct pattern_list *pl)
{
    for (size_t i = 0; i < pl->n; i++)
        regfree(&pl->re[i]);
    free(pl->re);
    free(pl->dir_suffix);
    memset(pl, 0, sizeof(*pl));
}

static void
usage(void)
{
    printf(
        "usage: vigil scan [options] [file|directory|-]...\n"
        "\n"
        "Scans files like clamscan: same options, output lines, summary and exit codes\n"
        "(0 nothing found, 1 something found, 2 an error and nothing found).\n"
        "\n"
        "Output\n"
        "  -v, --verbose               print \"Scanning <path>\" before each file\n"
        "  -a, --archive-verbose       also print the container chain of each match\n"
        "      --quiet                 only print error messages\n"
        "      --stdout                write vigil's own messages to stdout\n"
        "      --no-summary            no summary at the end\n"
        "  -i, --infected              only print infected files\n"
        "  -o, --suppress-ok-results   do not print OK files\n"
        "      --bell                  ring the terminal bell on detection\n"
        "  -l, --log=FILE              append the report to FILE\n"
        "      --json                  one JSON object per file and a summary (JSON Lines)\n"
        "      --progress[=yes/no]     progress line on stderr (default: when a terminal)\n"
        "\n"
        "Databases\n"
        "  -d, --database=FILE/DIR     load signatures from FILE or DIR (repeatable;\n"
        "                              replaces the default database)\n"
        "      --detect-pua            also load PUA signatures\n"
        "\n"
        "Walking\n"
        "  -r, --recursive             scan directories recursively\n"
        "      --max-dir-recursion=N   maximum directory depth (default 15)\n"
        "      --cross-fs[=yes/no]     cross file system boundaries (default yes)\n"
        "      --follow-dir-symlinks=0/1/2   0 never, 1 when named (default), 2 always\n"
        "      --follow-file-symlinks=0/1/2  0 never, 1 when named (default), 2 always\n"
        "  -f, --file-list=FILE        scan the paths listed in FILE, one per line\n"
        "      --exclude=REGEX         skip files whose path matches REGEX\n"
        "      --exclude-dir=REGEX     skip directories whose path matches REGEX\n"
        "      --include=REGEX         only scan files whose path matches REGEX\n"
        "      --include-dir=REGEX     only enter directories whose path matches REGEX\n"
        "\n"
        "Detection\n"
        "  -z, --allmatch              report every match, not only the first\n"
        "      --heuristic-alerts=no   no heuristic alerts\n"
        "      --alert-exceeds-max     a file a limit cut short is reported as\n"
        "                              Heuristics.Limits.Exceeded.<Limit> FOUND\n"
        "      --alert-encrypted       encrypted archives and documents are alerts\n"
        "      --alert-broken          broken executables are alerts\n"
        "      --alert-macros          Office documents with macros are alerts\n"
        "      --scan-archive=no       do not open archives\n"
        "\n"
        "Limits (sizes take K, M or G; 0 means no limit)\n"
        "      --max-filesize=SIZE     larger files are not scanned (default 100M)\n"
        "      --max-scansize=SIZE     data scanned per file, extracted content included (400M)\n"
        "      --max-files=N           files extracted per file (10000)\n"
        "      --max-recursion=N       container nesting (17)\n"
        "      --max-scantime=MS       time per file in milliseconds (120000)\n"
        "\n"
        "vigil\n"
        "  -j, --jobs=N                scan N files at once (default: one per CPU);\n"
        "                              -j 1 keeps clamscan's order\n"
        "      --no-sandbox            scan in this process instead of sandboxed workers\n"
        "\n"
        "A file that a limit cut short prints \"<path>: OK (incomplete: <Limit>)\".\n"
        "docs/CLI.md describes every output line and the JSON format.\n");
}

static int
bad_value(const struct opt_def *d, const char *val, const char *what)
{
    fprintf(stderr, "ERROR: --%s: invalid value '%s' (%s)\n", d->name, val, what);
    return -1;
}

static int
set_u32(const struct opt_def *d, const char *val, uint32_t *dst)
{
    uint64_t v;

    if (scan_opts_number(val, UINT32_MAX, &v) != 0)
        return bad_value(d, val, "a number up to 4294967295");
    *dst = (uint32_t)v;
    return 0;
}

static void
set_flag(uint32_t *flags, uint32_t bit, int on)
{
    if (on)
        *flags |= bit;
    else
        *flags &= ~bit;
}

/* Apply one option. bval is the boolean value for boolean kinds. */
static int
apply(struct scan_cfg *cfg, const struct opt_def *d, const char *val, int bval, int *action)
{
    uint64_t v;
    const char **dbs;

    switch (d->kind) {
    case K_REFUSE:
        fprintf(stderr, "ERROR: --%s is not supported by vigil scan\n", d->name);
        return -1;
    case K_IGN_BOOL:
        if (bval != d->dflt)
            fprintf(stderr, "WARNING: --%s=%s has no effect in vigil scan\n", d->name,
                    bval ? "yes" : "no");
        return 0;
    case K_IGN_STR:
        fprintf(stderr, "WARNING: --%s has no effect in vigil scan\n", d->name);
        return 0;
    case K_IGN_SIZE:
        return scan_opts_size(val, &v) == 0 ? 0 : bad_value(d, val, "a size such as 10M");
    case K_IGN_NUM:
        return scan_opts_number(val, UINT64_MAX, &v) == 0 ? 0 : bad_value(d, val, "a number");
    default:
        break;
    }

    switch (d->id) {
    case O_HELP: if (bval) *action = O_HELP; break;
    case O_VERSION: if (bval && *action != O_HELP) *action = O_VERSION; break;
    case O_VERBOSE: cfg->verbose = bval; break;
    case O_ARCHIVE_VERBOSE: cfg->archive_verbose = bval; break;
    case O_QUIET: cfg->quiet = bval; break;
    case O_STDOUT: cfg->to_stdout = bval; break;
    case O_NO_SUMMARY: cfg->no_summary = bval; break;
    case O_INFECTED: cfg->infected_only = bval; break;
    case O_SUPPRESS_OK: cfg->suppress_ok = bval; break;
    case O_BELL: cfg->bell = bval; break;
    case O_LOG: cfg->log_path = val; break;
    case O_JSON: cfg->json = bval; break;
    case O_PROGRESS: cfg->progress = bval; break;
    case O_DATABASE:
        if ((dbs = realloc(cfg->dbs, (cfg->ndbs + 1) * sizeof(*dbs))) == NULL) {
            fprintf(stderr, "ERROR: --database: out of memory\n");
            return -1;
        }
        cfg->dbs = dbs;
        cfg->dbs[cfg->ndbs++] = val;
        break;
    case O_DETECT_PUA: set_flag(&cfg->load_flags, VG_LOAD_PUA, bval); break;
    case O_RECURSIVE: cfg->recursive = bval; break;
    case O_CROSS_FS: cfg->cross_fs = bval; break;
    case O_FOLLOW_DIR:
    case O_FOLLOW_FILE:
        if (scan_opts_number(val, 2, &v) != 0)
            return bad_value(d, val, "0, 1 or 2");
        *(d->id == O_FOLLOW_DIR ? &cfg->follow_dir : &cfg->follow_file) = (unsigned)v;
        break;
    case O_MAX_DIR_RECURSION:
        if (scan_opts_number(val, UINT32_MAX, &v) != 0)
            return bad_value(d, val, "a number");
        cfg->max_dir_recursion = (unsigned)v;
        break;
    case O_FILE_LIST: cfg->file_list = val; break;
    case O_EXCLUDE: return add_pattern(&cfg->exclude, d->name, val);
    case O_EXCLUDE_DIR: return add_pattern(&cfg->exclude_dir, d->name, val);
    case O_INCLUDE: return add_pattern(&cfg->include, d->name, val);
    case O_INCLUDE_DIR: return add_pattern(&cfg->include_dir, d->name, val);
    case O_ALLMATCH: set_flag(&cfg->limits.flags, VG_SCAN_ALLMATCH, bval); break;
    case O_HEURISTIC_ALERTS: set_flag(&cfg->limits.flags, VG_SCAN_NO_HEURISTICS, !bval); break;
    case O_ALERT_EXCEEDS_MAX: set_flag(&cfg->limits.flags, VG_SCAN_ALERT_EXCEEDS_MAX, bval); break;
    case O_ALERT_ENCRYPTED: set_flag(&cfg->limits.flags, VG_SCAN_ALERT_ENCRYPTED, bval); break;
    case O_ALERT_BROKEN: set_flag(&cfg->limits.flags, VG_SCAN_ALERT_BROKEN, bval); break;
    case O_ALERT_MACROS: set_flag(&cfg->limits.flags, VG_SCAN_ALERT_MACROS, bval); break;
    case O_SCAN_ARCHIVE: set_flag(&cfg->limits.flags, VG_SCAN_NO_ARCHIVE, !bval); break;
    case O_MAX_FILESIZE:
    case O_MAX_SCANSIZE:
        if (scan_opts_size(val, &v) != 0)
            return bad_value(d, val, "a size such as 25M");
        *(d->id == O_MAX_FILESIZE ? &cfg->limits.max_filesize : &cfg->limits.max_scansize) = v;
        break;
    case O_MAX_FILES: return set_u32(d, val, &cfg->limits.max_files);
    case O_MAX_SCANTIME: return set_u32(d, val, &cfg->limits.max_scantime_ms);
    case O_MAX_RECURSION:
        if (set_u32(d, val, &cfg->limits.max_recursion) != 0)
            return -1;
        if (cfg->limits.max_recursion == 0) {
            /* clamscan 1.4.6: 0 is not allowed and falls back to the default */
            vg_scan_opts def;

            memset(&def, 0, sizeof(def));
            vg_scan_opts_default(&def);
            cfg->limits.max_recursion = def.max_recursion;
            fprintf(stderr, "WARNING: --max-recursion: 0 is not allowed, using the default %u\n",
                    (unsigned)def.max_recursion);
        }
        break;
    case O_JOBS:
        if (scan_opts_number(val, MAX_JOBS, &v) != 0 || v == 0)
            return bad_value(d, val, "a number from 1 to 1024");
        cfg->jobs = (unsigned)v;
        break;
    case O_NO_SANDBOX: cfg->sandbox = !bval; break;
    case O_TEMPDIR: cfg->tempdir = val; break;
    case O_NONE: break;
    }
    return 0;
}

static int
add_path(struct scan_cfg *cfg, char *p)
{
    char **paths = realloc(cfg->paths, (cfg->npaths + 1) * sizeof(*paths));

    if (paths == NULL) {
        fprintf(stderr, "ERROR: out of memory\n");
        return -1;
    }
    cfg->paths = paths;
    cfg->paths[cfg->npaths++] = p;
    return 0;
}

/* One long option: argv[*i] is "--name[=value]". */
static int
parse_long(struct scan_cfg *cfg, int argc, char **argv, int *i, int *action)
{
    const char *arg = argv[*i] + 2;
    const char *eq = strchr(arg, '=');
    size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
    const struct opt_def *d = find_long(arg, nlen);
    const char *val = eq ? eq + 1 : NULL;
    int bval = 1;

    if (d == NULL) {
        fprintf(stderr, "ERROR: unknown option '--%.*s'\n", (int)nlen, arg);
        return -1;
    }
    if (takes_arg(d->kind)) {
        if (val == NULL) {
            if (*i + 1 >= argc) {
                fprintf(stderr, "ERROR: option --%s needs an argument\n", d->name);
                return -1;
            }
            val = argv[++*i];
        }
        if (*val == '\0') {
            fprintf(stderr, "ERROR: option --%s needs a non-empty argument\n", d->name);
            return -1;
        }
    } else if (val != NULL && scan_opts_bool(val, &bval) != 0) {
        fprintf(stderr, "ERROR: --%s: invalid value '%s' (yes or no)\n", d->name, val);
        return -1;
    }
    return apply(cfg, d, val, bval, action);
}

/* A cluster of short options: argv[*i] is "-abc" or "-dVALUE". */
static int
parse_short(struct scan_cfg *cfg, int argc, char **argv, int *i, int *action)
{
    const char *arg = argv[*i];

    for (size_t j = 1; arg[j]; j++) {
        const struct opt_def *d = find_short(arg[j]);
        const char *val = NULL;

        if (d == NULL) {
            fprintf(stderr, "ERROR: unknown option '-%c'\n", arg[j]);
            return -1;
        }
        if (takes_arg(d->kind)) {
            /* the rest of the cluster, or the next argument, is the value */
            if (arg[j + 1])
                val = arg + j + 1;
            else if (*i + 1 < argc)
                val = argv[++*i];
            if (val == NULL || *val == '\0') {
                fprintf(stderr, "ERROR: option -%c needs a non-empty argument\n", arg[j]);
                return -1;
            }
            return apply(cfg, d, val, 1, action);
        }
        /* short booleans never take a value, as in clamscan */
        if (apply(cfg, d, NULL, 1, action) != 0)
            return -1;
    }
    return 0;
}

int
scan_opts_parse(int argc, char **argv, struct scan_cfg *cfg)
{
    int action = O_NONE, no_more_opts = 0;

    memset(cfg, 0, sizeof(*cfg));
    vg_scan_opts_default(&cfg->limits);
    cfg->progress = -1;
    cfg->cross_fs = 1;
    cfg->follow_dir = 1;
    cfg->follow_file = 1;
    cfg->max_dir_recursion = 15;
    cfg->sandbox = 1;

    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        int rc;

        if (no_more_opts || a[0] != '-' || a[1] == '\0')
            rc = add_path(cfg, a);
        else if (strcmp(a, "--") == 0) {
            no_more_opts = 1;
            continue;
        } else if (a[1] == '-')
            rc = parse_long(cfg, argc, argv, &i, &action);
        else
            rc = parse_short(cfg, argc, argv, &i, &action);
        if (rc != 0) {
            fprintf(stderr, "ERROR: Can't parse command line options ('vigil scan --help' lists them)\n");
            return SCAN_OPTS_BAD;
        }
    }
    if (action == O_HELP) {
        usage();
        return SCAN_OPTS_DONE;
    }
    if (action == O_VERSION) {
        printf("vigil %s\n", vg_version());
        return SCAN_OPTS_DONE;
    }
    return SCAN_OPTS_RUN;
}

void
scan_opts_free(struct scan_cfg *cfg)
{
    free(cfg->dbs);
    free(cfg->paths);
    pattern_list_free(&cfg->exclude);
    pattern_list_free(&cfg->exclude_dir);
    pattern_list_free(&cfg->include);
    pattern_list_free(&cfg->include_dir);
    memset(cfg, 0, sizeof(*cfg));
}
