/*
 * lines.c - split vigil's update documents into lines and fields.
 */
#include "core/hex.h"
#include "update/lines.h"

#include <string.h>

#include "core/err.h"

void
lines_init(struct lines *l, const void *p, size_t len, const char *what)
{
    l->p = p;
    l->len = len;
    l->off = 0;
    l->lineno = 0;
    l->what = what;
}

vg_status
lines_error(const struct lines *l, vg_err *err, const char *msg)
{
    return err_set(err, VG_EFORMAT, "%s:%u: %s", l->what, l->lineno, msg);
}

vg_status
lines_next(struct lines *l, struct fields *fl, vg_err *err)
{
    const char *s, *nl;
    size_t n, i, start;

    memset(fl, 0, sizeof(*fl));
    if (l->off >= l->len)
        return VG_ENOENT;
    l->lineno++;
    s = l->p + l->off;
    if ((nl = memchr(s, '\n', l->len - l->off)) == NULL)
        return lines_error(l, err, "last line has no newline");
    n = (size_t)(nl - s);
    fl->start = l->off;
    fl->end = l->off + n + 1;
    l->off += n + 1;
    if (n == 0)
        return lines_error(l, err, "empty line");
    for (i = 0, start = 0; i <= n; i++) {
        if (i < n && s[i] != ' ') {
            if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
                return lines_error(l, err, "invalid character");
            continue;
        }
        if (i == start)
            return lines_error(l, err, "misplaced space");
        if (fl->count == LINES_MAX_FIELDS)
            return lines_error(l, err, "too many fields");
        fl->f[fl->count] = s + start;
        fl->n[fl->count++] = i - start;
        start = i + 1;
    }
    return VG_OK;
}

int
lines_is(const struct fields *fl, size_t i, const char *s)
{
    size_t n = strlen(s);

    return i < fl->count && fl->n[i] == n && memcmp(fl->f[i], s, n) == 0;
}

int
lines_u64(const struct fields *fl, size_t i, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    const char *s;
    size_t n;

    if (i >= fl->count)
        return -1;
    s = fl->f[i];
    n = fl->n[i];
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        if (v > (UINT64_MAX - (uint64_t)(s[k] - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[k] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int
lines_hex(const struct fields *fl, size_t i, uint8_t *out, size_t n)
{
    if (i >= fl->count || fl->n[i] != 2 * n)
        return -1;
    for (size_t k = 0; k < n; k++) {
        int hi = hex_digit_lower(fl->f[i][2 * k]), lo = hex_digit_lower(fl->f[i][2 * k + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        out[k] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

int
lines_name(const struct fields *fl, size_t i, char *out, size_t outsz)
{
    if (i >= fl->count || fl->n[i] == 0 || fl->n[i] >= outsz)
        return -1;
    for (size_t k = 0; k < fl->n[i]; k++) {
        char c = fl->f[i][k];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return -1;
    }
    memcpy(out, fl->f[i], fl->n[i]);
    out[fl->n[i]] = '\0';
    return 0;
}

void
lines_tohex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}
