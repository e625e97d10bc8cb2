/*
 * test_sigread.c - every error path of the signature readers
 * (tests/data/sig_errors.txt): each malformed line is refused, the error
 * names the file and line 2, says what is wrong, and nothing is loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/loader.h"
#include "t.h"

/* A valid first line per format. */
static const char *
first_line(const char *fname)
{
    const char *ext = strrchr(fname, '.');

    if (strcmp(ext, ".hdb") == 0 || strcmp(ext, ".fp") == 0)
        return "44d88612fea8a8f36de82e1278abb02f:68:Ok-Sig";
    if (strcmp(ext, ".mdb") == 0)
        return "512:23db1dd3f77fae25610b6a32701313ae:Ok-Sig";
    if (strcmp(ext, ".ndb") == 0)
        return "Ok-Sig:0:*:414243444546";
    if (strcmp(ext, ".ldb") == 0)
        return "Ok-Sig;Engine:51-255,Target:0;0;414243";
    if (strcmp(ext, ".cdb") == 0)
        return "Ok-Sig:*:*:x:*:*:*:*:*:*";
    return "Ok-Sig";
}

static void
run_table(void)
{
    const char *src = getenv("VG_SRCDIR");
    char path[4096], line[8192];
    FILE *f;
    int n = 0;

    snprintf(path, sizeof(path), "%s/tests/data/sig_errors.txt", src ? src : ".");
    f = fopen(path, "r");
    T_CHECK(f != NULL);
    if (f == NULL)
        return;
    while (fgets(line, sizeof(line), f)) {
        char *a, *b, *c, text[9000], where[8300];
        struct loader ld;
        vg_err err;
        vg_status st;

        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        a = line;
        b = strstr(a, " | ");
        c = b ? strstr(b + 3, " | ") : NULL;
        T_CHECK(b && c);
        if (!b || !c)
            continue;
        *b = '\0';
        *c = '\0';
        b += 3;
        c += 3;
        snprintf(text, sizeof(text), "%s\n%s\n", first_line(a), b);
        memset(&err, 0, sizeof(err));
        loader_init(&ld, VG_LOAD_PUA, "main");
        st = loader_add_buffer(&ld, a, (const uint8_t *)text, strlen(text), 0, &err);
        snprintf(where, sizeof(where), "%s:2: ", a);
        if (st == VG_OK || strstr(err.msg, where) != err.msg || strstr(err.msg, c) == NULL) {
            fprintf(stderr, "%s | %s\n  expected error containing \"%s\", got %s: %s\n", a, b, c,
                    vg_status_str(st), err.msg);
            T_CHECK(0);
        } else {
            T_CHECK(1);
        }
        loader_free(&ld);
        n++;
    }
    fclose(f);
    T_CHECK(n >= 90);
}

/* Whole-file errors name the file. */
static void
file_errors(void)
{
    struct loader ld;
    vg_err err;

    loader_init(&ld, 0, "main");
    T_EQ_INT(loader_add_buffer(&ld, "e.ndb", (const uint8_t *)"", 0, 0, &err), VG_EFORMAT);
    T_CHECK(strstr(err.msg, "e.ndb: empty database file") != NULL);
    loader_free(&ld);
    loader_init(&ld, 0, "main");
    T_EQ_INT(loader_add_buffer(&ld, "z.hdb", (const uint8_t *)"ab\0cd\n", 6, 0, &err), VG_EFORMAT);
    T_CHECK(strstr(err.msg, "z.hdb:1: NUL byte") != NULL);
    loader_free(&ld);
    {
        char *big = malloc(20000);
        memset(big, 'a', 19999);
        big[19999] = '\0';
        loader_init(&ld, 0, "main");
        T_EQ_INT(loader_add_buffer(&ld, "l.ndb", (const uint8_t *)big, 19999, 0, &err), VG_EFORMAT);
        T_CHECK(strstr(err.msg, "l.ndb:1: line too long") != NULL);
        loader_free(&ld);
        free(big);
    }
    loader_init(&ld, 0, "main");
    T_CHECK(loader_add_buffer(&ld, "x.unknown", (const uint8_t *)"a\n", 2, 0, &err) != VG_OK);
    loader_free(&ld);
}

int
main(void)
{
    T_RUN(run_table);
    T_RUN(file_errors);
    T_DONE();
}
