/*
 * clock.c - system time, or VIGIL_NOW in builds with test hooks.
 */
#include "update/clock.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

static int
env_now(int64_t *out)
{
#ifdef VG_TESTING_HOOKS
    const char *s = getenv("VIGIL_NOW");
    char *end;
    long long v;

    if (s == NULL || *s == '\0')
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end != '\0' || v < 0)
        return 0;
    *out = (int64_t)v;
    return 1;
#else
    (void)out;
    return 0;
#endif
}

int64_t
clock_now(void)
{
    int64_t v;

    if (env_now(&v))
        return v;
    return (int64_t)time(NULL);
}

int
clock_overridden(void)
{
    int64_t v;

    return env_now(&v);
}
