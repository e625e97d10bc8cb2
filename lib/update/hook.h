/*
 * hook.h - test-only pause points in the update and install steps.
 *
 * With test hooks built in (VG_TESTING_HOOKS), setting VIGIL_TEST_PAUSE to
 * a step name makes the process announce "vigil: test pause at <step>" on
 * stderr when it reaches that step and then wait, so a test can kill it
 * there (kill -9) and check what a crash at that moment leaves behind.
 * Release builds compile the calls to nothing.
 */
#ifndef VG_UPDATE_HOOK_H
#define VG_UPDATE_HOOK_H

/* Steps: "download", "verify", "stage", "fsync", "rename", "switch", "reload". */
void hook_pause(const char *step);

#endif
