/*
 * dclient_main.c - the clamdscan-like client: options, configuration,
 * the scan, clamdscan's short summary and exit status.
 *
 *   vigil scan --daemon [options] [file|dir|-]...
 *
 * The daemon's address comes from a clamd.conf-format file (-c; default
 * /etc/vigil/vigild.conf, else /etc/clamav/clamd.conf), or --socket /
 * --tcp. Mode selection follows clamdscan: a local daemon opens paths
 * itself (CONTSCAN, or MULTISCAN with -m); --fdpass passes descriptors on
 * a Unix socket; --stream, or a daemon on another machine, gets the bytes
 * (INSTREAM). With -m, --fdpass and --stream pipeline in one IDSESSION.
 */
#include "vigil/dclient.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <vigil/vigil.h>

static const char *const default_configs[] = {"/etc/vigil/vigild.conf", "/etc/clamav/clamd.conf"};

static void
usage(FILE *f, const char *prog)
{
    fprintf(f,
            "usage: %s [options] [file|directory|-]...\n"
            "\n"
            "Scan with a running vigild (or clamd), like clamdscan.\n"
            "\n"
            "  -c, --config-file FILE  daemon configuration to read the socket from\n"
            "      --socket PATH       Unix socket of the daemon (overrides the file)\n"
            "      --tcp HOST:PORT     TCP address of the daemon (overrides the file)\n"
            "      --stream            send the files' bytes (INSTREAM)\n"
            "      --fdpass            pass open descriptors (FILDES, Unix socket)\n"
            "  -m, --multiscan         scan in parallel (MULTISCAN, or one IDSESSION)\n"
            "  -z, --allmatch          report every match\n"
            "  -i, --infected          print only infected files\n"
            "      --no-summary        no summary at the end\n"
            "      --ping[=N[:S]]      check the daemon is alive (N tries, S seconds apart)\n"
            "      --reload            ask the daemon to reload its database\n"
            "  -V, --version           the daemon's version\n"
            "  -h, --help              this help\n",
            prog);
}

static int
set_conf(struct dclient *d, const char *key, const char *val)
{
    char line[4200];
    vg_err err = {{0}};

    snprintf(line, sizeof(line), "%s %s", key, val);
    if (clamdconf_set(&d->conf, line, &err) != VG_OK) {
        fprintf(stderr, "ERROR: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static void
clear_socket(struct dclient *d)
{
    free(d->conf.local_socket);
    d->conf.local_socket = NULL;
    for (size_t i = 0; i < d->conf.tcp_addr.n; i++)
        free(d->conf.tcp_addr.v[i]);
    d->conf.tcp_addr.n = 0;
    d->conf.tcp_socket = 0;
}

static int
set_tcp(struct dclient *d, const char *arg)
{
    const char *colon = strrchr(arg, ':');
    char host[256];

    if (colon == NULL || (size_t)(colon - arg) >= sizeof(host) || colon == arg) {
        fprintf(stderr, "ERROR: --tcp %s: expected HOST:PORT\n", arg);
        return -1;
    }
    memcpy(host, arg, (size_t)(colon - arg));
    host[colon - arg] = '\0';
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        memmove(host, host + 1, strlen(host));
        host[strlen(host) - 1] = '\0';
    }
    clear_socket(d);
    if (set_conf(d, "TCPSocket", colon + 1) != 0)
        return -1;
    return set_conf(d, "TCPAddr", host);
}

/* One line from a one-line command (VERSION, RELOAD, PING). */
static int
simple(struct dclient *d, const char *cmd, char *out, size_t n)
{
    struct dclient_rx rx;
    char *line;
    int sock = dclient_proto_connect(d), rc = -1;

    if (sock < 0)
        return -1;
    dclient_proto_rxinit(&rx, sock);
    if (dclient_proto_cmd(sock, cmd) == 0 && dclient_proto_recvln(&rx, &line) > 0) {
        snprintf(out, n, "%s", line);
        rc = 0;
    }
    close(sock);
    return rc;
}

static int
ping(struct dclient *d, const char *arg)
{
    unsigned long attempts = 1, interval = 1;
    char line[256];

    if (arg) {
        char *end;

        attempts = strtoul(arg, &end, 10);
        if (*end == ':')
            interval = strtoul(end + 1, &end, 10);
        if (*end != '\0' || attempts == 0) {
            fprintf(stderr, "ERROR: --ping %s: expected ATTEMPTS[:INTERVAL]\n", arg);
            return 2;
        }
    }
    for (unsigned long i = 0; i < attempts; i++) {
        if (simple(d, "zPING", line, sizeof(line)) == 0 && strcmp(line, "PONG") == 0) {
            printf("PONG\n");
            return 0;
        }
        if (i + 1 < attempts) {
            printf("Could not connect, will PING again in %lu second%s\n", interval,
                   interval == 1 ? "" : "s");
            sleep((unsigned)interval);
        }
    }
    printf("PING timeout exceeded; No response from clamd\n");
    return 21; /* clamdscan's exit status here (CL_ETIMEOUT) */
}

static void
stamp(char *buf, size_t n, time_t t)
{
    struct tm tm;

    localtime_r(&t, &tm);
    strftime(buf, n, "%Y:%m:%d %H:%M:%S", &tm);
}

static int
load_config(struct dclient *d, const char *path)
{
    vg_err err = {{0}};

    if (path == NULL) {
        for (size_t i = 0; i < sizeof(default_configs) / sizeof(default_configs[0]); i++)
            if (access(default_configs[i], R_OK) == 0) {
                path = default_configs[i];
                break;
            }
        if (path == NULL)
            return 0;
    }
    if (clamdconf_load(&d->conf, path, &err) != VG_OK) {
        fprintf(stderr, "ERROR: Can't parse clamd configuration file %s: %s\n", path, err.msg);
        return -1;
    }
    return 0;
}

int
dclient_main(int argc, char **argv)
{
    enum { O_SOCKET = 256, O_TCP, O_STREAM, O_FDPASS, O_NOSUM, O_PING, O_RELOAD };
    static const struct option lo[] = {
        {"config-file", required_argument, NULL, 'c'}, {"socket", required_argument, NULL, O_SOCKET},
        {"tcp", required_argument, NULL, O_TCP},       {"stream", no_argument, NULL, O_STREAM},
        {"fdpass", no_argument, NULL, O_FDPASS},       {"multiscan", no_argument, NULL, 'm'},
        {"allmatch", no_argument, NULL, 'z'},          {"infected", no_argument, NULL, 'i'},
        {"no-summary", no_argument, NULL, O_NOSUM},    {"ping", optional_argument, NULL, O_PING},
        {"reload", no_argument, NULL, O_RELOAD},       {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},              {"daemon", no_argument, NULL, 'D'},
        {NULL, 0, NULL, 0}};
    struct dclient d;
    const char *config = NULL, *socket_arg = NULL, *tcp_arg = NULL, *ping_arg = NULL;
    int stream = 0, fdpass = 0, multi = 0, nosum = 0, do_ping = 0, do_reload = 0, do_version = 0;
    int ch, rc = 2, scandash;
    struct timeval t0, t1;
    time_t start;

    memset(&d, 0, sizeof(d));
    clamdconf_defaults(&d.conf);
    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:mziVh", lo, NULL)) != -1) {
        switch (ch) {
        case 'c':
            config = optarg;
            break;
        case O_SOCKET:
            socket_arg = optarg;
            break;
        case O_TCP:
            tcp_arg = optarg;
            break;
        case O_STREAM:
            stream = 1;
            break;
        case O_FDPASS:
            fdpass = 1;
            break;
        case 'm':
            multi = 1;
            break;
        case 'z':
            d.allmatch = 1;
            break;
        case 'i':
            d.infected_only = 1;
            break;
        case O_NOSUM:
            nosum = 1;
            break;
        case O_PING:
            do_ping = 1;
            ping_arg = optarg;
            break;
        case O_RELOAD:
            do_reload = 1;
            break;
        case 'V':
            do_version = 1;
            break;
        case 'D':
            break; /* `vigil scan --daemon` may pass it through */
        case 'h':
            usage(stdout, argv[0]);
            clamdconf_free(&d.conf);
            return 0;
        default:
            usage(stderr, argv[0]);
            clamdconf_free(&d.conf);
            return 2;
        }
    }
    if (load_config(&d, config) != 0)
        goto out;
    if (socket_arg) {
        clear_socket(&d);
        if (set_conf(&d, "LocalSocket", socket_arg) != 0)
            goto out;
    }
    if (tcp_arg && set_tcp(&d, tcp_arg) != 0)
        goto out;
    if (do_ping) {
        rc = ping(&d, ping_arg);
        goto out;
    }
    if (do_version) {
        char line[512];

        if (simple(&d, "zVERSION", line, sizeof(line)) == 0)
            printf("%s\n", line);
        else
            printf("ClamAV %s\n", vg_version());
        rc = 0;
        goto out;
    }
    if (do_reload) {
        char line[256];

        if (simple(&d, "zRELOAD", line, sizeof(line)) != 0 || strncmp(line, "RELOADING", 9) != 0) {
            fprintf(stderr, "ERROR: Clamd did not reload the database\n");
            rc = 2;
        } else {
            rc = 0;
        }
        goto out;
    }

    scandash = optind == argc - 1 && strcmp(argv[optind], "-") == 0;
    {
        int remote = dclient_proto_remote(&d) || stream;

        if (!remote && d.conf.local_socket && (fdpass || scandash)) {
            d.mode = DC_FILDES;
            d.session = multi;
        } else if (remote || scandash) {
            d.mode = DC_STREAM;
            d.session = multi;
        } else {
            d.mode = multi ? DC_MULTI : DC_CONT;
        }
    }
    gettimeofday(&t0, NULL);
    start = time(NULL);
    if (scandash) {
        dclient_scan_stdin(&d);
    } else if (optind >= argc) {
        dclient_scan_path(&d, ".");
    } else {
        for (int i = optind; i < argc; i++) {
            if (strcmp(argv[i], "-") == 0) {
                fprintf(stderr,
                        "ERROR: Scanning from standard input requires \"-\" to be the only file argument\n");
                continue;
            }
            dclient_scan_path(&d, argv[i]);
        }
    }
    rc = d.infected ? 1 : d.errors ? 2 : 0;
    if (!nosum) {
        char s0[32], s1[32];
        long sec, usec;

        gettimeofday(&t1, NULL);
        sec = (long)(t1.tv_sec - t0.tv_sec);
        usec = (long)(t1.tv_usec - t0.tv_usec);
        if (usec < 0) {
            sec--;
            usec += 1000000;
        }
        stamp(s0, sizeof(s0), start);
        stamp(s1, sizeof(s1), time(NULL));
        printf("\n----------- SCAN SUMMARY -----------\n");
        printf("Infected files: %u\n", d.infected);
        if (d.errors)
            printf("Total errors: %u\n", d.errors);
        printf("Time: %ld.%03ld sec (%ld m %ld s)\n", sec, usec / 1000, sec / 60, sec % 60);
        printf("Start Date: %s\n", s0);
        printf("End Date:   %s\n", s1);
    }
out:
    fflush(stdout);
    clamdconf_free(&d.conf);
    return rc;
}
