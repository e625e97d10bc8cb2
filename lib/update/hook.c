/*
 * hook.c - pause at a named step when a test asks for it.
 */
#include "update/hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
hook_pause(const char *step)
{
#ifdef VG_TESTING_HOOKS
    const char *want = getenv("VIGIL_TEST_PAUSE");

    if (want == NULL || strcmp(want, step) != 0)
        return;
    fprintf(stderr, "vigil: test pause at %s\n", step);
    fflush(stderr);
    /* Bounded: a test that forgets to kill us does not leave us forever. */
    for (int i = 0; i < 600; i++)
        sleep(1);
#else
    (void)step;
#endif
}
