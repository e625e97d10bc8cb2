/*
 * cmds.h - the subcommands of the `vigil` program, one file each.
 *
 * Each takes the arguments after its own name (argv[0] is the subcommand)
 * and returns the process exit status.
 */
#ifndef VG_CLI_CMDS_H
#define VG_CLI_CMDS_H

int cmd_scan(int argc, char **argv);   /* cmd_scan.c: clamscan-compatible scanner */
int cmd_db(int argc, char **argv);     /* cmd_db.c: compile, info, keygen, publish, rollback */
int cmd_update(int argc, char **argv); /* cmd_update.c: signed updates from mirrors */

int db_compile_main(int argc, char **argv); /* db_compile.c */
int db_info_main(int argc, char **argv);    /* db_compile.c */

/* The database used when none is given: $VIGIL_DB, else the image built in
 * the build tree (for `make scan`), else the installed default. Static. */
const char *cli_default_db(void);

#endif
