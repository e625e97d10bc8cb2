/*
 * dclient_scan.c - the client's scan modes and its output, as clamdscan's:
 *
 *   CONT/MULTI  one CONTSCAN (ALLMATCHSCAN with -z) or MULTISCAN per
 *               argument; the daemon opens the files
 *   STREAM      the client walks the tree and sends each file as INSTREAM
 *   FILDES      the client walks the tree and passes each file's descriptor
 *
 * With -m, STREAM and FILDES requests are pipelined in one IDSESSION and
 * the replies matched by their ids. Reply lines for a file are printed with
 * the client's path in place of "stream" or "fd[N]".
 */
#include "vigil/dclient.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pending {
    unsigned id;
    char *file;
    struct pending *next;
};

struct ctx {
    struct dclient *d;
    int printok;       /* still clean for the current argument */
    unsigned errors;   /* errors for the current argument */
    char lastfound[PATH_MAX + 1];
    /* IDSESSION state */
    int sock;
    struct dclient_rx rx;
    unsigned lastid;
    struct pending *ids;
};

static int
ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);

    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static void
count_found(struct ctx *x, const char *file)
{
    if (x->d->allmatch) {
        if (strcmp(file, x->lastfound) == 0)
            return;
        snprintf(x->lastfound, sizeof(x->lastfound), "%s", file);
    }
    x->d->infected++;
}

/* One reply line. name: the client's name for what was scanned (NULL:
 * print the line as it is); path_mode: the line carries the path. Returns
 * -1 when the line cannot be understood. */
static int
handle_line(struct ctx *x, char *line, const char *name, int path_mode)
{
    size_t n = strlen(line);
    char *colon;

    if (name == NULL)
        printf("%s\n", line);
    if (n + 1 <= 7)
        return 0;
    colon = strrchr(line, ':');
    if (colon && colon[1] != ' ') {
        char *br;

        *colon = '\0';
        if ((br = strrchr(line, '(')) != NULL)
            *br = '\0';
        colon = strrchr(line, ':');
    }
    if (colon == NULL) {
        if (strncmp(line, "UNKNOWN COMMAND", 15) == 0)
            printf("clamd replied \"UNKNOWN COMMAND\". Command was %s\n",
                   x->d->mode == DC_STREAM ? "INSTREAM" : x->d->mode == DC_FILDES ? "FILDES" : "SCAN");
        else
            printf("Failed to parse reply: \"%s\"\n", line);
        return -1;
    }
    if (ends_with(line, n, " FOUND")) {
        x->printok = 0;
        if (path_mode) {
            *colon = '\0';
            count_found(x, line);
            *colon = ':';
            if (name)
                printf("%s\n", line);
        } else {
            count_found(x, name ? name : "stdin");
            if (name)
                printf("%s%s\n", name, colon);
        }
    } else if (ends_with(line, n, " ERROR")) {
        /* (a stream's or descriptor's error is printed by read_replies) */
        x->printok = 0;
        x->errors++;
        if (name)
            printf("%s\n", line);
    }
    return 0;
}

/* Read every reply of a one-request connection. */
static void
read_replies(struct ctx *x, int sock, const char *name, int path_mode, const char *path)
{
    struct dclient_rx rx;
    char *line;
    int n, any = 0;

    dclient_proto_rxinit(&rx, sock);
    while ((n = dclient_proto_recvln(&rx, &line)) > 0) {
        any = 1;
        if (!path_mode && name && ends_with(line, strlen(line), " ERROR")) {
            char *colon = strrchr(line, ':');

            x->printok = 0;
            x->errors++;
            printf("%s%s\n", name, colon ? colon : line);
            continue;
        }
        if (handle_line(x, line, name, path_mode) < 0)
            x->errors++;
    }
    if (n < 0) {
        x->errors++;
        x->printok = 0;
        return;
    }
    if (!any) {
        struct stat sb;

        if (path == NULL) {
            printf("STDIN: noreply from clamd\n.");
            x->errors++;
        } else if (stat(path, &sb) != 0) {
            printf("%s: stat() failed with %s, clamd may not be responding\n", path, strerror(errno));
            x->errors++;
        } else if (!S_ISDIR(sb.st_mode)) {
            printf("%s: no reply from clamd\n", path);
            x->errors++;
        }
        if (x->errors)
            x->printok = 0;
    }
}

/* ------------------------------------------------------------ IDSESSION */

static struct pending **
find_id(struct ctx *x, unsigned id)
{
    struct pending **pp;

    for (pp = &x->ids; *pp; pp = &(*pp)->next)
        if ((*pp)->id == id)
            return pp;
    return NULL;
}

/* One session reply; -1 on a protocol problem. */
static int
session_line(struct ctx *x, char *line)
{
    unsigned id = (unsigned)strtoul(line, NULL, 10);
    struct pending **pp = id ? find_id(x, id) : NULL, *p;
    size_t n = strlen(line);

    if (pp == NULL) {
        fprintf(stderr, "ERROR: Bogus session id from clamd\n");
        return -1;
    }
    p = *pp;
    if (n + 1 > 7) {
        char *colon = strrchr(line, ':');

        if (colon == NULL) {
            fprintf(stderr, "ERROR: Failed to parse reply\n");
            return -1;
        }
        if (ends_with(line, n, " FOUND")) {
            count_found(x, p->file);
            x->printok = 0;
            printf("%s%s\n", p->file, colon);
        } else if (ends_with(line, n, " ERROR")) {
            x->errors++;
            x->printok = 0;
            printf("%s%s\n", p->file, colon);
        }
    }
    *pp = p->next;
    free(p->file);
    free(p);
    return 0;
}

/* Read the replies that are there already (wait: block for one). */
static int
session_drain(struct ctx *x, int wait)
{
    for (;;) {
        struct pollfd pf = {x->sock, POLLIN, 0};
        char *line;
        int n;

        if (x->rx.len == 0 && poll(&pf, 1, wait ? -1 : 0) <= 0)
            return 0;
        if ((n = dclient_proto_recvln(&x->rx, &line)) <= 0)
            return n < 0 ? -1 : 1;
        if (session_line(x, line) != 0)
            return -1;
        if (wait)
            return 0;
    }
}

/* ---------------------------------------------------------------- files */

static int
excluded(const struct dclient *d, const char *path)
{
    for (size_t i = 0; i < d->conf.exclude_path.n; i++) {
        regex_t re;
        int hit;

        if (regcomp(&re, d->conf.exclude_path.v[i], REG_EXTENDED | REG_NOSUB) != 0)
            continue;
        hit = regexec(&re, path, 0, NULL, 0) == 0;
        regfree(&re);
        if (hit)
            return 1;
    }
    return 0;
}

/* Send one file in STREAM or FILDES mode, alone or in the session. */
static void
send_file(struct ctx *x, const char *file)
{
    struct dclient *d = x->d;
    int fd, sock, rc;

    if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
        if (d->mode == DC_STREAM)
            printf("%s: Failed to open file. ERROR\n", file);
        else
            printf("%s: Failed to open file\n", file);
        x->errors++;
        x->printok = 0;
        return;
    }
    if (x->sock >= 0) {
        struct pending *p;

        if (session_drain(x, 0) < 0) {
            close(fd);
            x->errors++;
            return;
        }
        rc = d->mode == DC_STREAM ? dclient_proto_stream(x->sock, fd, d->conf.stream_max_length, file)
                                  : dclient_proto_fdpass(x->sock, fd);
        close(fd);
        if (rc != 0 || (p = calloc(1, sizeof(*p))) == NULL || (p->file = strdup(file)) == NULL) {
            x->errors++;
            x->printok = 0;
            return;
        }
        p->id = ++x->lastid;
        p->next = x->ids;
        x->ids = p;
        return;
    }
    if ((sock = dclient_proto_connect(d)) < 0) {
        close(fd);
        x->errors++;
        x->printok = 0;
        return;
    }
    rc = d->mode == DC_STREAM ? dclient_proto_stream(sock, fd, d->conf.stream_max_length, file)
                              : dclient_proto_fdpass(sock, fd);
    close(fd);
    if (rc > 0) {
        x->errors++;
        x->printok = 0;
    } else {
        read_replies(x, sock, file, 0, file);
    }
    close(sock);
}

static void walk(struct ctx *x, char *path, size_t len, unsigned depth);

static void
visit(struct ctx *x, char *path, size_t len, unsigned depth)
{
    const struct dclient *d = x->d;
    struct stat sb;

    if (lstat(path, &sb) != 0) {
        fprintf(stderr, "ERROR: Can't access file %s\n", path);
        x->errors++;
        x->printok = 0;
        return;
    }
    if (S_ISLNK(sb.st_mode)) {
        if (stat(path, &sb) != 0 || (S_ISDIR(sb.st_mode) && !d->conf.follow_dir_symlinks) ||
            (S_ISREG(sb.st_mode) && !d->conf.follow_file_symlinks))
            return;
    }
    if (excluded(d, path))
        return;
    if (S_ISDIR(sb.st_mode)) {
        if (d->conf.max_dir_recursion && depth >= d->conf.max_dir_recursion) {
            fprintf(stderr, "WARNING: Directory recursion limit reached\n");
            return;
        }
        walk(x, path, len, depth + 1);
    } else if (S_ISREG(sb.st_mode)) {
        send_file(x, path);
    } else {
        fprintf(stderr, "WARNING: %s: Not supported file type\n", path);
        x->errors++;
        x->printok = 0;
    }
}

static void
walk(struct ctx *x, char *path, size_t len, unsigned depth)
{
    DIR *dir = opendir(path);
    struct dirent *de;

    if (dir == NULL) {
        fprintf(stderr, "ERROR: Can't access file %s\n", path);
        x->errors++;
        x->printok = 0;
        return;
    }
    while ((de = readdir(dir)) != NULL) {
        size_t n = strlen(de->d_name);
        int slash = len > 0 && path[len - 1] == '/' ? 0 : 1;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n > PATH_MAX - len - (size_t)slash)
            continue;
        if (slash)
            path[len] = '/';
        memcpy(path + len + (size_t)slash, de->d_name, n + 1);
        visit(x, path, len + (size_t)slash + n, depth);
        path[len] = '\0';
    }
    closedir(dir);
}

/* The argument made absolute and resolved, as clamdscan does. */
static char *
absolute(const char *arg)
{
    char cwd[PATH_MAX + 1], *full, *rp;

    if (arg[0] == '/') {
        full = strdup(arg);
    } else {
        if (getcwd(cwd, sizeof(cwd)) == NULL)
            return NULL;
        if ((full = malloc(strlen(cwd) + strlen(arg) + 2)) == NULL)
            return NULL;
        sprintf(full, "%s/%s", cwd, arg);
    }
    if (full && (rp = realpath(full, NULL)) != NULL) {
        free(full);
        return rp;
    }
    return full;
}

static void
path_command(struct ctx *x, const char *path)
{
    struct dclient *d = x->d;
    const char *verb = d->mode == DC_MULTI ? "zMULTISCAN" : d->allmatch ? "zALLMATCHSCAN" : "zCONTSCAN";
    char *cmd;
    int sock;

    if (excluded(d, path))
        return;
    if ((sock = dclient_proto_connect(d)) < 0) {
        x->errors++;
        x->printok = 0;
        return;
    }
    if ((cmd = malloc(strlen(verb) + strlen(path) + 2)) == NULL) {
        close(sock);
        x->errors++;
        return;
    }
    sprintf(cmd, "%s %s", verb, path);
    if (dclient_proto_cmd(sock, cmd) != 0) {
        x->errors++;
        x->printok = 0;
    } else {
        read_replies(x, sock, path, 1, path);
    }
    free(cmd);
    close(sock);
}

void
dclient_scan_path(struct dclient *d, const char *arg)
{
    struct ctx x;
    struct stat sb;
    char *path = absolute(arg), buf[PATH_MAX + 1];

    memset(&x, 0, sizeof(x));
    x.d = d;
    x.printok = !d->infected_only;
    x.sock = -1;
    if (path == NULL || strlen(path) > PATH_MAX) {
        fprintf(stderr, "ERROR: Can't access file %s\n", arg);
        d->errors++;
        free(path);
        return;
    }
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "ERROR: Can't access file %s\n", path);
        d->errors++;
        free(path);
        return;
    }
    if (d->mode == DC_CONT || d->mode == DC_MULTI) {
        path_command(&x, path);
    } else {
        if (d->session) {
            if ((x.sock = dclient_proto_connect(d)) < 0 || dclient_proto_cmd(x.sock, "zIDSESSION") != 0) {
                if (x.sock >= 0)
                    close(x.sock);
                d->errors++;
                free(path);
                return;
            }
            dclient_proto_rxinit(&x.rx, x.sock);
        }
        strcpy(buf, path);
        visit(&x, buf, strlen(buf), 0);
        if (x.sock >= 0) {
            (void)dclient_proto_cmd(x.sock, "zEND");
            while (x.ids && session_drain(&x, 1) == 0)
                ;
            if (x.ids) {
                fprintf(stderr, "ERROR: Clamd closed the connection before scanning all files.\n");
                x.errors++;
                x.printok = 0;
                while (x.ids) {
                    struct pending *p = x.ids;

                    x.ids = p->next;
                    free(p->file);
                    free(p);
                }
            }
            close(x.sock);
        }
    }
    if (x.errors == 0 && x.printok)
        printf("%s: OK\n", path);
    d->errors += x.errors;
    free(path);
}

void
dclient_scan_stdin(struct dclient *d)
{
    struct ctx x;
    struct stat sb;
    int sock, rc;
    int fdpass = d->conf.local_socket && !dclient_proto_remote(d);

    memset(&x, 0, sizeof(x));
    x.d = d;
    x.sock = -1;
    if (fstat(STDIN_FILENO, &sb) != 0) {
        fprintf(stderr, "ERROR: fstat failed for file name \"-\", with %s\n", strerror(errno));
        d->errors++;
        return;
    }
    if (!S_ISREG(sb.st_mode) || d->mode == DC_STREAM)
        fdpass = 0;
    if ((sock = dclient_proto_connect(d)) < 0) {
        d->errors++;
        return;
    }
    rc = fdpass ? dclient_proto_fdpass(sock, STDIN_FILENO)
                : dclient_proto_stream(sock, STDIN_FILENO, d->conf.stream_max_length, "STDIN");
    if (rc == 0)
        read_replies(&x, sock, NULL, 0, NULL);
    else
        x.errors++;
    close(sock);
    d->errors += x.errors;
}
