/*
 * t.h - the unit-test harness: a few macros and a summary.
 *
 * A test file defines static functions and calls them from main() through
 * T_RUN; each failed check prints "file:line: expression" and the process
 * exits nonzero at the end. No framework, no allocation.
 */
#ifndef VG_TEST_T_H
#define VG_TEST_T_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failed, t_checks;

#define T_CHECK(cond)                                                                   \
    do {                                                                                \
        t_checks++;                                                                     \
        if (!(cond)) {                                                                  \
            t_failed++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);    \
        }                                                                               \
    } while (0)

#define T_EQ_INT(a, b)                                                                  \
    do {                                                                                \
        long long t_a = (long long)(a), t_b = (long long)(b);                           \
        t_checks++;                                                                     \
        if (t_a != t_b) {                                                               \
            t_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__,        \
                    __LINE__, #a, #b, t_a, t_b);                                        \
        }                                                                               \
    } while (0)

#define T_EQ_STR(a, b)                                                                  \
    do {                                                                                \
        const char *t_a = (a), *t_b = (b);                                              \
        t_checks++;                                                                     \
        if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0) {                      \
            t_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__,    \
                    __LINE__, #a, #b, t_a ? t_a : "(null)", t_b ? t_b : "(null)");      \
        }                                                                               \
    } while (0)

#define T_RUN(fn)                                                                       \
    do {                                                                                \
        int t_before = t_failed;                                                        \
        fn();                                                                           \
        fprintf(stderr, "%-40s %s\n", #fn, t_failed == t_before ? "ok" : "FAILED");     \
    } while (0)

#define T_DONE()                                                                        \
    do {                                                                                \
        fprintf(stderr, "%d checks, %d failed\n", t_checks, t_failed);                  \
        return t_failed ? 1 : 0;                                                        \
    } while (0)

#endif
