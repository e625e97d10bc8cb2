/*
 * db_cmds.h - the `vigil db` subcommands, one file each; cmd_db.c
 * dispatches. Each takes the arguments after its own name (argv[0] is the
 * subcommand) and returns the exit status.
 */
#ifndef VG_CLI_DB_CMDS_H
#define VG_CLI_DB_CMDS_H

int db_keygen_main(int argc, char **argv);   /* db_keygen.c: an Ed25519 signing key */
int db_publish_main(int argc, char **argv);  /* db_publish.c: a signed repository release */
int db_rollback_main(int argc, char **argv); /* db_rollback.c: back to the previous database */

#endif
