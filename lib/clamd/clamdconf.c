/*
 * clamdconf.c - the clamd.conf reader: one table of known options (name,
 * type, place in struct clamdconf, default) and a line parser over it.
 *
 * Configuration files are small (clamd's sample is ~800 lines, mostly
 * comments) and read once at start-up or reload; clarity over speed.
 */
#include "clamd/clamdconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"

enum opt_type { T_BOOL, T_NUM, T_SIZE, T_STR, T_LIST, T_IGNORED };

struct opt {
    const char *name;
    enum opt_type type;
    size_t off;
    const char *dflt;
};

#define O(name, type, field, dflt) {name, type, offsetof(struct clamdconf, field), dflt}
#define IGN(name) {name, T_IGNORED, 0, NULL}

static const struct opt opts[] = {
    O("LocalSocket", T_STR, local_socket, NULL),
    O("LocalSocketGroup", T_STR, local_socket_group, NULL),
    O("LocalSocketMode", T_STR, local_socket_mode, NULL),
    O("FixStaleSocket", T_BOOL, fix_stale_socket, "yes"),
    O("TCPSocket", T_NUM, tcp_socket, "0"),
    O("TCPAddr", T_LIST, tcp_addr, NULL),
    O("MaxConnectionQueueLength", T_NUM, max_conn_queue, "200"),
    O("StreamMaxLength", T_SIZE, stream_max_length, "100M"),
    O("MaxThreads", T_NUM, max_threads, "10"),
    O("MaxQueue", T_NUM, max_queue, "100"),
    O("ReadTimeout", T_NUM, read_timeout, "120"),
    O("CommandReadTimeout", T_NUM, command_read_timeout, "30"),
    O("SendBufTimeout", T_NUM, send_buf_timeout, "500"),
    O("IdleTimeout", T_NUM, idle_timeout, "30"),
    O("SelfCheck", T_NUM, self_check, "600"),
    O("DatabaseDirectory", T_STR, database_directory, "/var/lib/clamav"),
    O("User", T_STR, user, NULL),
    O("LogFile", T_STR, log_file, NULL),
    O("LogTime", T_BOOL, log_time, "no"),
    O("LogClean", T_BOOL, log_clean, "no"),
    O("LogSyslog", T_BOOL, log_syslog, "no"),
    O("LogFacility", T_STR, log_facility, "LOG_LOCAL6"),
    O("LogVerbose", T_BOOL, log_verbose, "no"),
    O("ExtendedDetectionInfo", T_BOOL, extended_detection_info, "no"),
    O("PidFile", T_STR, pid_file, NULL),
    O("Foreground", T_BOOL, foreground, "no"),
    O("Debug", T_BOOL, debug, "no"),
    O("MaxDirectoryRecursion", T_NUM, max_dir_recursion, "15"),
    O("FollowDirectorySymlinks", T_BOOL, follow_dir_symlinks, "no"),
    O("FollowFileSymlinks", T_BOOL, follow_file_symlinks, "no"),
    O("CrossFilesystems", T_BOOL, cross_filesystems, "yes"),
    O("ExcludePath", T_LIST, exclude_path, NULL),
    O("AllowAllMatchScan", T_BOOL, allow_allmatch_scan, "yes"),
    O("EnableShutdownCommand", T_BOOL, enable_shutdown, "yes"),
    O("EnableReloadCommand", T_BOOL, enable_reload, "yes"),
    O("EnableVersionCommand", T_BOOL, enable_version, "yes"),
    O("EnableStatsCommand", T_BOOL, enable_stats, "yes"),
    O("MaxScanTime", T_NUM, max_scan_time, "120000"),
    O("MaxScanSize", T_SIZE, max_scan_size, "400M"),
    O("MaxFileSize", T_SIZE, max_file_size, "100M"),
    O("MaxRecursion", T_NUM, max_recursion, "17"),
    O("MaxFiles", T_NUM, max_files, "10000"),
    O("AlertExceedsMax", T_BOOL, alert_exceeds_max, "no"),
    O("ScanArchive", T_BOOL, scan_archive, "yes"),
    O("HeuristicAlerts", T_BOOL, heuristic_alerts, "yes"),
    O("AlertEncrypted", T_BOOL, alert_encrypted, "no"),
    O("AlertBrokenExecutables", T_BOOL, alert_broken, "no"),
    O("AlertOLE2Macros", T_BOOL, alert_macros, "no"),
    O("Database", T_LIST, database, NULL),
    O("MaxConnections", T_NUM, max_connections, "1024"),
    O("MaxConnectionsPerPeer", T_NUM, max_conn_per_peer, "256"),
    O("ReservedConnections", T_NUM, reserved_connections, "16"),
    O("MaxCommandLength", T_NUM, max_command_length, "1024"),
    O("MaxRequestTime", T_NUM, max_request_time, "600"),
    O("StreamMemoryLimit", T_SIZE, stream_memory_limit, "1G"),
    O("MaxOutputBuffer", T_SIZE, max_output_buffer, "1M"),
    O("SessionMaxPending", T_NUM, session_max_pending, "64"),
    O("ScanSandbox", T_BOOL, scan_sandbox, "yes"),
    O("LegacyStream", T_BOOL, legacy_stream, "no"),
    O("StreamMinPort", T_NUM, stream_min_port, "1024"),
    O("StreamMaxPort", T_NUM, stream_max_port, "2048"),
    /* clamd options accepted so that an existing clamd.conf loads; vigil's
     * engine has no equivalent switch or always behaves one way. */
    IGN("AlertBrokenMedia"), IGN("AlertEncryptedArchive"), IGN("AlertEncryptedDoc"),
    IGN("AlertPartitionIntersection"), IGN("AlertPhishingCloak"), IGN("AlertPhishingSSLMismatch"),
    IGN("AlgorithmicDetection"), IGN("ArchiveBlockEncrypted"), IGN("Bytecode"),
    IGN("BytecodeMode"), IGN("BytecodeSecurity"), IGN("BytecodeTimeout"),
    IGN("BytecodeUnsigned"), IGN("CacheSize"), IGN("ConcurrentDatabaseReload"),
    IGN("CVDCertsDirectory"), IGN("DetectPUA"), IGN("DisableCache"), IGN("DisableCertCheck"),
    IGN("EnableSelfCheckCommand"), IGN("ExcludePUA"), IGN("ExitOnOOM"),
    IGN("FailIfCvdOlderThan"), IGN("ForceToDisk"), IGN("GenerateMetadataJson"),
    IGN("HeuristicScanPrecedence"), IGN("IncludePUA"), IGN("LeaveTemporaryFiles"),
    IGN("LogFileMaxSize"), IGN("LogFileUnlock"), IGN("LogRotate"), IGN("MaxEmbeddedPE"),
    IGN("MaxHTMLNoTags"), IGN("MaxHTMLNormalize"), IGN("MaxIconsPE"), IGN("MaxPartitions"),
    IGN("MaxRecHWP3"), IGN("MaxScriptNormalize"), IGN("MaxZipTypeRcg"), IGN("OLE2BlockMacros"),
    IGN("OfficialDatabaseOnly"), IGN("OnAccessCurlTimeout"), IGN("OnAccessDenyOnError"),
    IGN("OnAccessDisableDDD"), IGN("OnAccessExcludePath"), IGN("OnAccessExcludeRootUID"),
    IGN("OnAccessExcludeUID"), IGN("OnAccessExcludeUname"), IGN("OnAccessExtraScanning"),
    IGN("OnAccessIncludePath"), IGN("OnAccessMaxFileSize"), IGN("OnAccessMaxThreads"),
    IGN("OnAccessMountPath"), IGN("OnAccessPrevention"), IGN("OnAccessRetryAttempts"),
    IGN("PartitionIntersection"), IGN("PCREMatchLimit"), IGN("PCREMaxFileSize"),
    IGN("PCRERecMatchLimit"), IGN("PhishingAlwaysBlockCloak"), IGN("PhishingAlwaysBlockSSLMismatch"),
    IGN("PhishingScanURLs"), IGN("PhishingSignatures"), IGN("PreludeAnalyzerName"),
    IGN("PreludeEnable"), IGN("ScanELF"), IGN("ScanHTML"), IGN("ScanHWP3"), IGN("ScanImage"),
    IGN("ScanImageFuzzyHash"), IGN("ScanMail"), IGN("ScanOLE2"), IGN("ScanOneNote"),
    IGN("ScanPDF"), IGN("ScanPE"), IGN("ScanPartialMessages"), IGN("ScanSWF"), IGN("ScanXMLDOCS"),
    IGN("StructuredCCOnly"),
    IGN("StructuredDataDetection"), IGN("StructuredMinCreditCardCount"),
    IGN("StructuredMinSSNCount"), IGN("StructuredSSNFormatNormal"),
    IGN("StructuredSSNFormatStripped"), IGN("TemporaryDirectory"), IGN("VirusEvent"),
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

static int
parse_bool(const char *s, int *out)
{
    if (strcmp(s, "yes") == 0 || strcmp(s, "true") == 0 || strcmp(s, "1") == 0) {
        *out = 1;
        return 0;
    }
    if (strcmp(s, "no") == 0 || strcmp(s, "false") == 0 || strcmp(s, "0") == 0) {
        *out = 0;
        return 0;
    }
    return -1;
}

static int
parse_num(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

int
clamdconf_parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v, mul = 1;

    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0)
        return -1;
    if (*end == 'k' || *end == 'K')
        mul = 1024ULL, end++;
    else if (*end == 'm' || *end == 'M')
        mul = 1024ULL * 1024, end++;
    else if (*end == 'g' || *end == 'G')
        mul = 1024ULL * 1024 * 1024, end++;
    if (*end != '\0')
        return -1;
    if (v > UINT64_MAX / mul)
        return -1;
    v *= mul;
    if (v > 4ULL * 1024 * 1024 * 1024)
        v = 4ULL * 1024 * 1024 * 1024; /* clamd caps sizes at 4 GiB */
    *out = v;
    return 0;
}

static vg_status
set_value(struct clamdconf *c, const struct opt *o, const char *val, const char *where,
          vg_err *err)
{
    char *p = (char *)c + o->off;

    switch (o->type) {
    case T_BOOL:
        if (parse_bool(val, (int *)(void *)p) != 0)
            return err_set(err, VG_EFORMAT, "%s: %s expects yes or no, not '%s'", where,
                           o->name, val);
        return VG_OK;
    case T_NUM:
        if (parse_num(val, (uint64_t *)(void *)p) != 0)
            return err_set(err, VG_EFORMAT, "%s: %s expects a number, not '%s'", where,
                           o->name, val);
        return VG_OK;
    case T_SIZE:
        if (clamdconf_parse_size(val, (uint64_t *)(void *)p) != 0)
            return err_set(err, VG_EFORMAT, "%s: %s expects a size (like 25M), not '%s'",
                           where, o->name, val);
        return VG_OK;
    case T_STR: {
        char **sp = (char **)(void *)p;
        char *dup = strdup(val);

        if (dup == NULL)
            return err_set(err, VG_ENOMEM, "%s: out of memory", where);
        free(*sp);
        *sp = dup;
        return VG_OK;
    }
    case T_LIST: {
        struct clamdconf_list *l = (struct clamdconf_list *)(void *)p;

        if (l->n >= CLAMDCONF_MAXLIST)
            return err_set(err, VG_ELIMIT, "%s: %s given more than %d times", where, o->name,
                           CLAMDCONF_MAXLIST);
        if ((l->v[l->n] = strdup(val)) == NULL)
            return err_set(err, VG_ENOMEM, "%s: out of memory", where);
        l->n++;
        return VG_OK;
    }
    case T_IGNORED:
        return VG_OK;
    }
    return err_set(err, VG_EINTERNAL, "%s: bad option type", where);
}

void
clamdconf_defaults(struct clamdconf *c)
{
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < NOPTS; i++) {
        if (opts[i].type == T_IGNORED || opts[i].type == T_LIST || opts[i].dflt == NULL)
            continue;
        /* the defaults are literals of the right form */
        (void)set_value(c, &opts[i], opts[i].dflt, "default", NULL);
    }
}

/* Apply one line already stripped of its end; where is "file:line". */
static vg_status
apply_line(struct clamdconf *c, char *line, const char *where, vg_err *err)
{
    char *name, *val, *end;

    while (*line == ' ' || *line == '\t')
        line++;
    if (*line == '\0' || *line == '#')
        return VG_OK;
    name = line;
    while (*line && *line != ' ' && *line != '\t' && *line != '=')
        line++;
    if (*line) {
        *line++ = '\0';
        while (*line == ' ' || *line == '\t' || *line == '=')
            line++;
    }
    val = line;
    end = val + strlen(val);
    while (end > val && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    if (end - val >= 2 && (*val == '"' || *val == '\'') && end[-1] == *val) {
        end[-1] = '\0';
        val++;
    }
    if (strcmp(name, "Example") == 0)
        return err_set(err, VG_EFORMAT,
                       "%s: the 'Example' line of the sample configuration must be removed",
                       where);
    for (size_t i = 0; i < NOPTS; i++) {
        if (strcmp(opts[i].name, name) != 0)
            continue;
        if (*val == '\0' && opts[i].type != T_IGNORED)
            return err_set(err, VG_EFORMAT, "%s: %s needs a value", where, name);
        return set_value(c, &opts[i], val, where, err);
    }
    return err_set(err, VG_EFORMAT, "%s: unknown option '%s'", where, name);
}

vg_status
clamdconf_parse(struct clamdconf *c, const char *text, size_t len, const char *name,
                vg_err *err)
{
    char line[4096];
    char where[512];
    size_t off = 0;
    unsigned lineno = 0;
    vg_status st;

    while (off < len) {
        const char *nl = memchr(text + off, '\n', len - off);
        size_t n = nl ? (size_t)(nl - (text + off)) : len - off;

        lineno++;
        snprintf(where, sizeof(where), "%s:%u", name, lineno);
        if (n >= sizeof(line))
            return err_set(err, VG_EFORMAT, "%s: line longer than %zu bytes", where,
                           sizeof(line) - 1);
        memcpy(line, text + off, n);
        line[n] = '\0';
        if (memchr(line, '\0', n) != NULL)
            return err_set(err, VG_EFORMAT, "%s: NUL byte in line", where);
        if ((st = apply_line(c, line, where, err)) != VG_OK)
            return st;
        off += n + (nl ? 1 : 0);
    }
    return VG_OK;
}

vg_status
clamdconf_load(struct clamdconf *c, const char *path, vg_err *err)
{
    struct stat sb;
    char *text = NULL;
    size_t got = 0;
    vg_status st;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = err_set(err, VG_EINVAL, "%s: not a regular file", path);
        goto out;
    }
    if (sb.st_size > 1024 * 1024) {
        st = err_set(err, VG_ELIMIT, "%s: configuration larger than 1 MiB", path);
        goto out;
    }
    if ((text = malloc((size_t)sb.st_size + 1)) == NULL) {
        st = err_set(err, VG_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, text + got, (size_t)sb.st_size - got);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            st = err_set(err, VG_EIO, "%s: %s", path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    st = clamdconf_parse(c, text, got, path, err);
out:
    free(text);
    close(fd);
    return st;
}

vg_status
clamdconf_set(struct clamdconf *c, const char *line, vg_err *err)
{
    char buf[4096];

    if (strlen(line) >= sizeof(buf))
        return err_set(err, VG_EFORMAT, "command line: option too long");
    strcpy(buf, line);
    return apply_line(c, buf, "command line", err);
}

void
clamdconf_free(struct clamdconf *c)
{
    for (size_t i = 0; i < NOPTS; i++) {
        char *p = (char *)c + opts[i].off;

        if (opts[i].type == T_STR) {
            free(*(char **)(void *)p);
        } else if (opts[i].type == T_LIST) {
            struct clamdconf_list *l = (struct clamdconf_list *)(void *)p;

            for (size_t k = 0; k < l->n; k++)
                free(l->v[k]);
        }
    }
    memset(c, 0, sizeof(*c));
}
