/*
 * main.c - vigild, vigil's clamd-compatible daemon: options, start-up and
 * shutdown.
 *
 * Start-up order: configuration (file, then command-line overrides), log,
 * daemonize (the parent waits until the child serves, or prints why it
 * could not), file-descriptor limit, signals blocked for every thread
 * (the loop takes them through a signalfd), listening sockets, pid file,
 * privileges dropped to User, database and scan pools loaded, then the
 * event loop. Clients that connect while the database loads wait in the
 * listen backlog instead of being refused.
 */
#include "vigild.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_CONFIG "/etc/vigil/vigild.conf"

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: vigild [options]\n"
            "\n"
            "A clamd-compatible scanning daemon. Configuration is clamd.conf's format\n"
            "(and keys); options override it.\n"
            "\n"
            "  -c, --config-file FILE   configuration file (default " DEFAULT_CONFIG
            " if present)\n"
            "  -F, --foreground         do not fork; log to stderr too\n"
            "      --debug              verbose debug log\n"
            "  -d, --database PATH      database file or directory (repeatable)\n"
            "  -s, --socket PATH        LocalSocket: Unix socket to listen on\n"
            "      --tcp [ADDR:]PORT    TCPSocket and TCPAddr (off by default)\n"
            "  -p, --pid-file FILE      PidFile\n"
            "  -l, --log FILE           LogFile\n"
            "  -u, --user USER          User to run as after binding\n"
            "  -o, --set 'KEY VALUE'    any configuration key (repeatable)\n"
            "  -V, --version            print the version\n"
            "  -h, --help               this help\n");
}

static int
set_opt(struct clamdconf *c, const char *key, const char *val)
{
    char line[4200];
    vg_err err = {{0}};

    snprintf(line, sizeof(line), "%s %s", key, val);
    if (clamdconf_set(c, line, &err) != VG_OK) {
        fprintf(stderr, "vigild: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int
set_tcp(struct clamdconf *c, const char *arg)
{
    const char *colon = strrchr(arg, ':');
    char addr[256];

    if (colon == NULL)
        return set_opt(c, "TCPSocket", arg);
    if ((size_t)(colon - arg) >= sizeof(addr)) {
        fprintf(stderr, "vigild: --tcp %s: address too long\n", arg);
        return -1;
    }
    memcpy(addr, arg, (size_t)(colon - arg));
    addr[colon - arg] = '\0';
    if (addr[0] == '[' && strlen(addr) > 1 && addr[strlen(addr) - 1] == ']') {
        memmove(addr, addr + 1, strlen(addr));
        addr[strlen(addr) - 1] = '\0';
    }
    if (set_opt(c, "TCPSocket", colon + 1) != 0)
        return -1;
    return set_opt(c, "TCPAddr", addr);
}

/* Parse the command line into c: the configuration file first, then the
 * overrides in their order. Returns -1 on error, 1 when done (help,
 * version), 0 to run. */
static int
parse_args(int argc, char **argv, struct clamdconf *c)
{
    static const struct option lo[] = {
        {"config-file", required_argument, NULL, 'c'}, {"foreground", no_argument, NULL, 'F'},
        {"debug", no_argument, NULL, 'D'},             {"database", required_argument, NULL, 'd'},
        {"socket", required_argument, NULL, 's'},      {"tcp", required_argument, NULL, 't'},
        {"pid-file", required_argument, NULL, 'p'},    {"log", required_argument, NULL, 'l'},
        {"user", required_argument, NULL, 'u'},        {"set", required_argument, NULL, 'o'},
        {"version", no_argument, NULL, 'V'},           {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *config = NULL;
    vg_err err = {{0}};
    int ch;

    /* First pass: the configuration file, so that options override it. */
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "c:Fd:s:p:l:u:o:Vh", lo, NULL)) != -1)
        if (ch == 'c')
            config = optarg;
    clamdconf_defaults(c);
    if (config == NULL && access(DEFAULT_CONFIG, R_OK) == 0)
        config = DEFAULT_CONFIG;
    if (config && clamdconf_load(c, config, &err) != VG_OK) {
        fprintf(stderr, "vigild: %s\n", err.msg);
        return -1;
    }
    optind = 1;
    opterr = 1;
    while ((ch = getopt_long(argc, argv, "c:Fd:s:p:l:u:o:Vh", lo, NULL)) != -1) {
        int rc = 0;

        switch (ch) {
        case 'c':
            break;
        case 'F':
            c->foreground = 1;
            break;
        case 'D':
            c->debug = 1;
            break;
        case 'd':
            rc = set_opt(c, "Database", optarg);
            break;
        case 's':
            rc = set_opt(c, "LocalSocket", optarg);
            break;
        case 't':
            rc = set_tcp(c, optarg);
            break;
        case 'p':
            rc = set_opt(c, "PidFile", optarg);
            break;
        case 'l':
            rc = set_opt(c, "LogFile", optarg);
            break;
        case 'u':
            rc = set_opt(c, "User", optarg);
            break;
        case 'o':
            if (clamdconf_set(c, optarg, &err) != VG_OK) {
                fprintf(stderr, "vigild: %s\n", err.msg);
                rc = -1;
            }
            break;
        case 'V':
            printf("vigild %s\n", vg_version());
            return 1;
        case 'h':
            usage(stdout);
            return 1;
        default:
            usage(stderr);
            return -1;
        }
        if (rc != 0)
            return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "vigild: unexpected argument '%s'\n", argv[optind]);
        return -1;
    }
    if (c->max_threads == 0 || c->max_threads > 1024) {
        fprintf(stderr, "vigild: MaxThreads must be between 1 and 1024\n");
        return -1;
    }
    if (c->max_connections == 0 || c->max_conn_per_peer == 0) {
        fprintf(stderr, "vigild: MaxConnections and MaxConnectionsPerPeer must be at least 1\n");
        return -1;
    }
    return 0;
}

/* Enough descriptors for every connection plus one stream or passed
 * descriptor each, and the walkers' directories. */
static void
raise_nofile(const struct clamdconf *c)
{
    struct rlimit rl;
    rlim_t want = (rlim_t)c->max_connections * 2 + (rlim_t)c->max_threads * 32 + 256;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur >= want)
        return;
    if (rl.rlim_max < want) {
        struct rlimit hi = {want, want};

        if (setrlimit(RLIMIT_NOFILE, &hi) == 0)
            return;
        want = rl.rlim_max;
    }
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || want < (rlim_t)c->max_connections * 2 + 64)
        log_msg(VD_WARNING, "File descriptor limit %llu is low for MaxConnections %llu",
                (unsigned long long)want, (unsigned long long)c->max_connections);
}

/* Fork; the parent waits for the child's first byte on a pipe: 0 means
 * serving, anything else is an error message. Returns the write end in the
 * child; exits in the parent. */
static int
daemonize(void)
{
    int p[2];
    pid_t pid;
    int devnull;

    if (pipe2(p, O_CLOEXEC) != 0) {
        perror("vigild: pipe");
        exit(2);
    }
    if ((pid = fork()) < 0) {
        perror("vigild: fork");
        exit(2);
    }
    if (pid > 0) {
        char buf[1024];
        ssize_t n;

        close(p[1]);
        n = read(p[0], buf, sizeof(buf) - 1);
        if (n == 1 && buf[0] == '\0')
            exit(0);
        if (n > 0) {
            buf[n] = '\0';
            fprintf(stderr, "vigild: %s\n", buf);
        } else {
            fprintf(stderr, "vigild: the daemon exited during start-up\n");
        }
        exit(2);
    }
    close(p[0]);
    setsid();
    if (chdir("/") != 0) {
        /* stay where we are */
    }
    if ((devnull = open("/dev/null", O_RDWR)) >= 0) {
        dup2(devnull, STDIN_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDERR_FILENO);
        if (devnull > STDERR_FILENO)
            close(devnull);
    }
    return p[1];
}

static int
drop_privileges(const char *user)
{
    struct passwd *pw;

    if (user == NULL)
        return 0;
    if ((pw = getpwnam(user)) == NULL) {
        log_msg(VD_ERROR, "User %s: no such user", user);
        return -1;
    }
    if (getuid() != 0) {
        if (getuid() == pw->pw_uid)
            return 0;
        log_msg(VD_ERROR, "User %s: vigild must start as root to switch user", user);
        return -1;
    }
    if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
        setuid(pw->pw_uid) != 0) {
        log_msg(VD_ERROR, "User %s: can't drop privileges: %s", user, strerror(errno));
        return -1;
    }
    if (setuid(0) == 0) {
        log_msg(VD_ERROR, "User %s: privileges could be regained, refusing to run", user);
        return -1;
    }
    log_msg(VD_INFO, "Running as user %s (uid %u)", user, (unsigned)pw->pw_uid);
    return 0;
}

static int
write_pidfile(const char *path)
{
    char buf[32];
    int fd, n;

    if (path == NULL)
        return 0;
    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644)) < 0) {
        log_msg(VD_ERROR, "PidFile %s: %s", path, strerror(errno));
        return -1;
    }
    n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (write(fd, buf, (size_t)n) != n) {
        log_msg(VD_ERROR, "PidFile %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static void
startup_failed(int ready_fd, const char *msg)
{
    log_msg(VD_ERROR, "%s", msg);
    if (ready_fd >= 0) {
        if (write(ready_fd, msg, strlen(msg)) < 0) {
            /* the parent is gone */
        }
        close(ready_fd);
    }
}

int
main(int argc, char **argv)
{
    struct clamdconf conf;
    struct vd_listeners ls;
    vg_err err = {{0}};
    sigset_t set;
    int rc, ready_fd = -1, listening = 0, pidfile = 0;

    memset(&ls, 0, sizeof(ls));
    if ((rc = parse_args(argc, argv, &conf)) != 0) {
        clamdconf_free(&conf);
        return rc < 0 ? 2 : 0;
    }
    /* In the foreground the log goes to stderr when it has nowhere else to
     * go (under systemd, the journal). */
    if (log_open(&conf, conf.foreground && !conf.log_file && !conf.log_syslog) != 0) {
        fprintf(stderr, "vigild: LogFile %s: %s\n", conf.log_file, strerror(errno));
        clamdconf_free(&conf);
        return 2;
    }
    if (!conf.foreground)
        ready_fd = daemonize();
    rc = 2;
    raise_nofile(&conf);
    /* Every thread inherits this mask; the loop reads them from a signalfd. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (listen_open(&conf, &ls, &err) != VG_OK) {
        startup_failed(ready_fd, err.msg);
        goto out;
    }
    listening = 1;
    if (write_pidfile(conf.pid_file) != 0) {
        startup_failed(ready_fd, "can't write PidFile");
        goto out;
    }
    pidfile = conf.pid_file != NULL;
    if (drop_privileges(conf.user) != 0) {
        startup_failed(ready_fd, "can't switch to User");
        goto out;
    }
    if (walk_init(&conf, &err) != 0) {
        startup_failed(ready_fd, err.msg);
        goto out;
    }
    if (engine_init(&conf, &err) != VG_OK) {
        char msg[VG_ERR_SIZE + 64];

        snprintf(msg, sizeof(msg), "Can't load the database: %s", err.msg);
        startup_failed(ready_fd, msg);
        goto out;
    }
    rc = loop_run(&conf, &ls, ready_fd) == 0 ? 0 : 2;
    ready_fd = -1;
    log_msg(VD_INFO, "--- Stopped at the end of a clean run ---");
out:
    if (ready_fd >= 0)
        close(ready_fd);
    if (listening)
        listen_close(&ls, 1);
    if (pidfile)
        unlink(conf.pid_file);
    engine_shutdown();
    walk_fini();
    log_close();
    clamdconf_free(&conf);
    return rc;
}
