/*
 * maildec.c - base64, quoted-printable and uuencode decoders (see
 * maildec.h). Linear in the input; the sink bounds the output.
 */
#include "containers/maildec.h"

#include <string.h>

#include "containers/inflate.h"

#define FULL(s) ((s)->nomem ? DEC_NOMEM : DEC_FULL)

static int
b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int
maildec_base64(const uint8_t *in, size_t n, struct sink *out)
{
    uint32_t acc = 0;
    int k = 0;

    for (size_t i = 0; i < n; i++) {
        int v;
        if (in[i] == '=') {
            /* padding ends a group; whatever follows starts afresh */
            if (k == 2 && sink_byte(out, (uint8_t)(acc >> 4)))
                return FULL(out);
            if (k == 3 && (sink_byte(out, (uint8_t)(acc >> 10)) || sink_byte(out, (uint8_t)(acc >> 2))))
                return FULL(out);
            acc = 0;
            k = 0;
            continue;
        }
        if ((v = b64val(in[i])) < 0)
            continue;
        acc = acc << 6 | (uint32_t)v;
        if (++k == 4) {
            uint8_t b[3] = {(uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc};
            if (sink_write(out, b, 3))
                return FULL(out);
            acc = 0;
            k = 0;
        }
    }
    if (k == 2 && sink_byte(out, (uint8_t)(acc >> 4)))
        return FULL(out);
    if (k == 3 && (sink_byte(out, (uint8_t)(acc >> 10)) || sink_byte(out, (uint8_t)(acc >> 2))))
        return FULL(out);
    return DEC_END;
}

static int
hexv(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int
maildec_qp(const uint8_t *in, size_t n, struct sink *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (c == '=' && i + 1 < n) {
            int h, l;
            if (in[i + 1] == '\n') {
                i++;
                continue;
            }
            if (in[i + 1] == '\r' && i + 2 < n && in[i + 2] == '\n') {
                i += 2;
                continue;
            }
            if (i + 2 < n && (h = hexv(in[i + 1])) >= 0 && (l = hexv(in[i + 2])) >= 0) {
                c = (uint8_t)(h << 4 | l);
                i += 2;
            }
        }
        if (sink_byte(out, c))
            return FULL(out);
    }
    return DEC_END;
}

int
maildec_uu(const uint8_t *in, size_t n, struct sink *out, size_t *used)
{
    size_t p = 0;
    int r = DEC_TRUNC;

    while (p < n) {
        const uint8_t *nl = memchr(in + p, '\n', n - p);
        size_t e = nl ? (size_t)(nl - in) : n, ll = e - p;
        const uint8_t *l = in + p;
        size_t cnt, k = 1;

        p = nl ? e + 1 : n;
        if (ll && l[ll - 1] == '\r')
            ll--;
        if (ll >= 3 && memcmp(l, "end", 3) == 0) {
            r = DEC_END;
            break;
        }
        if (ll == 0)
            continue;
        cnt = (size_t)((l[0] - 32) & 63);
        if (cnt == 0) {
            r = DEC_END;
            continue;
        }
        for (size_t got = 0; got < cnt && k < ll; k += 4) {
            uint8_t q[4];
            for (int j = 0; j < 4; j++)
                q[j] = (uint8_t)(k + (size_t)j < ll ? (l[k + (size_t)j] - 32) & 63 : 0);
            uint8_t b[3] = {(uint8_t)(q[0] << 2 | q[1] >> 4), (uint8_t)(q[1] << 4 | q[2] >> 2),
                            (uint8_t)(q[2] << 6 | q[3])};
            size_t take = cnt - got < 3 ? cnt - got : 3;
            if (sink_write(out, b, take)) {
                if (used)
                    *used = p;
                return FULL(out);
            }
            got += take;
        }
    }
    if (used)
        *used = p;
    return r;
}

size_t
maildec_uu_find(const uint8_t *in, size_t n, char *name, size_t cap, size_t *data)
{
    size_t p = 0;

    while (p + 6 <= n) {
        const uint8_t *q = memmem(in + p, n - p, "begin ", 6);
        size_t at, i, k = 0;

        if (q == NULL)
            return n;
        at = (size_t)(q - in);
        p = at + 6;
        if (at > 0 && in[at - 1] != '\n')
            continue;
        i = p;
        /* mode: octal digits */
        while (i < n && in[i] >= '0' && in[i] <= '7')
            i++;
        if (i == p || i >= n || in[i] != ' ')
            continue;
        i++;
        while (i < n && in[i] != '\n' && in[i] != '\r') {
            if (k + 1 < cap)
                name[k++] = (char)in[i];
            i++;
        }
        name[k] = '\0';
        while (i < n && in[i] != '\n')
            i++;
        *data = i < n ? i + 1 : n;
        return at;
    }
    return n;
}
