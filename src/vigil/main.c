/*
 * main.c - the `vigil` program: dispatch to a subcommand.
 *
 *   vigil scan [options] [paths...]     like clamscan
 *   vigil db <compile|info|...> ...     database images and publishing
 *   vigil update [options]              signed updates
 *   vigil version
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vigil/vigil.h>

#include "cmds.h"
#include "dclient.h"

#ifndef VG_DEFAULT_DB
#define VG_DEFAULT_DB "/usr/local/share/vigil/default.vgdb"
#endif
#ifndef VG_STATE_DB
#define VG_STATE_DB "/var/lib/vigil/db/current"
#endif

/*
 * The database `vigil scan` uses without -d: $VIGIL_DB; else, for a binary
 * run from its build tree, the image built there (`make scan`); else the
 * database `vigil update` installs (when present); else the bundled image
 * installed with the program.
 */
const char *
cli_default_db(void)
{
    const char *env = getenv("VIGIL_DB");

    if (env && *env)
        return env;
#ifdef VG_BUILD_DB
    {
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        size_t blen = strlen(VG_BUILD_DIR);
        if (n > 0) {
            self[n] = '\0';
            if (strncmp(self, VG_BUILD_DIR, blen) == 0 && self[blen] == '/' &&
                access(VG_BUILD_DB, R_OK) == 0)
                return VG_BUILD_DB;
        }
    }
#endif
    if (access(VG_STATE_DB, R_OK) == 0)
        return VG_STATE_DB;
    return VG_DEFAULT_DB;
}

static void
usage(FILE *f)
{
    fprintf(f,
            "usage: vigil <command> [options]\n"
            "\n"
            "commands:\n"
            "  scan [options] [file|dir|-]...   scan files (clamscan-compatible options)\n"
            "  db compile SOURCES... -o IMAGE   compile signatures into a database image\n"
            "  db info IMAGE                    describe a database image\n"
            "  update [options]                 fetch and install signed signature updates\n"
            "  version                          print the version\n"
            "\n"
            "'vigil <command> --help' describes each command.\n");
}

int
main(int argc, char **argv)
{
    const char *cmd, *self = strrchr(argv[0], '/');

    /* installed as (or linked to) "vigildscan": the daemon client directly */
    if (strcmp(self ? self + 1 : argv[0], "vigildscan") == 0)
        return dclient_main(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    cmd = argv[1];
    if (strcmp(cmd, "scan") == 0) {
        /* `vigil scan --daemon ...` is a clamdscan-like client of vigild */
        for (int k = 2; k < argc; k++)
            if (strcmp(argv[k], "--daemon") == 0)
                return dclient_main(argc - 1, argv + 1);
        return cmd_scan(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "db") == 0)
        return cmd_db(argc - 1, argv + 1);
    if (strcmp(cmd, "update") == 0)
        return cmd_update(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("vigil %s\n", vg_version());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "vigil: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
