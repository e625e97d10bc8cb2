/*
 * fetch.c - bounded, deadline-limited downloads with libcurl.
 *
 * The write callback enforces the byte limit: curl stops the transfer as
 * soon as the limit would be passed, so an endless or oversized response
 * costs at most max+1 bytes. Redirects are followed (mirrors sit behind
 * CDNs) but only to http and https.
 */
#include "update/fetch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "core/err.h"
#include "update/file.h"

struct sink {
    struct buf *mem;
    int fd;
    EVP_MD_CTX *md;
    uint64_t got, max;
    int prefix, too_long, write_failed;
};

static size_t
on_data(char *p, size_t size, size_t nmemb, void *ctx)
{
    struct sink *s = ctx;
    size_t n = size * nmemb; /* curl guarantees size == 1 */
    size_t take = n;

    if ((uint64_t)n > s->max - s->got) {
        take = (size_t)(s->max - s->got);
        if (!s->prefix)
            s->too_long = 1;
    }
    if (take) {
        if (s->mem && buf_append(s->mem, p, take) != VG_OK) {
            s->write_failed = ENOMEM;
            return 0;
        }
        if (s->fd >= 0 && file_write_all(s->fd, p, take) != VG_OK) {
            s->write_failed = errno ? errno : EIO;
            return 0;
        }
        if (s->md)
            EVP_DigestUpdate(s->md, p, take);
        s->got += take;
    }
    /* Returning less than n stops the transfer. */
    return take == n ? n : 0;
}

vg_status
fetch_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? VG_OK : VG_EINTERNAL;
}

vg_status
fetch_join(const char *base, const char *rel, char *out, size_t outsz)
{
    size_t n = strlen(base);

    while (n > 0 && base[n - 1] == '/')
        n--;
    if ((size_t)snprintf(out, outsz, "%.*s/%s", (int)n, base, rel) >= outsz)
        return VG_EINVAL;
    return VG_OK;
}

static vg_status
run(const char *url, uint32_t flags, const struct fetch_opts *o, struct sink *s, vg_err *err)
{
    CURL *c = curl_easy_init();
    char errbuf[CURL_ERROR_SIZE] = "", range[48];
    long code = 0;
    CURLcode rc;
    vg_status st = VG_OK;

    if (c == NULL)
        return err_set(err, VG_ENOMEM, "cannot start a download");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil/" VG_VERSION_STRING);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o && o->timeout_ms ? o->timeout_ms : 300000L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, o && o->connect_timeout_ms ? o->connect_timeout_ms : 30000L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o && o->low_speed_bytes ? o->low_speed_bytes : 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o && o->low_speed_secs ? o->low_speed_secs : 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L);
    if (flags & FETCH_HEADER) {
        snprintf(range, sizeof(range), "0-%llu", (unsigned long long)(s->max ? s->max - 1 : 0));
        curl_easy_setopt(c, CURLOPT_RANGE, range);
    }
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (s->too_long) {
        st = err_set(err, VG_ELIMIT, "%s: longer than the %llu bytes expected", url, (unsigned long long)s->max);
    } else if (rc == CURLE_WRITE_ERROR && s->prefix && !s->write_failed) {
        st = VG_OK; /* stopped at max on purpose */
    } else if (rc == CURLE_WRITE_ERROR && s->write_failed) {
        st = err_set(err, err_from_errno(s->write_failed), "%s: cannot store the download: %s", url,
                     strerror(s->write_failed));
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        st = err_set(err, VG_ETIMEOUT, "%s: timed out (%s)", url, errbuf[0] ? errbuf : "too slow");
    } else if (rc == CURLE_FILE_COULDNT_READ_FILE || code == 404 || code == 410) {
        st = err_set(err, VG_ENOENT, "%s: not found", url);
    } else if (rc != CURLE_OK) {
        st = err_set(err, VG_EIO, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    } else if (code >= 400 || (code != 0 && code != 200 && code != 206 && !(code >= 300 && code < 400))) {
        st = err_set(err, VG_EIO, "%s: HTTP status %ld", url, code);
    }
    curl_easy_cleanup(c);
    return st;
}

vg_status
fetch_mem(const char *url, size_t max, uint32_t flags, const struct fetch_opts *o, struct buf *out, vg_err *err)
{
    struct sink s = {out, -1, NULL, 0, max, (flags & (FETCH_PREFIX | FETCH_HEADER)) != 0, 0, 0};
    size_t before = out->len;
    vg_status st = run(url, flags, o, &s, err);

    if (st != VG_OK)
        out->len = before;
    return st;
}

vg_status
fetch_fd(const char *url, uint64_t max, const struct fetch_opts *o, int fd, uint8_t sha256[32], uint64_t *got,
         vg_err *err)
{
    struct sink s = {NULL, fd, EVP_MD_CTX_new(), 0, max, 0, 0, 0};
    vg_status st;

    *got = 0;
    if (s.md == NULL || !EVP_DigestInit_ex(s.md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(s.md);
        return err_set(err, VG_ENOMEM, "out of memory");
    }
    st = run(url, 0, o, &s, err);
    EVP_DigestFinal_ex(s.md, sha256, NULL);
    EVP_MD_CTX_free(s.md);
    *got = s.got;
    return st;
}
