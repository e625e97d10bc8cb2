/*
 * fuzz_scan_args.c - fuzz the parsers of `vigil scan` (src/vigil): the
 * clamscan-style command line, the size/number/boolean values, and the
 * JSON string encoder, whose output must be valid JSON-safe UTF-8 whatever
 * bytes come in.
 *
 * The first byte picks the target, the rest is its input; for the command
 * line the input is split at NUL bytes into argv. The parser prints its
 * messages: run libFuzzer with -close_fd_mask=3. Inputs with repetition
 * operators ({ + * ?) are not given to the command line: glibc's regcomp
 * can take exponential memory on stacked repetitions ("a++++..."), and the
 * --exclude patterns are the user's own, not input from scanned files.
 *
 * The sources are compiled in here: the fuzz build links the library only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/vigil/scan_json.c"
#include "../../src/vigil/scan_opts.c"

#define MAX_INPUT 1024
#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_argv(const uint8_t *data, size_t size)
{
    char *copy, *argv[MAX_ARGS + 1];
    int argc = 0;
    struct scan_cfg cfg;
    size_t start = 0;

    for (size_t i = 0; i < size; i++)
        if (data[i] == '{' || data[i] == '+' || data[i] == '*' || data[i] == '?')
            return;
    if ((copy = malloc(size + 1)) == NULL)
        return;
    memcpy(copy, data, size);
    copy[size] = '\0';
    argv[argc++] = (char *)"scan";
    for (size_t i = 0; i <= size && argc < MAX_ARGS; i++) {
        if (i == size || copy[i] == '\0') {
            argv[argc++] = copy + start;
            start = i + 1;
        }
    }
    argv[argc] = NULL;
    scan_opts_parse(argc, argv, &cfg);
    if (cfg.paths != NULL)
        for (size_t i = 0; i < cfg.npaths; i++)
            if (cfg.paths[i] == NULL)
                abort();
    if (cfg.exclude.n > 0)
        scan_opts_match(&cfg.exclude, "dir/sub/file.txt");
    scan_opts_free(&cfg);
    free(copy);
}

static void
fuzz_json(const uint8_t *data, size_t size)
{
    struct buf b = {0};
    int lossless;

    if (scan_json_str(&b, (const char *)data, size, &lossless) != VG_OK)
        goto out;
    if (b.len < 2 || b.p[0] != '"' || b.p[b.len - 1] != '"')
        abort();
    for (size_t i = 0; i < b.len;) {
        size_t n = scan_json_utf8_len(b.p + i, b.len - i);

        if (n == 0 || b.p[i] < 0x20 || b.p[i] == 0x7f)
            abort(); /* not UTF-8, or a raw control character */
        i += n;
    }
    b.len = 0;
    if (scan_json_hex(&b, (const char *)data, size) != VG_OK || b.len != 2 * size + 2)
        goto out;
out:
    buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    uint64_t v;
    int bv;

    if (size == 0 || size > MAX_INPUT)
        return 0;
    switch (data[0] % 4) {
    case 0:
        fuzz_argv(data + 1, size - 1);
        break;
    case 1:
    case 3:
        if (size - 1 < sizeof(s)) {
            memcpy(s, data + 1, size - 1);
            s[size - 1] = '\0';
            if (data[0] % 4 == 1) {
                scan_opts_size(s, &v);
                scan_opts_number(s, UINT32_MAX, &v);
            } else
                scan_opts_bool(s, &bv);
        }
        break;
    default:
        fuzz_json(data + 1, size - 1);
        break;
    }
    return 0;
}
