/*
 * test_formats_dump.c - prints what the format layer makes of files, for
 * tests/cli/test_formats_vs_clamscan.py to compare with clamscan.
 *
 *   test_formats_dump type FILE...     one "CL_TYPE_..." line per file
 *   test_formats_dump exe FILE...      one line per file:
 *       KIND ok EP NSECTIONS RAW:SIZE ...   or   KIND fail
 *   test_formats_dump norm FILE        the normalised text on stdout
 *   test_formats_dump scanscript MAXPATLEN FILE
 *       what ClamAV's cli_scanscript writes when it keeps its normalised
 *       text (--leave-temps): its 4 KiB pages, 128 KiB + MAXPATLEN buffer,
 *       flushes, carried-over tail and state resets, built on textnorm_feed
 *   test_formats_dump embedded FILE    "FINAL" then "TYPE OFFSET" lines
 *
 * Without arguments (as ctest runs it) it checks those printers on small
 * buffers built here, so the tool itself is tested.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/exe.h"
#include "formats/filetype.h"
#include "formats/textnorm.h"
#include "t.h"

static uint8_t *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b = NULL;
    long n;

    if (f == NULL) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    if ((b = malloc(n ? (size_t)n : 1)) == NULL)
        goto out;
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
        goto out;
    }
    *len = (size_t)n;
out:
    if (b == NULL)
        fprintf(stderr, "%s: cannot read\n", path);
    fclose(f);
    return b;
}

/* "pe ok EP N raw:size ..." for the first parser that accepts the buffer,
 * in the order of its type; "none fail" if none does. */
static void
print_exe(FILE *o, const uint8_t *b, size_t len)
{
    static struct exe_info x;
    const char *kind = "none";
    int rc = -1;
    enum ftype t = filetype_detect(b, len);

    if (t == FT_PE) {
        kind = "pe";
        rc = pe_parse(b, len, &x);
    } else if (t == FT_ELF) {
        kind = "elf";
        rc = elf_parse(b, len, &x);
    } else if (t == FT_MACHO || t == FT_MACHO_UNIBIN) {
        kind = "macho";
        rc = macho_parse(b, len, &x);
    }
    if (rc != 0) {
        fprintf(o, "%s fail\n", kind);
        return;
    }
    fprintf(o, "%s ok %llu %u", kind, (unsigned long long)x.ep, x.nsections);
    for (uint32_t i = 0; i < x.nrecorded; i++)
        fprintf(o, " %llu:%llu", (unsigned long long)x.sections[i].raw_off,
                (unsigned long long)x.sections[i].raw_size);
    fprintf(o, "\n");
}

/* cli_scanscript's in-memory loop with keeptmp: every flush writes the
 * buffer so far; the last maxpat bytes are carried into the next buffer. */
static int
scanscript(FILE *o, const uint8_t *b, size_t len, size_t maxpat)
{
    const size_t page = 4096, outlen = 131072 + maxpat;
    uint8_t *out = calloc(outlen, 1);
    struct textnorm st;
    size_t at = 0, pos = 0;

    if (out == NULL)
        return 1;
    textnorm_init(&st);
    for (;;) {
        size_t n = len - at < page ? len - at : page;
        const uint8_t *chunk = b + at;

        at += n;
        if (n == 0 || pos + n > outlen) {
            fwrite(out, 1, pos, o);
            if (pos > maxpat)
                memmove(out, out + pos - maxpat, maxpat);
            textnorm_init(&st);
            pos = maxpat;
        }
        if (n == 0)
            break;
        pos += textnorm_feed(&st, chunk, n, out + pos, outlen - pos, NULL);
    }
    free(out);
    return 0;
}

static int
dump(const char *mode, int n, char **files)
{
    int rc = 0;

    for (int i = 0; i < n; i++) {
        size_t len = 0;
        uint8_t *b = slurp(files[i], &len);

        if (b == NULL) {
            rc = 1;
            continue;
        }
        if (strcmp(mode, "type") == 0) {
            printf("%s\n", filetype_cltype(filetype_detect(b, len)));
        } else if (strcmp(mode, "exe") == 0) {
            print_exe(stdout, b, len);
        } else if (strcmp(mode, "norm") == 0) {
            uint8_t *o = malloc(len ? len : 1);
            size_t k;

            if (o == NULL) {
                free(b);
                return 1;
            }
            k = textnorm_normalize(b, len, o, len);
            fwrite(o, 1, k, stdout);
            free(o);
        } else if (strcmp(mode, "embedded") == 0) {
            struct ft_embedded e[64];
            enum ftype fin;
            size_t k = filetype_scan_embedded(b, len, filetype_detect(b, len), e, 64, &fin);

            printf("%s\n", filetype_cltype(fin));
            for (size_t j = 0; j < k; j++)
                printf("%s %llu\n", filetype_cltype(e[j].type), (unsigned long long)e[j].offset);
        } else {
            fprintf(stderr, "unknown mode %s\n", mode);
            rc = 1;
        }
        free(b);
    }
    return rc;
}

/* The printers on buffers built here. */
static void
test_printers(void)
{
    static uint8_t pe[1024];
    char line[256];
    FILE *f;

    /* A minimal PE: one section at raw 0x200, entry point at its start. */
    memcpy(pe, "MZ", 2);
    pe[60] = 0x80;
    memcpy(pe + 0x80, "PE\0\0", 4);
    pe[0x80 + 6] = 1;    /* NumberOfSections */
    pe[0x80 + 20] = 224; /* SizeOfOptionalHeader */
    pe[0x98] = 0x0b;
    pe[0x99] = 0x01;                 /* PE32 */
    pe[0x98 + 16 + 1] = 0x10;        /* AddressOfEntryPoint 0x1000 */
    pe[0x98 + 32 + 1] = 0x10;        /* SectionAlignment 0x1000 */
    pe[0x98 + 36 + 1] = 0x02;        /* FileAlignment 0x200 */
    pe[0x98 + 60 + 1] = 0x02;        /* SizeOfHeaders 0x200 */
    pe[0x98 + 92] = 16;              /* NumberOfRvaAndSizes */
    pe[0x178 + 8 + 1] = 0x02;        /* VirtualSize 0x200 */
    pe[0x178 + 12 + 1] = 0x10;       /* VirtualAddress 0x1000 */
    pe[0x178 + 16 + 1] = 0x02;       /* SizeOfRawData 0x200 */
    pe[0x178 + 20 + 1] = 0x02;       /* PointerToRawData 0x200 */
    f = tmpfile();
    T_CHECK(f != NULL);
    if (f == NULL)
        return;
    print_exe(f, pe, sizeof(pe));
    print_exe(f, (const uint8_t *)"plain text, nothing else", 24);
    rewind(f);
    T_CHECK(fgets(line, sizeof(line), f) != NULL);
    T_EQ_STR(line, "pe ok 512 1 512:512\n");
    T_CHECK(fgets(line, sizeof(line), f) != NULL);
    T_EQ_STR(line, "none fail\n");
    fclose(f);
}

int
main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "scanscript") == 0) {
        size_t len = 0;
        uint8_t *b = slurp(argv[3], &len);
        int rc;

        if (b == NULL)
            return 1;
        rc = scanscript(stdout, b, len, (size_t)strtoul(argv[2], NULL, 10));
        free(b);
        return rc;
    }
    if (argc >= 2)
        return dump(argv[1], argc - 2, argv + 2);
    T_RUN(test_printers);
    T_DONE();
}
