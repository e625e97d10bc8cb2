/*
 * log.c - vigild's log: LogFile, syslog and stderr, as clamd's options say.
 *
 * Messages are few (start-up, reloads, detections, refusals), so one mutex
 * around the writes is enough. SIGHUP reopens LogFile for log rotation.
 */
#include "vigild.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static char *log_path;
static int log_time, log_sys, log_err, log_verbose, log_debug;

struct facility {
    const char *name;
    int value;
};

static const struct facility facilities[] = {
    {"LOG_LOCAL0", LOG_LOCAL0}, {"LOG_LOCAL1", LOG_LOCAL1}, {"LOG_LOCAL2", LOG_LOCAL2},
    {"LOG_LOCAL3", LOG_LOCAL3}, {"LOG_LOCAL4", LOG_LOCAL4}, {"LOG_LOCAL5", LOG_LOCAL5},
    {"LOG_LOCAL6", LOG_LOCAL6}, {"LOG_LOCAL7", LOG_LOCAL7}, {"LOG_MAIL", LOG_MAIL},
    {"LOG_DAEMON", LOG_DAEMON}, {"LOG_USER", LOG_USER},
};

static int
open_file(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
}

int
log_open(const struct clamdconf *c, int to_stderr)
{
    int fac = LOG_LOCAL6;

    log_time = c->log_time;
    log_verbose = c->log_verbose || c->debug;
    log_debug = c->debug;
    log_err = to_stderr;
    if (c->log_file) {
        if ((log_path = strdup(c->log_file)) == NULL)
            return -1;
        if ((log_fd = open_file(log_path)) < 0)
            return -1;
    }
    if (c->log_syslog) {
        for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
            if (c->log_facility && strcmp(c->log_facility, facilities[i].name) == 0)
                fac = facilities[i].value;
        openlog("vigild", LOG_PID, fac);
        log_sys = 1;
    }
    return 0;
}

void
log_reopen(void)
{
    int fd;

    if (log_path == NULL)
        return;
    fd = open_file(log_path);
    pthread_mutex_lock(&log_mu);
    if (fd >= 0) {
        if (log_fd >= 0)
            close(log_fd);
        log_fd = fd;
    }
    pthread_mutex_unlock(&log_mu);
    log_msg(fd >= 0 ? VD_INFO : VD_ERROR, "%s log file %s%s%s", fd >= 0 ? "Reopened" : "Can't reopen",
            log_path, fd >= 0 ? "" : ": ", fd >= 0 ? "" : strerror(errno));
}

void
log_close(void)
{
    pthread_mutex_lock(&log_mu);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    free(log_path);
    log_path = NULL;
    if (log_sys)
        closelog();
    log_sys = 0;
    pthread_mutex_unlock(&log_mu);
}

static int
level_syslog(enum vd_level lvl)
{
    switch (lvl) {
    case VD_ERROR:
        return LOG_ERR;
    case VD_WARNING:
        return LOG_WARNING;
    case VD_INFO:
        return LOG_INFO;
    default:
        return LOG_DEBUG;
    }
}

void
log_msg(enum vd_level lvl, const char *fmt, ...)
{
    char msg[2048], line[2200];
    const char *prefix = lvl == VD_ERROR ? "ERROR: " : lvl == VD_WARNING ? "WARNING: " : "";
    char stamp[64] = "";
    va_list ap;
    int n;

    if ((lvl == VD_VERBOSE && !log_verbose) || (lvl == VD_DEBUG && !log_debug))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_time) {
        time_t t = time(NULL);
        struct tm tm;

        if (localtime_r(&t, &tm) && strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y -> ", &tm) == 0)
            stamp[0] = '\0';
    }
    n = snprintf(line, sizeof(line), "%s%s%s\n", stamp, prefix, msg);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = (int)sizeof(line) - 1;
    pthread_mutex_lock(&log_mu);
    if (log_fd >= 0 && write(log_fd, line, (size_t)n) < 0) {
        /* nowhere left to say it */
    }
    if (log_err && write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* idem */
    }
    if (log_sys)
        syslog(level_syslog(lvl), "%s%s", prefix, msg);
    pthread_mutex_unlock(&log_mu);
}
