/*
 * cmd_db.c - `vigil db <subcommand>`: dispatch only; each subcommand lives
 * in its own file (compile/info: db_compile.c; keygen, publish, rollback:
 * db_cmds.h).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "db_cmds.h"

static void
usage(FILE *f)
{
    fprintf(f, "usage: vigil db <command> [options]\n"
               "  compile [--shard NAME] SOURCES... -o IMAGE   compile signatures into an image\n"
               "  info [--verify] IMAGE...                     describe images\n"
               "  keygen NAME                                  make NAME.key (private) and NAME.pub\n"
               "  publish REPO --key K --shard NAME=PATH...    publish a signed release into REPO\n"
               "  rollback [--db-dir DIR]                      return to the previous installed database\n");
}

int
cmd_db(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"compile", db_compile_main}, {"info", db_info_main},         {"keygen", db_keygen_main},
        {"publish", db_publish_main}, {"rollback", db_rollback_main},
    };

    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "vigil db: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
