/*
 * scanner.c - vg_scanner: per-thread state, the per-layer pipeline, and
 * the vg_scan_* entry points.
 *
 * One layer goes through: file type; executable headers (PE, ELF, Mach-O)
 * for entry-point and section offsets; body patterns and logical
 * signatures for every shard; whole-file and section hashes; for text, a
 * second pass over the normalised text as clamscan does; then the allow
 * lists, which drop every alert of a layer whose bytes are allowed.
 * In first-match mode the alert kept is the one clamscan would have found
 * first (see KEY() in state.h); in all-match mode all are kept, in order.
 */
#include "scan/scanner.h"

#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pcre2.h>

#include "containers/walk.h"
#include "core/err.h"
#include "db/db.h"
#include "formats/textnorm.h"
#include "match/hs_backend.h"
#include "scan/state.h"

#define PCRE_MATCH_LIMIT 100000
#define SMALL_DATA 5
/* clamscan's MaxScriptNormalize default: larger text gets no normalised pass */
#define MAX_SCRIPT_NORMALIZE (5u << 20)
/* clamscan normalises 4 KiB input pages into a 128 KiB buffer (plus the
   longest pattern), scanning and resetting the normaliser when full */
#define NORM_PAGE 4096u
#define NORM_BUF 131072u
#define PCRE_DEPTH_LIMIT 2000

VG_API void
vg_scan_opts_default(vg_scan_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_filesize = 100ull << 20;
    o->max_scansize = 400ull << 20;
    o->max_recursion = 17;
    o->max_files = 10000;
    o->max_scantime_ms = 120000;
    o->max_ratio = 0;
}

VG_API const char *
vg_limit_name(uint32_t bit)
{
    switch (bit) {
    case VG_LIMIT_FILESIZE: return "MaxFileSize";
    case VG_LIMIT_SCANSIZE: return "MaxScanSize";
    case VG_LIMIT_RECURSION: return "MaxRecursion";
    case VG_LIMIT_FILES: return "MaxFiles";
    case VG_LIMIT_SCANTIME: return "MaxScanTime";
    case VG_LIMIT_RATIO: return "MaxCompressionRatio";
    case VG_LIMIT_ENCRYPTED: return "Encrypted";
    default: return "Unknown";
    }
}

static void
state_free(struct shard_state *st)
{
    free(st->sig);
    free(st->pat);
    vec_free(&st->touched);
    free(st->ldb);
    vec_free(&st->mps);
    free(st->mp);
    vec_free(&st->hits);
    arena_free(&st->arena);
}

VG_API void
vg_scanner_free(vg_scanner *sc)
{
    if (sc == NULL)
        return;
    for (size_t i = 0; i < sc->nst; i++)
        state_free(&sc->st[i]);
    free(sc->st);
    hsb_scratch_free(sc->hs);
    pcre2_match_data_free(sc->md);
    pcre2_match_context_free(sc->mctx);
    for (int a = 0; a < 3; a++)
        EVP_MD_CTX_free(sc->mdctx[a]);
    free(sc->exe);
    free(sc->norm);
    vec_free(&sc->matches);
    vec_free(&sc->match_layer);
    vec_free(&sc->keys);
    vec_free(&sc->name_off);
    buf_free(&sc->names);
    buf_free(&sc->strings);
    free(sc);
}

VG_API vg_status
vg_scanner_new(const vg_db *db, const vg_scan_opts *opts, vg_scanner **out)
{
    vg_scanner *sc;
    vg_status st = VG_ENOMEM;

    *out = NULL;
    if (db == NULL)
        return VG_EINVAL;
    if ((sc = calloc(1, sizeof(*sc))) == NULL)
        return VG_ENOMEM;
    sc->db = db;
    if (opts)
        sc->opts = *opts;
    else
        vg_scan_opts_default(&sc->opts);
    sc->matches.esz = sizeof(vg_match);
    sc->name_off.esz = sizeof(size_t);
    sc->match_layer.esz = sizeof(size_t);
    sc->keys.esz = sizeof(uint64_t);
    if ((sc->st = calloc(db->nshards ? db->nshards : 1, sizeof(*sc->st))) == NULL)
        goto out;
    sc->nst = db->nshards;
    for (size_t i = 0; i < db->nshards; i++) {
        struct shard_state *s = &sc->st[i];
        const struct shard *sh = db->shards[i];
        s->touched.esz = sizeof(uint32_t);
        s->mps.esz = sizeof(uint32_t);
        s->hits.esz = sizeof(struct ndbhit);
        if ((s->sig = calloc(sh->nsigs + 1, sizeof(*s->sig))) == NULL ||
            (s->pat = calloc(sh->npats + 1, sizeof(*s->pat))) == NULL)
            goto out;
        if (sh->hs && hsb_scratch_for(sh->hs, &sc->hs) != VG_OK)
            goto out;
    }
    if ((sc->md = pcre2_match_data_create(16, NULL)) == NULL ||
        (sc->mctx = pcre2_match_context_create(NULL)) == NULL)
        goto out;
    pcre2_set_match_limit(sc->mctx, PCRE_MATCH_LIMIT);
    pcre2_set_depth_limit(sc->mctx, PCRE_DEPTH_LIMIT);
    for (int a = 0; a < 3; a++)
        if ((sc->mdctx[a] = EVP_MD_CTX_new()) == NULL)
            goto out;
    if ((sc->exe = calloc(1, sizeof(*sc->exe))) == NULL)
        goto out;
    *out = sc;
    sc = NULL;
    st = VG_OK;
out:
    vg_scanner_free(sc);
    return st;
}

static vg_status
add_alert(struct vg_scanner *sc, const char *name, size_t name_off, uint64_t offset,
          const char *layer, uint64_t key)
{
    vg_match m = {name, offset == OFF_NONE ? VG_NO_OFFSET : offset, NULL};
    size_t off = sc->strings.len;

    if (buf_append(&sc->strings, layer ? layer : "", strlen(layer ? layer : "") + 1) != VG_OK ||
        vec_add(&sc->matches, &m) != VG_OK || vec_add(&sc->match_layer, &off) != VG_OK ||
        vec_add(&sc->keys, &key) != VG_OK || vec_add(&sc->name_off, &name_off) != VG_OK)
        return VG_ENOMEM;
    return VG_OK;
}

/* An ignore list (.ign/.ign2) in one shard applies to signatures of every
 * shard: a daily shard can retire a name from the main one. Names are
 * compared without the ".UNOFFICIAL" suffix, as ClamAV compares them. */
static int
ignored_elsewhere(const struct vg_scanner *sc, const char *name)
{
    char base[512];
    size_t n = strlen(name);
    static const char suffix[] = ".UNOFFICIAL";

    if (sc->db->nshards < 2)
        return 0; /* a shard's own ignores were applied when it was compiled */
    if (n >= sizeof(suffix) - 1 && strcmp(name + n - (sizeof(suffix) - 1), suffix) == 0)
        n -= sizeof(suffix) - 1;
    if (n >= sizeof(base))
        return 0;
    memcpy(base, name, n);
    base[n] = '\0';
    for (size_t i = 0; i < sc->db->nshards; i++)
        if (shard_ignores(sc->db->shards[i], base))
            return 1;
    return 0;
}

vg_status
scanner_alert(struct vg_scanner *sc, const char *name, uint64_t offset, const char *layer,
              uint64_t key)
{
    if (ignored_elsewhere(sc, name))
        return VG_OK;
    return add_alert(sc, name, SIZE_MAX, offset, layer, key);
}

vg_status
scanner_alert_copy(struct vg_scanner *sc, const char *name, const char *layer)
{
    size_t off = sc->names.len;

    if (buf_append(&sc->names, name, strlen(name) + 1) != VG_OK)
        return VG_ENOMEM;
    return add_alert(sc, NULL, off, OFF_NONE, layer, KEY(PH_HEUR, sc->matches.n));
}

/* Begin a pass over a shard: a fresh epoch, empty lists. */
static void
state_begin(struct shard_state *st, const struct shard *sh)
{
    if (++st->epoch == 0) {
        memset(st->sig, 0, (sh->nsigs + 1) * sizeof(*st->sig));
        memset(st->pat, 0, (sh->npats + 1) * sizeof(*st->pat));
        st->epoch = 1;
    }
    st->touched.n = 0;
    st->nldb = 0;
    st->mps.n = 0;
    st->nmp = 0;
    st->hits.n = 0;
    arena_reset(&st->arena);
}

/* Which targets apply to a layer of this type (bit t = target t). */
static uint32_t
targets_for(enum ftype t)
{
    uint32_t m = 1; /* generic */

    for (unsigned k = 1; k <= 14; k++)
        if (filetype_matches_target(t, k))
            m |= 1u << k;
    return m;
}

static vg_status
pass(struct vg_scanner *sc, const uint8_t *buf, size_t len, const uint8_t *raw, size_t rawlen,
     enum ftype type, const struct exe_info *exe, const struct layer_ctx *lc, uint32_t targets,
     int normalized)
{
    const vg_db *db = sc->db;

    for (size_t i = 0; i < db->nshards; i++) {
        struct lscan ls;
        struct shard_state *st = &sc->st[i];

        memset(&ls, 0, sizeof(ls));
        ls.sc = sc;
        ls.sh = db->shards[i];
        ls.st = st;
        ls.buf = buf;
        ls.len = len;
        ls.rawbuf = raw;
        ls.rawlen = rawlen;
        ls.type = type;
        ls.targets = targets;
        ls.exe = exe;
        ls.lc = lc;
        ls.allmatch = (sc->opts.flags & VG_SCAN_ALLMATCH) != 0;
        ls.normalized = normalized;
        state_begin(st, ls.sh);
        bodyscan_run(&ls);
        if (ls.err == VG_OK)
            lsig_run(&ls);
        for (size_t h = 0; h < st->hits.n && ls.err == VG_OK; h++) {
            const struct ndbhit *hit = VEC_AT(&st->hits, struct ndbhit, h);
            const struct img_sig *g = &ls.sh->sigs[hit->sig];
            if (scanner_alert(sc, shard_str(ls.sh, g->name), hit->off, lc->path, hit->key) != VG_OK)
                ls.err = VG_ENOMEM;
        }
        if (ls.err != VG_OK)
            return ls.err;
    }
    return VG_OK;
}

/*
 * The second pass over text: normalised (textnorm.h) and matched with the
 * generic and ASCII-text signatures as a separate logical evaluation.
 * As clamscan 1.4.6 (cli_scanscript) this takes one of two forms, chosen
 * by the database (vg_db.text_reloff, see db.c):
 * - in memory: clamscan fills a 128 KiB buffer (plus root 7's longest
 *   pattern) page by page and starts a fresh normaliser whenever a page
 *   might not fit; the same flush points are reproduced here so whitespace
 *   runs collapse exactly as there, and the whole normalised text is then
 *   matched at once. The layer is still the file: its size for FileSize,
 *   and body patterns at EOF-relative offsets never match (clamscan
 *   computes no relative offsets for this buffer).
 * - as a layer (a target-7 pattern has an EOF-relative offset): the text is
 *   normalised in pieces of 128 KiB plus that pattern length, the
 *   normaliser restarting for each, and the result is scanned as a layer
 *   of its own inside the file: body, logical and hash signatures, with
 *   its own size and end, its own allow-list check; then the file's
 *   logical signatures that hold without any match are evaluated once
 *   more for the file itself (clamscan's cli_exp_eval on empty counters).
 */
static vg_status
normalized_pass(struct vg_scanner *sc, const uint8_t *buf, size_t len, enum ftype type,
                const struct layer_ctx *lc)
{
    struct textnorm tn;
    size_t in = 0, out = 0, fill = 0, keep = sc->db->max_patlen7;
    size_t cap = NORM_BUF + keep;
    uint32_t targets = 0;

    for (unsigned t = 0; t <= 14; t++)
        if (textnorm_target(t))
            targets |= 1u << t;
    if (sc->normcap < len) {
        uint8_t *p = realloc(sc->norm, len);
        if (p == NULL)
            return VG_ENOMEM;
        sc->norm = p;
        sc->normcap = len;
    }
    if (sc->db->text_reloff) {
        struct layer_ctx child = *lc;
        size_t first = sc->matches.n;
        vg_status st;

        while (in < len) {
            size_t piece = len - in < cap ? len - in : cap;
            textnorm_init(&tn);
            out += textnorm_feed(&tn, buf + in, piece, sc->norm + out, len - out, NULL);
            in += piece;
        }
        /* an empty text maps to nothing: clamscan then skips both steps */
        if (out == 0)
            return VG_OK;
        if (child.nparents < (int)(sizeof(child.parents) / sizeof(child.parents[0])))
            child.parents[child.nparents++] = type;
        {
            st = pass(sc, sc->norm, out, sc->norm, out, FT_TEXT_ASCII, NULL, &child, targets,
                      NORM_LAYER);
            if (st == VG_OK) {
                struct lscan ls;
                memset(&ls, 0, sizeof(ls));
                ls.sc = sc;
                ls.buf = sc->norm;
                ls.len = out;
                ls.type = FT_TEXT_ASCII;
                ls.lc = &child;
                ls.allmatch = (sc->opts.flags & VG_SCAN_ALLMATCH) != 0;
                hashscan_run(&ls);
                st = ls.err;
            }
            if (st != VG_OK)
                return st;
            if (sc->matches.n > first && hashscan_allowed(sc, sc->norm, out)) {
                sc->matches.n = first;
                sc->match_layer.n = first;
                sc->keys.n = first;
                sc->name_off.n = first;
            }
        }
        return pass(sc, sc->norm, 0, buf, len, FT_TEXT_ASCII, NULL, lc, targets, NORM_LAYER);
    }
    textnorm_init(&tn);
    while (in < len) {
        size_t page = len - in < NORM_PAGE ? len - in : NORM_PAGE, used = 0, n;

        if (fill + page > cap) {
            /* clamscan scans the buffer here and keeps its tail */
            fill = fill > keep ? keep : fill;
            textnorm_init(&tn);
        }
        n = textnorm_feed(&tn, buf + in, page, sc->norm + out, cap - fill, &used);
        out += n;
        fill += n;
        in += used ? used : page;
    }
    /* also an empty buffer is scanned: logical signatures true without a
       match are evaluated */
    return pass(sc, sc->norm, out, buf, len, FT_TEXT_ASCII, NULL, lc, targets, NORM_MEMORY);
}

vg_status
scanner_scan_layer(struct vg_scanner *sc, const uint8_t *buf, size_t len, const struct layer_ctx *lc)
{
    enum ftype type = filetype_detect(buf, len);
    const struct exe_info *exe = NULL;
    size_t first_alert = sc->matches.n;
    vg_status st;

    if (lc->depth == 0)
        sc->res.file_type = filetype_name(type);
    /* as clamscan: data of 5 bytes or less is not scanned at all */
    if (len <= SMALL_DATA)
        return VG_OK;
    if (lc->depth > 0) {
        const vg_scan_opts *o = &sc->opts;
        if (o->max_recursion && (uint32_t)lc->depth > o->max_recursion)
            return scanner_limit(sc, VG_LIMIT_RECURSION, lc->path);
        if (o->max_filesize && len > o->max_filesize)
            return scanner_limit(sc, VG_LIMIT_FILESIZE, lc->path);
        if (o->max_scansize && (sc->scanned > o->max_scansize || len > o->max_scansize - sc->scanned))
            return scanner_limit(sc, VG_LIMIT_SCANSIZE, lc->path);
        if (scanner_out_of_time(sc))
            return scanner_limit(sc, VG_LIMIT_SCANTIME, lc->path);
    }
    sc->scanned += len;
    sc->res.bytes_scanned += len;

    if (type == FT_PE || type == FT_ELF || type == FT_MACHO || type == FT_MACHO_UNIBIN) {
        int r = type == FT_PE ? pe_parse(buf, len, sc->exe)
                : type == FT_ELF ? elf_parse(buf, len, sc->exe)
                                 : macho_parse(buf, len, sc->exe);
        if (r != 0)
            sc->exe->kind = EXE_NONE; /* headers broken: relative offsets are void */
        exe = sc->exe;
    }
    if ((st = pass(sc, buf, len, buf, len, type, exe, lc, targets_for(type), NORM_NONE)) != VG_OK)
        return st;
    {
        struct lscan ls;
        memset(&ls, 0, sizeof(ls));
        ls.sc = sc;
        ls.buf = buf;
        ls.len = len;
        ls.type = type;
        ls.exe = exe;
        ls.lc = lc;
        ls.allmatch = (sc->opts.flags & VG_SCAN_ALLMATCH) != 0;
        hashscan_run(&ls);
        if (ls.err != VG_OK)
            return ls.err;
    }
    if (filetype_is_text(type) && len <= MAX_SCRIPT_NORMALIZE &&
        (st = normalized_pass(sc, buf, len, type, lc)) != VG_OK)
        return st;
    /* containers: members are scanned as deeper layers */
    if (!(sc->opts.flags & VG_SCAN_NO_ARCHIVE) &&
        (st = containers_walk(sc, buf, len, type, lc)) != VG_OK)
        return st;
    /* allow lists: the layer that alerted is checked (also when embedded) */
    if (sc->matches.n > first_alert && hashscan_allowed(sc, buf, len)) {
        sc->matches.n = first_alert;
        sc->match_layer.n = first_alert;
        sc->keys.n = first_alert;
        sc->name_off.n = first_alert;
    }
    return VG_OK;
}

vg_status
scanner_limit(struct vg_scanner *sc, uint32_t bit, const char *where)
{
    if (!(sc->res.incomplete & bit) && sc->res.incomplete == 0) {
        size_t off = sc->strings.len;
        if (buf_append(&sc->strings, where ? where : "", strlen(where ? where : "") + 1) != VG_OK)
            return VG_ENOMEM;
        sc->limit_where = off;
    }
    sc->res.incomplete |= bit;
    if (sc->opts.flags & VG_SCAN_ALERT_EXCEEDS_MAX) {
        char name[64];
        snprintf(name, sizeof(name), "Heuristics.Limits.Exceeded.%s", vg_limit_name(bit));
        return scanner_alert_copy(sc, name, where);
    }
    return VG_OK;
}

int
scanner_out_of_time(struct vg_scanner *sc)
{
    struct timespec now;

    if (sc->deadline.tv_sec == 0 && sc->deadline.tv_nsec == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > sc->deadline.tv_sec ||
           (now.tv_sec == sc->deadline.tv_sec && now.tv_nsec >= sc->deadline.tv_nsec);
}

static void
result_reset(struct vg_scanner *sc)
{
    memset(&sc->res, 0, sizeof(sc->res));
    sc->res.incomplete_where = "";
    sc->res.file_type = "";
    sc->matches.n = 0;
    sc->match_layer.n = 0;
    sc->keys.n = 0;
    sc->name_off.n = 0;
    sc->strings.len = 0;
    sc->names.len = 0;
    sc->limit_where = SIZE_MAX;
    sc->scanned = 0;
    sc->files = 0;
    memset(&sc->deadline, 0, sizeof(sc->deadline));
    if (sc->opts.max_scantime_ms) {
        clock_gettime(CLOCK_MONOTONIC, &sc->deadline);
        sc->deadline.tv_sec += sc->opts.max_scantime_ms / 1000;
        sc->deadline.tv_nsec += (long)(sc->opts.max_scantime_ms % 1000) * 1000000L;
        if (sc->deadline.tv_nsec >= 1000000000L) {
            sc->deadline.tv_sec++;
            sc->deadline.tv_nsec -= 1000000000L;
        }
    }
}

/* Order alerts by key (stable), keep one in first-match mode, fix pointers. */
static void
result_finish(struct vg_scanner *sc)
{
    vg_match *m = sc->matches.p;
    size_t *lay = sc->match_layer.p, *no = sc->name_off.p;
    uint64_t *key = sc->keys.p;
    size_t n = sc->matches.n;

    /* insertion sort, stable: alert lists are short */
    for (size_t i = 1; i < n; i++) {
        vg_match mm = m[i];
        size_t ll = lay[i], nn = no[i];
        uint64_t kk = key[i];
        size_t j = i;
        while (j > 0 && key[j - 1] > kk) {
            m[j] = m[j - 1];
            lay[j] = lay[j - 1];
            key[j] = key[j - 1];
            no[j] = no[j - 1];
            j--;
        }
        m[j] = mm;
        lay[j] = ll;
        key[j] = kk;
        no[j] = nn;
    }
    if (!(sc->opts.flags & VG_SCAN_ALLMATCH) && n > 1)
        n = 1;
    for (size_t i = 0; i < n; i++) {
        m[i].layer = (const char *)sc->strings.p + lay[i];
        if (no[i] != SIZE_MAX)
            m[i].name = (const char *)sc->names.p + no[i];
    }
    if (sc->limit_where != SIZE_MAX)
        sc->res.incomplete_where = (const char *)sc->strings.p + sc->limit_where;
    sc->matches.n = n;
    sc->res.nmatches = n;
    sc->res.matches = n ? m : NULL;
    sc->res.infected = n > 0;
}

VG_API vg_status
vg_scan_mem(vg_scanner *sc, const void *buf, size_t len, const vg_result **res)
{
    struct layer_ctx lc;
    vg_status st;

    *res = NULL;
    if (sc == NULL || (buf == NULL && len > 0))
        return VG_EINVAL;
    result_reset(sc);
    memset(&lc, 0, sizeof(lc));
    lc.path = "";
    if (sc->opts.max_filesize && len > sc->opts.max_filesize) {
        sc->res.file_type = filetype_name(filetype_detect(buf, len));
        if (scanner_limit(sc, VG_LIMIT_FILESIZE, "") != VG_OK)
            return VG_ENOMEM;
        result_finish(sc);
        *res = &sc->res;
        return VG_OK;
    }
    if ((st = scanner_scan_layer(sc, buf, len, &lc)) != VG_OK)
        return st;
    result_finish(sc);
    *res = &sc->res;
    return VG_OK;
}

/* Read a non-regular descriptor (pipe, socket) fully, up to max bytes;
 * *over is set when more data followed. */
static vg_status
read_all(int fd, size_t max, uint8_t **out, size_t *len, int *over)
{
    size_t cap = 65536, n = 0;
    uint8_t *p = malloc(cap), *q;

    *over = 0;
    if (p == NULL)
        return VG_ENOMEM;
    for (;;) {
        ssize_t r;
        if (n == cap) {
            if (cap >= max + 1) {
                *over = 1;
                break;
            }
            cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            if ((q = realloc(p, cap)) == NULL) {
                free(p);
                return VG_ENOMEM;
            }
            p = q;
        }
        r = read(fd, p + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            free(p);
            return err_from_errno(errno);
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max) {
            *over = 1;
            n = max;
            break;
        }
    }
    *out = p;
    *len = n;
    return VG_OK;
}

VG_API vg_status
vg_scan_fd(vg_scanner *sc, int fd, const vg_result **res)
{
    struct stat sb;
    vg_status st;

    *res = NULL;
    if (sc == NULL || fd < 0)
        return VG_EINVAL;
    if (fstat(fd, &sb) != 0)
        return err_from_errno(errno);
    if (S_ISDIR(sb.st_mode))
        return VG_ENOTFILE;
    if (S_ISREG(sb.st_mode)) {
        size_t len = (size_t)sb.st_size;
        void *map;

        if ((uint64_t)sb.st_size != (uint64_t)len)
            return VG_ELIMIT;
        if (len == 0)
            return vg_scan_mem(sc, "", 0, res);
        if (sc->opts.max_filesize && len > sc->opts.max_filesize) {
            /* not read at all: the result only says it was too large */
            result_reset(sc);
            if (scanner_limit(sc, VG_LIMIT_FILESIZE, "") != VG_OK)
                return VG_ENOMEM;
            result_finish(sc);
            *res = &sc->res;
            return VG_OK;
        }
        map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            return err_from_errno(errno);
        madvise(map, len, MADV_SEQUENTIAL);
        st = vg_scan_mem(sc, map, len, res);
        munmap(map, len);
        return st;
    }
    {
        uint8_t *data = NULL;
        size_t len = 0;
        int over = 0;
        size_t max = sc->opts.max_filesize ? sc->opts.max_filesize : ((size_t)1 << 40);

        if ((st = read_all(fd, max, &data, &len, &over)) != VG_OK)
            return st;
        st = vg_scan_mem(sc, data, len, res);
        if (st == VG_OK && over) {
            sc->res.incomplete |= VG_LIMIT_FILESIZE;
        }
        free(data);
        return st;
    }
}

VG_API vg_status
vg_scan_path(vg_scanner *sc, const char *path, const vg_result **res)
{
    int fd;
    vg_status st;

    *res = NULL;
    if (sc == NULL || path == NULL)
        return VG_EINVAL;
    if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)) < 0)
        return err_from_errno(errno);
    {
        int fl = fcntl(fd, F_GETFL);
        if (fl >= 0)
            fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    st = vg_scan_fd(sc, fd, res);
    close(fd);
    return st;
}
