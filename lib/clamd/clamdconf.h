/*
 * clamdconf.h - reading clamd.conf (and vigild's own keys in the same file).
 *
 * Format, as clamd's: one "Option Value" per line, '#' starts a comment,
 * option names are case-sensitive, booleans are yes/no/true/false/1/0,
 * sizes take K/k and M/m (and G/g) suffixes and are capped at 4 GiB,
 * repeatable options (TCPAddr, ExcludePath, Database) accumulate. clamd
 * options that vigild does not act on are accepted and ignored (so an
 * existing clamd.conf works unchanged); an unknown option is an error that
 * names the file and line. The obligatory "Example" line of clamd's sample
 * configuration is refused, as clamd does.
 *
 * Used by vigild (all keys) and by the clamdscan-like client (socket keys).
 */
#ifndef VG_CLAMD_CLAMDCONF_H
#define VG_CLAMD_CLAMDCONF_H

#include <stddef.h>
#include <stdint.h>
#include <vigil/vigil.h>

#define CLAMDCONF_MAXLIST 16

struct clamdconf_list {
    char *v[CLAMDCONF_MAXLIST];
    size_t n;
};

struct clamdconf {
    /* sockets */
    char *local_socket;             /* LocalSocket; NULL = none */
    char *local_socket_group;       /* LocalSocketGroup */
    char *local_socket_mode;        /* LocalSocketMode (octal text) */
    int fix_stale_socket;           /* FixStaleSocket: yes */
    uint64_t tcp_socket;            /* TCPSocket: 0 = off */
    struct clamdconf_list tcp_addr; /* TCPAddr */
    uint64_t max_conn_queue;        /* MaxConnectionQueueLength: 200 */
    /* limits and timeouts */
    uint64_t stream_max_length;     /* StreamMaxLength: 100M */
    uint64_t max_threads;           /* MaxThreads: 10 */
    uint64_t max_queue;             /* MaxQueue: 100 */
    uint64_t read_timeout;          /* ReadTimeout: 120 s */
    uint64_t command_read_timeout;  /* CommandReadTimeout: 30 s */
    uint64_t send_buf_timeout;      /* SendBufTimeout: 500 ms */
    uint64_t idle_timeout;          /* IdleTimeout: 30 s (clamd's idle worker lifetime; vigild's workers stay) */
    uint64_t self_check;            /* SelfCheck: 600 s, 0 = off */
    /* database */
    char *database_directory;       /* DatabaseDirectory */
    /* process and logging */
    char *user;                     /* User */
    char *log_file;                 /* LogFile */
    int log_time;                   /* LogTime */
    int log_clean;                  /* LogClean */
    int log_syslog;                 /* LogSyslog */
    char *log_facility;             /* LogFacility: LOG_LOCAL6 */
    int log_verbose;                /* LogVerbose */
    int extended_detection_info;    /* ExtendedDetectionInfo */
    char *pid_file;                 /* PidFile */
    int foreground;                 /* Foreground */
    int debug;                      /* Debug */
    /* walking */
    uint64_t max_dir_recursion;     /* MaxDirectoryRecursion: 15 */
    int follow_dir_symlinks;        /* FollowDirectorySymlinks */
    int follow_file_symlinks;       /* FollowFileSymlinks */
    int cross_filesystems;          /* CrossFilesystems: yes */
    struct clamdconf_list exclude_path; /* ExcludePath (POSIX extended regex) */
    /* commands */
    int allow_allmatch_scan;        /* AllowAllMatchScan: yes */
    int enable_shutdown;            /* EnableShutdownCommand: yes */
    int enable_reload;              /* EnableReloadCommand: yes */
    int enable_version;             /* EnableVersionCommand: yes */
    int enable_stats;               /* EnableStatsCommand: yes */
    /* scan limits (passed to the engine) */
    uint64_t max_scan_time;         /* MaxScanTime: 120000 ms */
    uint64_t max_scan_size;         /* MaxScanSize: 400M */
    uint64_t max_file_size;         /* MaxFileSize: 100M */
    uint64_t max_recursion;         /* MaxRecursion: 17 */
    uint64_t max_files;             /* MaxFiles: 10000 */
    int alert_exceeds_max;          /* AlertExceedsMax */
    int scan_archive;               /* ScanArchive: yes */
    int heuristic_alerts;           /* HeuristicAlerts: yes */
    int alert_encrypted;            /* AlertEncrypted */
    int alert_broken;               /* AlertBrokenExecutables */
    int alert_macros;               /* AlertOLE2Macros */
    /* vigild's own */
    struct clamdconf_list database; /* Database: paths given to the engine (overrides DatabaseDirectory) */
    uint64_t max_connections;       /* MaxConnections: 1024 */
    uint64_t max_conn_per_peer;     /* MaxConnectionsPerPeer: 256 (uid on the Unix socket, IP on TCP) */
    uint64_t reserved_connections;  /* ReservedConnections: 16, only for peers holding none */
    uint64_t max_command_length;    /* MaxCommandLength: 1024 bytes */
    uint64_t max_request_time;      /* MaxRequestTime: 600 s from command to end of stream */
    uint64_t stream_memory_limit;   /* StreamMemoryLimit: 1G over all streams in flight */
    uint64_t max_output_buffer;     /* MaxOutputBuffer: 1M of unsent replies per connection */
    uint64_t session_max_pending;   /* SessionMaxPending: 64 requests in flight per IDSESSION */
    int scan_sandbox;               /* ScanSandbox: yes */
    int legacy_stream;              /* LegacyStream: no; the STREAM command of clamd < 0.97 */
    uint64_t stream_min_port;       /* StreamMinPort: 1024 (LegacyStream data ports) */
    uint64_t stream_max_port;       /* StreamMaxPort: 2048 */
};

/* Fill c with the defaults (clamd's where the key is clamd's). */
void clamdconf_defaults(struct clamdconf *c);

/* Parse a configuration text; name is used in error messages. Later lines
 * override earlier ones and the defaults already in c. */
vg_status clamdconf_parse(struct clamdconf *c, const char *text, size_t len, const char *name,
                          vg_err *err);

/* Read and parse a file (at most 1 MiB). */
vg_status clamdconf_load(struct clamdconf *c, const char *path, vg_err *err);

/* Apply one "Option Value" line (for command-line overrides). */
vg_status clamdconf_set(struct clamdconf *c, const char *line, vg_err *err);

/* Free the strings held by c and reset it to zeros. */
void clamdconf_free(struct clamdconf *c);

/* Parse a size with K/M/G suffixes as clamd does ("25M"). 0 on success. */
int clamdconf_parse_size(const char *s, uint64_t *out);

#endif
