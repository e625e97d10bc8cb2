/*
 * privdrop.c - a worker gives up its user, capabilities and unbounded
 * resources before it reads an untrusted byte (see privdrop.h).
 *
 * The steps and their order follow from how Linux treats credentials:
 * the capability bounding set can only be emptied while the process still
 * has CAP_SETPCAP (so before the uid changes); supplementary groups before
 * the gid, the gid before the uid; RLIMIT_NPROC only after the uid change
 * (it counts the processes of the new user). Each step is checked
 * afterwards, as OpenSSH's permanently_set_uid does: a drop that did not
 * happen must stop the worker, not let it go on as root.
 */
#include "sandbox/privdrop.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/err.h"

static int
fail(char *why, size_t whylen, const char *what)
{
    snprintf(why, whylen, "%s: %s", what, strerror(errno));
    return -1;
}

vg_status
privdrop_resolve(const char *user, struct privdrop *out, vg_err *err)
{
    struct passwd pw, *res = NULL;
    char tmp[4096];
    int e;

    memset(out, 0, sizeof(*out));
    if (geteuid() != 0)
        return VG_OK;
    if (user == NULL || user[0] == '\0')
        user = PRIVDROP_DEFAULT_USER;
    if (strlen(user) >= sizeof(out->user))
        return err_set(err, VG_EINVAL, "sandbox user %.64s...: name too long", user);
    if ((e = getpwnam_r(user, &pw, tmp, sizeof(tmp), &res)) != 0 || res == NULL)
        return err_set(err, VG_EINVAL, "sandbox user %s: %s", user,
                       e ? strerror(e) : "no such user");
    if (pw.pw_uid == 0 || pw.pw_gid == 0)
        return err_set(err, VG_EINVAL, "sandbox user %s: has uid or gid 0, workers must not be root",
                       user);
    out->change = 1;
    out->uid = pw.pw_uid;
    out->gid = pw.pw_gid;
    snprintf(out->user, sizeof(out->user), "%s", user);
    return VG_OK;
}

/* Lower one limit; never above the hard limit we were given. */
static int
limit(int res, rlim_t soft, rlim_t hard, const char *name, char *why, size_t whylen)
{
    struct rlimit rl;

    if (getrlimit(res, &rl) != 0)
        return fail(why, whylen, name);
    if (rl.rlim_max != RLIM_INFINITY && hard > rl.rlim_max)
        hard = rl.rlim_max;
    if (soft > hard)
        soft = hard;
    rl.rlim_cur = soft;
    rl.rlim_max = hard;
    if (setrlimit(res, &rl) != 0)
        return fail(why, whylen, name);
    return 0;
}

int
privdrop_limits(const struct privdrop_rlimits *rl, char *why, size_t whylen)
{
    if (limit(RLIMIT_CORE, 0, 0, "setrlimit(RLIMIT_CORE)", why, whylen) != 0 ||
        limit(RLIMIT_FSIZE, 0, 0, "setrlimit(RLIMIT_FSIZE)", why, whylen) != 0 ||
        limit(RLIMIT_NOFILE, rl->nofile, rl->nofile, "setrlimit(RLIMIT_NOFILE)", why, whylen) != 0 ||
        limit(RLIMIT_MEMLOCK, 0, 0, "setrlimit(RLIMIT_MEMLOCK)", why, whylen) != 0)
        return -1;
    if (rl->cpu_s &&
        limit(RLIMIT_CPU, rl->cpu_s, (rlim_t)rl->cpu_s + 1, "setrlimit(RLIMIT_CPU)", why, whylen) != 0)
        return -1;
    if (rl->as_bytes &&
        limit(RLIMIT_AS, rl->as_bytes, rl->as_bytes, "setrlimit(RLIMIT_AS)", why, whylen) != 0)
        return -1;
    return 0;
}

static int
caps_clear(char *why, size_t whylen)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

    memset(d, 0, sizeof(d));
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return fail(why, whylen, "prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    if (syscall(SYS_capset, &h, d) != 0)
        return fail(why, whylen, "capset");
    memset(d, 0xff, sizeof(d));
    if (syscall(SYS_capget, &h, d) != 0)
        return fail(why, whylen, "capget");
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
        if (d[i].effective || d[i].permitted || d[i].inheritable) {
            snprintf(why, whylen, "capabilities still held after capset");
            return -1;
        }
    return 0;
}

int
privdrop_user(const struct privdrop *pd, char *why, size_t whylen)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;

    if (pd->change) {
        /* while CAP_SETPCAP is still ours: empty the bounding set */
        for (int cap = 0; cap <= 63; cap++) {
            if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
                break; /* past the last capability this kernel knows */
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
                return fail(why, whylen, "prctl(PR_CAPBSET_DROP)");
        }
        if (setgroups(0, NULL) != 0)
            return fail(why, whylen, "setgroups(0)");
        if (setresgid(pd->gid, pd->gid, pd->gid) != 0)
            return fail(why, whylen, "setresgid");
        if (setresuid(pd->uid, pd->uid, pd->uid) != 0)
            return fail(why, whylen, "setresuid");
        if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
            return fail(why, whylen, "getresuid");
        if (ru != pd->uid || eu != pd->uid || su != pd->uid || rg != pd->gid || eg != pd->gid ||
            sg != pd->gid || getgroups(0, NULL) != 0) {
            snprintf(why, whylen, "user %s: ids did not change as asked", pd->user);
            return -1;
        }
        /* and there is no way back */
        if (setuid(0) == 0 || setgid(0) == 0) {
            snprintf(why, whylen, "user %s: root could be regained", pd->user);
            return -1;
        }
    }
    return caps_clear(why, whylen);
}

int
privdrop_nnp(char *why, size_t whylen)
{
    struct rlimit rl = {0, 0};

    if (setrlimit(RLIMIT_NPROC, &rl) != 0)
        return fail(why, whylen, "setrlimit(RLIMIT_NPROC)");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return fail(why, whylen, "prctl(PR_SET_DUMPABLE)");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return fail(why, whylen, "prctl(PR_SET_NO_NEW_PRIVS)");
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
        snprintf(why, whylen, "no_new_privs did not stick");
        return -1;
    }
    return 0;
}

uint64_t
privdrop_vmsize(void)
{
    char b[128];
    unsigned long long pages = 0;
    ssize_t n;
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    n = read(fd, b, sizeof(b) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    b[n] = '\0';
    if (sscanf(b, "%llu", &pages) != 1)
        return 0;
    return (uint64_t)pages * (uint64_t)sysconf(_SC_PAGESIZE);
}
