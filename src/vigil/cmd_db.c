/*
 * cmd_db.c - `vigil db` (not built yet: see the open issue).
 */
#include <stdio.h>

#include "cmds.h"

int
cmd_db(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil db: not available in this build yet\n");
    return 2;
}
