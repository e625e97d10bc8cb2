/*
 * test_match.c - the matching-semantics table (tests/data/match_cases.txt)
 * run directly against the engine: every wildcard, range, alternation,
 * boundary, offset form, logical-expression form, modifier, PCRE, byte
 * compare and hash case, with the verdict clamscan 1.4.6 gives (the same
 * table is checked against clamscan by tests/cli/test_match_table.py).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "tdb.h"

static int
hexv(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode "x:4142 + t:ab\n + x:{00*3}" into out; returns the length or -1. */
static long
decode(const char *spec, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *p = spec;

    while (*p) {
        while (*p == ' ' || *p == '+')
            p++;
        if (p[0] == 'x' && p[1] == ':') {
            p += 2;
            while (*p && *p != ' ') {
                if (*p == '{') {
                    int b = hexv(p[1]) << 4 | hexv(p[2]);
                    char *end;
                    long cnt = strtol(p + 4, &end, 10);
                    p = end + 1; /* past '}' */
                    for (long i = 0; i < cnt && n < cap; i++)
                        out[n++] = (uint8_t)b;
                    continue;
                }
                if (hexv(p[0]) < 0 || hexv(p[1]) < 0 || n >= cap)
                    return -1;
                out[n++] = (uint8_t)(hexv(p[0]) << 4 | hexv(p[1]));
                p += 2;
            }
        } else if (p[0] == 't' && p[1] == ':') {
            p += 2;
            /* text runs to " + " or the end */
            while (*p && !(p[0] == ' ' && p[1] == '+' && p[2] == ' ')) {
                if (n >= cap)
                    return -1;
                if (p[0] == '\\' && p[1] == 'n') {
                    out[n++] = '\n';
                    p += 2;
                } else if (p[0] == '\\' && p[1] == 'r') {
                    out[n++] = '\r';
                    p += 2;
                } else if (p[0] == '\\' && p[1] == '0') {
                    out[n++] = '\0';
                    p += 2;
                } else {
                    out[n++] = (uint8_t)*p++;
                }
            }
        } else if (*p) {
            return -1;
        }
    }
    return (long)n;
}

static void
run_table(void)
{
    const char *src = getenv("VG_SRCDIR");
    char path[4096], line[8192];
    FILE *f;
    int lineno = 0, cases = 0;

    snprintf(path, sizeof(path), "%s/tests/data/match_cases.txt", src ? src : ".");
    f = fopen(path, "r");
    T_CHECK(f != NULL);
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *fields[4], *p = line, *sig;
        uint8_t data[4096];
        long len;
        struct tdb t;
        const vg_result *r;
        int nf = 0, expect;

        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        while (nf < 4) {
            char *sep = strstr(p, " | ");
            fields[nf++] = p;
            if (sep == NULL)
                break;
            *sep = '\0';
            p = sep + 3;
        }
        T_EQ_INT(nf, 4);
        if (nf != 4)
            continue;
        sig = fields[1];
        len = decode(fields[2], data, sizeof(data));
        T_CHECK(len >= 0);
        expect = fields[3][0] == '1';
        if (tdb_open(&t, fields[0], sig, VG_SCAN_ALLMATCH) != VG_OK) {
            fprintf(stderr, "line %d: load failed: %s\n", lineno, t.err.msg);
            T_CHECK(0);
            tdb_close(&t);
            continue;
        }
        T_EQ_INT(vg_scan_mem(t.sc, data, (size_t)len, &r), VG_OK);
        if (r && r->infected != expect) {
            fprintf(stderr, "line %d: %s: got %s\n", lineno, sig, r->infected ? "match" : "no match");
            T_CHECK(0);
        }
        tdb_close(&t);
        cases++;
    }
    fclose(f);
    T_CHECK(cases >= 100);
}

int
main(void)
{
    T_RUN(run_table);
    T_DONE();
}
