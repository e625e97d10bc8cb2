/*
 * dclient.h - vigil's clamdscan-like client for vigild (or clamd): the
 * options, the protocol helpers and the scan modes.
 *
 * dclient_main.c  options, configuration, summary, exit status
 * dclient_proto.c connecting, sending commands, streams and descriptors,
 *                 reading NUL-terminated reply lines
 * dclient_scan.c  the scan modes (path commands, per-file streams or
 *                 descriptors, IDSESSION pipelining, stdin) and the output
 *
 * The output and exit status are clamdscan's (1.4.6): reply lines as the
 * daemon sends them (with the client's file name in place of "stream" or
 * "fd[N]"), "<path>: OK" printed by the client when a scan is clean, the
 * short summary, exit 1 when something was found, else 2 on errors, else 0.
 */
#ifndef VG_CLI_DCLIENT_H
#define VG_CLI_DCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "clamd/clamdconf.h"

enum dclient_mode { DC_CONT, DC_MULTI, DC_STREAM, DC_FILDES };

struct dclient {
    struct clamdconf conf; /* LocalSocket, TCPSocket/TCPAddr, StreamMaxLength, walk keys */
    enum dclient_mode mode;
    int session;           /* pipeline per-file requests in one IDSESSION (-m with --stream/--fdpass) */
    int allmatch;
    int infected_only;     /* -i */
    unsigned infected;
    unsigned errors;
};

/* Entry point: `vigil scan --daemon ...` / `vigildscan ...` with argv[0]
 * the command name. Returns the exit status. */
int dclient_main(int argc, char **argv);

/* Connect to the configured daemon: LocalSocket first, else TCP. Prints
 * clamdscan's error and returns -1 when it cannot. */
int dclient_proto_connect(const struct dclient *d);
/* Send all of buf. 0 or -1 (message printed). */
int dclient_proto_send(int sock, const void *buf, size_t n);
/* Send a NUL-terminated z-command ("zPING"). */
int dclient_proto_cmd(int sock, const char *cmd);
/* Stream the file behind fd as INSTREAM chunks, at most max bytes, then the
 * terminator. 0 sent, 1 the file could not be read (nothing more sent),
 * -1 the socket failed. */
int dclient_proto_stream(int sock, int fd, uint64_t max, const char *name);
/* FILDES with fd. 0 or -1. */
int dclient_proto_fdpass(int sock, int fd);

/* A reply-line reader over one socket. */
struct dclient_rx {
    int sock;
    size_t len;
    char buf[8192];
    char line[8192];
};
void dclient_proto_rxinit(struct dclient_rx *rx, int sock);
/* Next NUL-terminated line into *line (valid until the next call): its
 * length, 0 at a clean end of the connection, -1 on error (printed). */
int dclient_proto_recvln(struct dclient_rx *rx, char **line);

/* Is the configured daemon on another machine (TCP, not bound here)? */
int dclient_proto_remote(const struct dclient *d);

/* Scan one command-line argument (file or directory) in d->mode. */
void dclient_scan_path(struct dclient *d, const char *arg);
/* Scan standard input ("-"). */
void dclient_scan_stdin(struct dclient *d);

#endif
