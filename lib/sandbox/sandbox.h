/*
 * sandbox.h - the system-call sandbox a worker enters, behind one small
 * interface with one backend per file, chosen by CMake (VG_SANDBOX):
 *
 *   seccomp.c  Linux seccomp-bpf through libseccomp: default action kill
 *   none.c     no system-call filter (worker processes keep every other
 *              protection: separate process, user switch, rlimits)
 *
 * Like OpenSSH's ssh-sandbox.h with its sandbox-*.c. The worker calls
 * sandbox_enter as the very last step of its set-up, after privileges are
 * dropped (privdrop.h) and before it reads the first untrusted byte.
 * docs/internals/SANDBOX.md lists what the filter allows and why.
 */
#ifndef VG_SANDBOX_SANDBOX_H
#define VG_SANDBOX_SANDBOX_H

#include <stddef.h>

/* The backend's name: "seccomp" or "none". Static string. */
const char *sandbox_name(void);

/* Confine the calling process for good. sock is the worker's socket to the
 * parent: the only descriptor it may send and receive messages on.
 * Returns 0, or -1 with why filled (the worker must then not go on). */
int sandbox_enter(int sock, char *why, size_t whylen);

#endif
