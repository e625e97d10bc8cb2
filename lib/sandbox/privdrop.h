/*
 * privdrop.h - giving up what a worker process must not hold: the user
 * and groups it inherited (root, when the caller is root), capabilities,
 * the right to gain privileges again (no_new_privs), and unbounded
 * resources (rlimits).
 *
 * privdrop_resolve runs in the parent (it reads the user database);
 * the rest runs in a freshly forked worker before it reads any untrusted
 * byte, in the order privdrop_limits, privdrop_user, privdrop_nnp.
 */
#ifndef VG_SANDBOX_PRIVDROP_H
#define VG_SANDBOX_PRIVDROP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <vigil/vigil.h>

#define PRIVDROP_DEFAULT_USER "nobody"

struct privdrop {
    int change;       /* 1: switch to uid/gid (the process is root) */
    uid_t uid;
    gid_t gid;
    char user[64];
};

struct privdrop_rlimits {
    uint64_t as_bytes;  /* RLIMIT_AS; 0 = leave as it is */
    uint32_t cpu_s;     /* RLIMIT_CPU soft limit (SIGXCPU); hard = soft + 1 */
    unsigned nofile;    /* RLIMIT_NOFILE */
};

/* Decide whom workers run as: when the effective uid is 0, user (NULL =
 * "nobody") looked up in the user database; otherwise no change. Errors
 * name the user. */
vg_status privdrop_resolve(const char *user, struct privdrop *out, vg_err *err);

/* Set the worker's rlimits (address space, CPU, descriptors; no core
 * dumps, no file writes). Returns 0, or -1 with why filled. */
int privdrop_limits(const struct privdrop_rlimits *rl, char *why, size_t whylen);

/* Switch user and groups when pd->change, drop every capability (bounding
 * and ambient sets too), and check that none can be had back. Returns 0,
 * or -1 with why filled. */
int privdrop_user(const struct privdrop *pd, char *why, size_t whylen);

/* After the user switch: no processes (RLIMIT_NPROC 0), no core dumps or
 * ptrace by the same user (not dumpable), and no_new_privs. Returns 0, or
 * -1 with why filled. */
int privdrop_nnp(char *why, size_t whylen);

/* Bytes of address space this process maps now (VmSize), 0 if unknown.
 * Reads /proc: call before the sandbox is entered. */
uint64_t privdrop_vmsize(void);

#endif
