/*
 * db_rollback.c - `vigil db rollback`: make the previous database
 * generation current again (and the current one previous), then tell the
 * daemon. The trust state is left alone: a rolled-back client still refuses
 * releases older than the newest it accepted.
 */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "db_cmds.h"
#include "update/install.h"
#include "update/notify.h"

#ifndef VG_STATE_DIR
#define VG_STATE_DIR "/var/lib/vigil"
#endif

int
db_rollback_main(int argc, char **argv)
{
    static const struct option opts[] = {{"state", required_argument, NULL, 's'},
                                         {"db-dir", required_argument, NULL, 'd'},
                                         {"notify-clamd", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *state = VG_STATE_DIR, *dbdir = NULL, *socks[8];
    size_t nsock = 0;
    char path[PATH_MAX + 8], now[64];
    vg_err err = {{0}};
    int c;

    signal(SIGPIPE, SIG_IGN);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': state = optarg; break;
        case 'd': dbdir = optarg; break;
        case 'n':
            if (nsock == sizeof(socks) / sizeof(socks[0])) {
                fprintf(stderr, "vigil db rollback: too many --notify-clamd sockets\n");
                return 2;
            }
            socks[nsock++] = optarg;
            break;
        default:
            fprintf(stderr, "usage: vigil db rollback [--state DIR | --db-dir DIR] [--notify-clamd SOCKET]\n");
            return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: vigil db rollback [--state DIR | --db-dir DIR] [--notify-clamd SOCKET]\n");
        return 2;
    }
    if (dbdir == NULL) {
        snprintf(path, sizeof(path), "%s/db", state);
        dbdir = path;
    }
    if (install_rollback(dbdir, now, sizeof(now), &err) != VG_OK) {
        fprintf(stderr, "vigil db rollback: %s\n", err.msg);
        return 1;
    }
    printf("vigil db rollback: %s/current is now %s\n", dbdir, now);
    for (size_t i = 0; i < nsock; i++) {
        if (notify_reload(socks[i], 10000, &err) != VG_OK) {
            fprintf(stderr, "vigil db rollback: the daemon was not told: %s\n", err.msg);
            return 1;
        }
    }
    return 0;
}
