/*
 * test_clamdcmd.c - the clamd command framer and parser: prefixes,
 * terminators, old-style packets, argument rules, lengths.
 */
#include "t.h"

#include "clamd/clamdcmd.h"

static int
one(const char *in, size_t n, int start, const char **arg, char *term, size_t *used)
{
    static char buf[2048];
    struct clamdcmd_raw raw;

    memcpy(buf, in, n);
    if (clamdcmd_frame(buf, n, start, 1024, &raw) != CLAMDCMD_FRAMED)
        return -1;
    *term = raw.term;
    *used = raw.consumed;
    return (int)clamdcmd_parse(raw.text, raw.oldstyle, arg);
}

static void
framing(void)
{
    const char *arg;
    char term;
    size_t used;

    T_EQ_INT(one("zPING\0", 6, 1, &arg, &term, &used), CLAMDCMD_PING);
    T_EQ_INT(term, '\0');
    T_EQ_INT(used, 6);
    T_EQ_INT(one("nPING\r\n", 7, 1, &arg, &term, &used), CLAMDCMD_PING);
    T_EQ_INT(term, '\n');
    T_EQ_INT(one("PING\r\n", 6, 1, &arg, &term, &used), CLAMDCMD_PING);
    T_EQ_INT(one("PING", 4, 1, &arg, &term, &used), CLAMDCMD_PING);
    T_EQ_INT(used, 4);
    T_EQ_INT(one("PING", 4, 0, &arg, &term, &used), -1); /* old style only at a packet start */
    T_EQ_INT(one("zPING", 5, 1, &arg, &term, &used), -1); /* no terminator yet */
    T_EQ_INT(one("zPING\0zVERSION\0", 15, 1, &arg, &term, &used), CLAMDCMD_PING);
    T_EQ_INT(used, 6);
}

static void
parsing(void)
{
    const char *arg;
    char term;
    size_t used;

    T_EQ_INT(one("zSCAN /a b\0", 11, 1, &arg, &term, &used), CLAMDCMD_SCAN);
    T_EQ_STR(arg, "/a b");
    T_EQ_INT(one("nSCAN  /x\n", 10, 1, &arg, &term, &used), CLAMDCMD_SCAN);
    T_EQ_STR(arg, " /x"); /* one separator byte, as clamd */
    T_EQ_INT(one("zSCAN\0", 6, 1, &arg, &term, &used), CLAMDCMD_UNKNOWN);
    T_EQ_INT(one("zPING x\0", 8, 1, &arg, &term, &used), CLAMDCMD_UNKNOWN);
    T_EQ_INT(one("zVERSIONCOMMANDS\0", 17, 1, &arg, &term, &used), CLAMDCMD_VERSIONCOMMANDS);
    T_EQ_INT(one("zVERSION\0", 9, 1, &arg, &term, &used), CLAMDCMD_VERSION);
    T_EQ_INT(one("zDETSTATSCLEAR\0", 15, 1, &arg, &term, &used), CLAMDCMD_DETSTATSCLEAR);
    T_EQ_INT(one("VERSIONCOMMANDS\n", 16, 1, &arg, &term, &used), CLAMDCMD_UNKNOWN);
    T_EQ_INT(one("INSTREAM\n", 9, 1, &arg, &term, &used), CLAMDCMD_UNKNOWN);
    T_EQ_INT(one("ALLMATCHSCAN /x\n", 16, 1, &arg, &term, &used), CLAMDCMD_UNKNOWN);
    T_EQ_INT(one("zALLMATCHSCAN /x\0", 17, 1, &arg, &term, &used), CLAMDCMD_ALLMATCHSCAN);
    T_EQ_INT(one("zQUIT\0", 6, 1, &arg, &term, &used), CLAMDCMD_QUIT);
    T_EQ_INT(one("zFOO\0", 5, 1, &arg, &term, &used), CLAMDCMD_UNKNOWN);
    T_EQ_STR(clamdcmd_name(CLAMDCMD_MULTISCAN), "MULTISCAN");
    T_CHECK(strncmp(clamdcmd_names(), "SCAN QUIT RELOAD PING", 21) == 0);
}

static void
lengths(void)
{
    static char buf[4096];
    struct clamdcmd_raw raw;

    memset(buf, 'A', sizeof(buf));
    buf[0] = 'z';
    T_EQ_INT(clamdcmd_frame(buf, 1023, 0, 1024, &raw), CLAMDCMD_NEED_MORE);
    T_EQ_INT(clamdcmd_frame(buf, 1024, 0, 1024, &raw), CLAMDCMD_TOOLONG);
    buf[1023] = '\0';
    T_EQ_INT(clamdcmd_frame(buf, 1024, 0, 1024, &raw), CLAMDCMD_FRAMED);
    memset(buf, 'B', sizeof(buf));
    T_EQ_INT(clamdcmd_frame(buf, 2000, 1, 1024, &raw), CLAMDCMD_TOOLONG);
    T_EQ_INT(clamdcmd_frame(buf, 0, 1, 1024, &raw), CLAMDCMD_NEED_MORE);
}

int
main(void)
{
    T_RUN(framing);
    T_RUN(parsing);
    T_RUN(lengths);
    T_DONE();
}
