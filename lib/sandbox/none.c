/*
 * none.c - the sandbox backend without a system-call filter, for systems
 * without seccomp (chosen by CMake with -DVG_SANDBOX=none).
 *
 * A worker still runs in its own process, as an unprivileged user when
 * started as root, with no capabilities, no_new_privs and rlimits
 * (privdrop.c); only the system-call filter is missing.
 */
#include "sandbox/sandbox.h"

const char *
sandbox_name(void)
{
    return "none";
}

int
sandbox_enter(int sock, char *why, size_t whylen)
{
    (void)sock;
    (void)why;
    (void)whylen;
    return 0;
}
