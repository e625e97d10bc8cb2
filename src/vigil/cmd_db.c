/*
 * cmd_db.c - `vigil db`: dispatch to the database subcommands, each in its
 * own file.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

int
cmd_db(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: vigil db <command>\n"
                "  compile [--shard NAME] SOURCES... -o IMAGE   compile signatures into an image\n"
                "  info [--verify] IMAGE...                     describe images\n");
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "compile") == 0)
        return db_compile_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "info") == 0)
        return db_info_main(argc - 1, argv + 1);
    fprintf(stderr, "vigil db: unknown command '%s'\n", argv[1]);
    return 2;
}
