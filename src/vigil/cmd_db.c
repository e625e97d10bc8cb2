/*
 * cmd_db.c - `vigil db <subcommand>`: dispatch only; each subcommand lives
 * in its own file (db_cmds.h).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "db_cmds.h"

static void
usage(FILE *f)
{
    fprintf(f, "usage: vigil db <command> [options]\n"
               "  keygen NAME                       make NAME.key (private) and NAME.pub\n"
               "  publish REPO --key K --shard N=P  publish a signed release into repository REPO\n"
               "  rollback [--db-dir DIR]           return to the previous installed database\n");
}

int
cmd_db(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"keygen", db_keygen_main},
        {"publish", db_publish_main},
        {"rollback", db_rollback_main},
    };

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "vigil db: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
