/*
 * test_clamdconf.c - the clamd.conf reader: defaults, types, sizes,
 * repeatable keys, ignored clamd keys and errors that name the line.
 */
#include "t.h"

#include "clamd/clamdconf.h"

static void
defaults(void)
{
    struct clamdconf c;

    clamdconf_defaults(&c);
    T_EQ_INT(c.stream_max_length, 100ULL << 20);
    T_EQ_INT(c.max_threads, 10);
    T_EQ_INT(c.max_queue, 100);
    T_EQ_INT(c.read_timeout, 120);
    T_EQ_INT(c.command_read_timeout, 30);
    T_EQ_INT(c.send_buf_timeout, 500);
    T_EQ_INT(c.max_conn_queue, 200);
    T_EQ_INT(c.fix_stale_socket, 1);
    T_EQ_INT(c.tcp_socket, 0);
    T_CHECK(c.local_socket == NULL);
    T_EQ_INT(c.max_dir_recursion, 15);
    T_EQ_INT(c.allow_allmatch_scan, 1);
    T_EQ_INT(c.legacy_stream, 0);
    T_EQ_STR(c.database_directory, "/var/lib/clamav");
    clamdconf_free(&c);
}

static void
parse(void)
{
    static const char text[] = "# a comment\n"
                               "LocalSocket /run/v.sock\n"
                               "  TCPSocket 3310\r\n"
                               "TCPAddr 127.0.0.1\n"
                               "TCPAddr ::1\n"
                               "StreamMaxLength 25M\n"
                               "MaxScanSize 8g\n"
                               "Foreground true\n"
                               "LogTime 1\n"
                               "ScanPE yes\n"
                               "LocalSocket \"/run/w.sock\"\n";
    struct clamdconf c;
    vg_err err = {{0}};

    clamdconf_defaults(&c);
    T_EQ_INT(clamdconf_parse(&c, text, sizeof(text) - 1, "t.conf", &err), VG_OK);
    T_EQ_STR(c.local_socket, "/run/w.sock");
    T_EQ_INT(c.tcp_socket, 3310);
    T_EQ_INT(c.tcp_addr.n, 2);
    T_EQ_STR(c.tcp_addr.v[1], "::1");
    T_EQ_INT(c.stream_max_length, 25ULL << 20);
    T_EQ_INT(c.max_scan_size, 4ULL << 30); /* capped at 4 GiB */
    T_EQ_INT(c.foreground, 1);
    T_EQ_INT(c.log_time, 1);
    T_EQ_INT(clamdconf_set(&c, "MaxThreads=4", &err), VG_OK);
    T_EQ_INT(c.max_threads, 4);
    clamdconf_free(&c);
}

static void
errors(void)
{
    struct clamdconf c;
    vg_err err = {{0}};

    clamdconf_defaults(&c);
    T_EQ_INT(clamdconf_parse(&c, "\nBogus 1\n", 9, "x.conf", &err), VG_EFORMAT);
    T_EQ_STR(err.msg, "x.conf:2: unknown option 'Bogus'");
    T_EQ_INT(clamdconf_parse(&c, "Example\n", 8, "x.conf", &err), VG_EFORMAT);
    T_CHECK(strstr(err.msg, "x.conf:1") != NULL);
    T_EQ_INT(clamdconf_parse(&c, "LogTime maybe\n", 14, "x.conf", &err), VG_EFORMAT);
    T_EQ_STR(err.msg, "x.conf:1: LogTime expects yes or no, not 'maybe'");
    T_EQ_INT(clamdconf_parse(&c, "MaxThreads -1\n", 14, "x.conf", &err), VG_EFORMAT);
    T_EQ_INT(clamdconf_parse(&c, "StreamMaxLength 18446744073709551615G\n", 38, "x.conf", &err), VG_EFORMAT);
    T_EQ_INT(clamdconf_parse(&c, "LocalSocket\n", 12, "x.conf", &err), VG_EFORMAT);
    T_EQ_INT(clamdconf_parse(&c, "PidFile a\0b\n", 12, "x.conf", &err), VG_EFORMAT);
    clamdconf_free(&c);
}

int
main(void)
{
    T_RUN(defaults);
    T_RUN(parse);
    T_RUN(errors);
    T_DONE();
}
