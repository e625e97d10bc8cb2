/*
 * cmd_update.c - `vigil update` (not built yet: see the open issue).
 */
#include <stdio.h>

#include "cmds.h"

int
cmd_update(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "vigil update: not available in this build yet\n");
    return 2;
}
