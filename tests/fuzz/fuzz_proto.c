/*
 * fuzz_proto.c - the parent's decoders for messages from a sandboxed
 * worker (lib/sandbox/proto.c), which a compromised worker controls
 * byte for byte.
 *
 * Input: one selector byte (0 reply, 1 hello, 2 scan request, 3 frame
 * header), then the message body. A reply is decoded with the sequence
 * number it claims, so the fuzzer gets past that check. A reply that
 * decodes is encoded again from what was decoded and must decode to the
 * same thing (the encoder and decoder agree).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rd.h"
#include "sandbox/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
roundtrip(const struct scan_reply *r, uint64_t seq, uint32_t flags)
{
    vg_match *m = calloc(r->nmatches ? r->nmatches : 1, sizeof(*m));
    vg_result res;
    struct buf b = {0};
    struct scan_reply r2;
    uint16_t type;
    uint32_t len, fl2 = 0;
    char why[256];

    if (m == NULL)
        return;
    for (size_t i = 0; i < r->nmatches; i++) {
        m[i].name = r->matches[i].name;
        m[i].layer = r->matches[i].layer;
        m[i].offset = r->matches[i].offset;
    }
    memset(&res, 0, sizeof(res));
    res.infected = r->infected;
    res.nmatches = r->nmatches;
    res.matches = m;
    res.incomplete = r->incomplete;
    res.incomplete_where = r->incomplete_where;
    res.bytes_scanned = r->bytes_scanned;
    res.file_type = r->file_type;
    memset(&r2, 0, sizeof(r2));
    if (proto_reply_encode(&b, seq, r->status, r->error, r->status == VG_OK ? &res : NULL, flags) ==
        VG_OK) {
        if (b.len < PROTO_HDR_SIZE || proto_hdr_decode(b.p, &type, &len) != 0 || type != PROTO_REPLY ||
            len != b.len - PROTO_HDR_SIZE ||
            proto_reply_decode(b.p + PROTO_HDR_SIZE, len, seq, &r2, &fl2, why, sizeof(why)) != 0)
            abort();
        if (r2.status != r->status || r2.nmatches != r->nmatches || r2.infected != r->infected ||
            r2.incomplete != r->incomplete || r2.bytes_scanned != r->bytes_scanned ||
            strcmp(r2.file_type, r->file_type) != 0 || strcmp(r2.error, r->error) != 0 ||
            strcmp(r2.incomplete_where, r->incomplete_where) != 0 || fl2 != flags)
            abort();
        for (size_t i = 0; i < r->nmatches; i++)
            if (strcmp(r2.matches[i].name, r->matches[i].name) != 0 ||
                strcmp(r2.matches[i].layer, r->matches[i].layer) != 0 ||
                r2.matches[i].offset != r->matches[i].offset)
                abort();
    }
    scan_reply_clear(&r2);
    buf_free(&b);
    free(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *body = data + 1;
    size_t len = size ? size - 1 : 0;
    char why[256], msg[PROTO_ERROR_MAX + 1];

    if (size == 0)
        return 0;
    switch (data[0] % 4) {
    case 0: {
        struct scan_reply r;
        uint64_t seq = 0;
        uint32_t flags = 0;

        memset(&r, 0, sizeof(r));
        (void)rd_u64le(body, len, 0, &seq);
        if (proto_reply_decode(body, len, seq, &r, &flags, why, sizeof(why)) == 0)
            roundtrip(&r, seq, flags);
        scan_reply_clear(&r);
        break;
    }
    case 1: {
        vg_status st;
        (void)proto_hello_decode(body, len, &st, msg, sizeof(msg), why, sizeof(why));
        break;
    }
    case 2: {
        uint64_t seq;
        (void)proto_scan_decode(body, len, &seq);
        break;
    }
    default: {
        uint8_t h[PROTO_HDR_SIZE] = {0};
        uint16_t type;
        uint32_t n;
        memcpy(h, body, len < sizeof(h) ? len : sizeof(h));
        (void)proto_hdr_decode(h, &type, &n);
        break;
    }
    }
    return 0;
}
