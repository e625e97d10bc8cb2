/*
 * test_nsis.c - NSIS's bzip2 variant (lib/containers/nsisbz.c): a stream
 * made by tests/cli/lib/nsisgen.py from Python's bzip2 output decodes to
 * its text in any piece size; cut streams end as truncated, damaged ones
 * as bad, never with more output than the text. The archive reader itself
 * is tested through the CLI (tests/cli/test_nsis.py) and fuzzed
 * (fuzz_nsis).
 */
#include "t.h"

#include "containers/nsisbz.h"

/* "NSIS bzip2 test, " x 3, "z" x 30, "end": the run of z is coded as
 * four bytes and a count, as bzip2's run-length step does. */
static const char text[] = "NSIS bzip2 test, NSIS bzip2 test, NSIS bzip2 test, "
                           "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzend";
static const uint8_t stream[] =
    "\x31\x00\x00\x13\x7f\x00\x00\x20\x80\x08\x20\x00\x00\x42\x10\x00"
    "\x2c\x42\x98\x20\x40\x00\x62\x98\x00\x26\x84\x7a\x88\x34\x34\x64"
    "\xab\x23\x98\x1a\x89\x2e\x46\x93\x67\x06\x26\x34\x41\xe9\x14\xa1"
    "\xcb\xd0\xa8\xdf\x17";

/* Decode in pieces of `piece` bytes; returns the final state. */
static int
decode(const uint8_t *in, size_t n, size_t piece, uint8_t *out, size_t cap, size_t *len)
{
    struct nsisbz *z = nsisbz_new(in, n);
    size_t got;
    int r = NSISBZ_NOMEM;

    *len = 0;
    if (z == NULL)
        return r;
    do {
        size_t ask = cap - *len < piece ? cap - *len : piece;
        r = nsisbz_read(z, out + *len, ask, &got);
        *len += got;
    } while (r == NSISBZ_MORE && *len < cap);
    nsisbz_free(z);
    return r;
}

static void
test_whole(void)
{
    uint8_t out[256];
    size_t len;

    for (size_t piece = 1; piece <= 100; piece += 33) {
        T_EQ_INT(decode(stream, sizeof(stream) - 1, piece, out, sizeof(out), &len), NSISBZ_END);
        T_EQ_INT(len, sizeof(text) - 1);
        T_CHECK(memcmp(out, text, sizeof(text) - 1) == 0);
    }
}

static void
test_cut(void)
{
    uint8_t out[256];
    size_t len;

    /* every prefix short of the end marker's byte is truncated */
    for (size_t n = 0; n < sizeof(stream) - 2; n++) {
        T_EQ_INT(decode(stream, n, 16, out, sizeof(out), &len), NSISBZ_TRUNC);
        T_CHECK(len <= sizeof(text) - 1);
    }
}

static void
test_damaged(void)
{
    uint8_t buf[sizeof(stream)], out[256];
    size_t len;

    /* not a block: bad at once */
    memcpy(buf, stream, sizeof(buf));
    buf[0] = 0x42;
    T_EQ_INT(decode(buf, sizeof(buf) - 1, 64, out, sizeof(out), &len), NSISBZ_BAD);
    T_EQ_INT(len, 0);
    /* origin pointer past the block */
    memcpy(buf, stream, sizeof(buf));
    buf[1] = 0xff;
    T_EQ_INT(decode(buf, sizeof(buf) - 1, 64, out, sizeof(out), &len), NSISBZ_BAD);
    /* every single-byte change: no crash, output within the block */
    for (size_t i = 0; i < sizeof(stream) - 1; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(buf, stream, sizeof(buf));
            buf[i] ^= (uint8_t)(1u << bit);
            (void)decode(buf, sizeof(buf) - 1, 64, out, sizeof(out), &len);
            T_CHECK(len <= sizeof(out));
        }
    }
    /* the end marker alone: an empty stream */
    T_EQ_INT(decode((const uint8_t *)"\x17", 1, 8, out, sizeof(out), &len), NSISBZ_END);
    T_EQ_INT(len, 0);
}

int
main(void)
{
    T_RUN(test_whole);
    T_RUN(test_cut);
    T_RUN(test_damaged);
    T_DONE();
}
