/*
 * clock.h - the one clock the update code reads.
 *
 * Expiry (freeze protection) and certificate validity are judged against
 * clock_now(). In builds with test hooks, the environment variable
 * VIGIL_NOW (unix seconds) overrides the system clock, so tests can move
 * time forward without waiting; release builds (-DVG_TESTING_HOOKS=OFF)
 * ignore it.
 */
#ifndef VG_UPDATE_CLOCK_H
#define VG_UPDATE_CLOCK_H

#include <stdint.h>

/* Current time in unix seconds. */
int64_t clock_now(void);

/* 1 when the clock is overridden (VIGIL_NOW set and honoured). */
int clock_overridden(void);

#endif
