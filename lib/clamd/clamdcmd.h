/*
 * clamdcmd.h - framing and parsing of clamd protocol commands.
 *
 * Shared by the daemon (vigild) and the client (vigil's dclient) so that both
 * agree on the one command table. Pure: no I/O, no allocation; the daemon
 * feeds it the bytes a connection has sent so far.
 *
 * Framing (clamd's get_cmd): a first byte 'z' means the command ends at NUL
 * and replies end with NUL; 'n' means it ends at '\n' (a trailing '\r' is
 * dropped) and replies end with '\n'. Anything else is an "old style"
 * command: the whole first packet (up to a '\n', trailing "\r\n" dropped) is
 * one command and replies end with '\n'.
 */
#ifndef VG_CLAMD_CLAMDCMD_H
#define VG_CLAMD_CLAMDCMD_H

#include <stddef.h>

enum clamdcmd_id {
    CLAMDCMD_UNKNOWN = 0,
    CLAMDCMD_SCAN,
    CLAMDCMD_QUIT, /* alias of SHUTDOWN */
    CLAMDCMD_RELOAD,
    CLAMDCMD_PING,
    CLAMDCMD_CONTSCAN,
    CLAMDCMD_VERSIONCOMMANDS,
    CLAMDCMD_VERSION,
    CLAMDCMD_END,
    CLAMDCMD_SHUTDOWN,
    CLAMDCMD_MULTISCAN,
    CLAMDCMD_FILDES,
    CLAMDCMD_STATS,
    CLAMDCMD_IDSESSION,
    CLAMDCMD_INSTREAM,
    CLAMDCMD_DETSTATSCLEAR,
    CLAMDCMD_DETSTATS,
    CLAMDCMD_ALLMATCHSCAN,
    CLAMDCMD_STREAM /* legacy (removed from clamd 0.97): only with LegacyStream yes */
};

enum clamdcmd_frame {
    CLAMDCMD_NEED_MORE, /* no complete command yet */
    CLAMDCMD_FRAMED,    /* one command framed; see struct clamdcmd_raw */
    CLAMDCMD_TOOLONG    /* no terminator within the allowed length */
};

/* One framed command, pointing into the caller's buffer. */
struct clamdcmd_raw {
    char *text;      /* the command without prefix, NUL-terminated in place */
    size_t consumed; /* bytes of input used, terminator included */
    char term;       /* reply terminator: '\0' or '\n' */
    int oldstyle;    /* 1 when there was no z/n prefix */
};

/*
 * Frame the next command from buf[0..len). buf must have room for one more
 * byte (buf[len] is written when an old-style command fills the packet).
 * packet_start says that buf holds exactly the start of a client packet
 * (only then is an unprefixed command accepted, as clamd does). max bounds
 * the command length including prefix and terminator. The command text is
 * NUL-terminated in place.
 */
enum clamdcmd_frame clamdcmd_frame(char *buf, size_t len, int packet_start, size_t max,
                                   struct clamdcmd_raw *out);

/*
 * Identify the command in text (as framed above). *arg receives the
 * argument of commands that take one (SCAN and friends) or NULL. A missing
 * argument, trailing bytes after an argument-less command, or an unprefixed
 * use of a command that needs a prefix give CLAMDCMD_UNKNOWN, as in clamd.
 */
enum clamdcmd_id clamdcmd_parse(const char *text, int oldstyle, const char **arg);

/* The command names in clamd's order, space-separated, for VERSIONCOMMANDS:
 * "SCAN QUIT RELOAD ... ALLMATCHSCAN". Static. */
const char *clamdcmd_names(void);

/* The name of a command ("SCAN"), "UNKNOWN" for CLAMDCMD_UNKNOWN. Static. */
const char *clamdcmd_name(enum clamdcmd_id id);

#endif
