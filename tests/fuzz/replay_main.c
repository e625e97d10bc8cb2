/*
 * replay_main.c - runs a fuzz target over every file of a corpus directory
 * (and over any file named on the command line), without libFuzzer.
 *
 * This is how the saved corpus and past crashers run in the normal ctest
 * suite, under ASan+UBSan in the sanitizer build.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    uint8_t *buf;
    size_t n;

    if (f == NULL || fstat(fileno(f), &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    /* A copy of exactly the file's size, so ASan sees reads past the end. */
    if ((buf = malloc(st.st_size ? (size_t)st.st_size : 1)) == NULL) {
        fclose(f);
        return -1;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    free(buf);
    return 0;
}

static int
run_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    int rc = 0;

    if (d == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc |= run_dir(path, count);
        else if (S_ISREG(st.st_mode)) {
            rc |= run_file(path);
            (*count)++;
        }
    }
    closedir(d);
    return rc;
}

int
main(int argc, char **argv)
{
    unsigned count = 0;
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 1;
        }
        if (S_ISDIR(st.st_mode))
            rc |= run_dir(argv[i], &count);
        else {
            rc |= run_file(argv[i]);
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "replay: no inputs (the corpus must not be empty)\n");
        return 1;
    }
    fprintf(stderr, "replay: %u inputs, no crash\n", count);
    return rc ? 1 : 0;
}
