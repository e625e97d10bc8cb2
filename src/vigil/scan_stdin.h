/*
 * scan_stdin.h - standard input ("-") as a file the scan pool can take.
 */
#ifndef VG_CLI_SCAN_STDIN_H
#define VG_CLI_SCAN_STDIN_H

#include <stdint.h>

/*
 * Read standard input to its end into an anonymous in-memory file, or, when
 * that is not available, an unlinked temporary file in tempdir (NULL:
 * $TMPDIR, else /tmp). At most keep bytes are stored (0: no bound); the rest
 * is read and counted but dropped, so *size is the full length of the input.
 * Returns a descriptor the caller closes, or -1 with errno set.
 */
int scan_stdin_read(const char *tempdir, uint64_t keep, uint64_t *size);

#endif
