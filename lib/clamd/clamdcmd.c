/*
 * clamdcmd.c - the clamd command table, the framer and the parser.
 *
 * Called for every command a daemon connection sends, so it does no
 * allocation; commands are short (a few hundred bytes at most).
 */
#include "clamd/clamdcmd.h"

#include <string.h>

struct cmd_entry {
    const char *name;
    enum clamdcmd_id id;
    int need_arg;
    int support_old;
};

/* clamd's order: VERSIONCOMMANDS before VERSION and DETSTATSCLEAR before
 * DETSTATS, because matching is by prefix. */
static const struct cmd_entry cmds[] = {
    {"SCAN", CLAMDCMD_SCAN, 1, 1},
    {"QUIT", CLAMDCMD_QUIT, 0, 1},
    {"RELOAD", CLAMDCMD_RELOAD, 0, 1},
    {"PING", CLAMDCMD_PING, 0, 1},
    {"CONTSCAN", CLAMDCMD_CONTSCAN, 1, 1},
    {"VERSIONCOMMANDS", CLAMDCMD_VERSIONCOMMANDS, 0, 0},
    {"VERSION", CLAMDCMD_VERSION, 0, 1},
    {"END", CLAMDCMD_END, 0, 0},
    {"SHUTDOWN", CLAMDCMD_SHUTDOWN, 0, 1},
    {"MULTISCAN", CLAMDCMD_MULTISCAN, 1, 1},
    {"FILDES", CLAMDCMD_FILDES, 0, 1},
    {"STATS", CLAMDCMD_STATS, 0, 0},
    {"IDSESSION", CLAMDCMD_IDSESSION, 0, 0},
    {"INSTREAM", CLAMDCMD_INSTREAM, 0, 0},
    {"DETSTATSCLEAR", CLAMDCMD_DETSTATSCLEAR, 0, 1},
    {"DETSTATS", CLAMDCMD_DETSTATS, 0, 1},
    {"ALLMATCHSCAN", CLAMDCMD_ALLMATCHSCAN, 1, 0},
    {"STREAM", CLAMDCMD_STREAM, 0, 1},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void
chomp(char *s, size_t *len)
{
    while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r'))
        s[--*len] = '\0';
}

enum clamdcmd_frame
clamdcmd_frame(char *buf, size_t len, int packet_start, size_t max, struct clamdcmd_raw *out)
{
    char *end;
    size_t n;

    memset(out, 0, sizeof(*out));
    if (len == 0)
        return CLAMDCMD_NEED_MORE;
    if (buf[0] == 'z' || buf[0] == 'n') {
        char term = buf[0] == 'z' ? '\0' : '\n';
        size_t look = len < max ? len : max;

        end = memchr(buf, term, look);
        if (end == NULL)
            return len >= max ? CLAMDCMD_TOOLONG : CLAMDCMD_NEED_MORE;
        *end = '\0';
        n = (size_t)(end - buf);
        out->consumed = n + 1;
        out->term = term;
        out->text = buf + 1;
        n -= 1;
        if (term == '\n')
            chomp(out->text, &n);
        return CLAMDCMD_FRAMED;
    }
    /* Old style: one packet is one command. */
    if (!packet_start)
        return CLAMDCMD_NEED_MORE;
    end = memchr(buf, '\n', len);
    n = end ? (size_t)(end - buf) : len;
    if (n >= max)
        return CLAMDCMD_TOOLONG;
    out->consumed = end ? n + 1 : len;
    buf[n] = '\0';
    chomp(buf, &n);
    out->text = buf;
    out->term = '\n';
    out->oldstyle = 1;
    return CLAMDCMD_FRAMED;
}

enum clamdcmd_id
clamdcmd_parse(const char *text, int oldstyle, const char **arg)
{
    *arg = NULL;
    for (size_t i = 0; i < NCMDS; i++) {
        size_t n = strlen(cmds[i].name);
        const char *rest;

        if (strncmp(text, cmds[i].name, n) != 0)
            continue;
        rest = text + n;
        if (cmds[i].need_arg) {
            if (*rest == '\0')
                return CLAMDCMD_UNKNOWN;
            /* clamd skips exactly one separator byte, whatever it is */
            *arg = rest + 1;
        } else if (*rest != '\0') {
            return CLAMDCMD_UNKNOWN;
        }
        if (oldstyle && !cmds[i].support_old) {
            *arg = NULL;
            return CLAMDCMD_UNKNOWN;
        }
        return cmds[i].id;
    }
    return CLAMDCMD_UNKNOWN;
}

const char *
clamdcmd_names(void)
{
    return "SCAN QUIT RELOAD PING CONTSCAN VERSIONCOMMANDS VERSION END SHUTDOWN MULTISCAN "
           "FILDES STATS IDSESSION INSTREAM DETSTATSCLEAR DETSTATS ALLMATCHSCAN";
}

const char *
clamdcmd_name(enum clamdcmd_id id)
{
    for (size_t i = 0; i < NCMDS; i++)
        if (cmds[i].id == id)
            return cmds[i].name;
    return "UNKNOWN";
}
