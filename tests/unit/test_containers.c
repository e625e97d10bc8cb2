/*
 * test_containers.c - the container layer's pure pieces and its limits:
 * the bounded sink, the decoders (Deflate64 on deflate data, MS-OVBA,
 * PDF filters, mail encodings), HTML normalisation against the outputs
 * clamscan 1.4.6 writes for the same page, and, through vg_scan_mem with
 * an in-memory database, the compression-ratio bound, max_files,
 * max_recursion and the incomplete bits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "containers/htmlnorm.h"
#include "containers/inflate.h"
#include "containers/maildec.h"
#include "containers/pdffilt.h"
#include "containers/sink.h"
#include "containers/vba.h"
#include "core/buf.h"
#include "db/compile.h"
#include "db/db.h"
#include "db/loader.h"
#include "db/shard.h"
#include "t.h"

static void
test_sink_bound(void)
{
    struct sink s;

    sink_init(&s, 10);
    T_EQ_INT(sink_write(&s, "0123456", 7), 0);
    T_EQ_INT(sink_write(&s, "789abc", 6), -1);
    T_EQ_INT(s.len, 10);
    T_CHECK(s.over);
    T_CHECK(memcmp(s.p, "0123456789", 10) == 0);
    T_EQ_INT(sink_byte(&s, 'x'), -1);
    sink_free(&s);
    T_EQ_INT(s.len, 0);
}

/* deflate data without length-258 matches decodes the same as Deflate64 */
static void
test_inflate64_on_deflate(void)
{
    uint8_t in[20000], comp[30000];
    struct sink s;
    z_stream z;
    size_t used = 0;

    static const char *const words[] = {"alpha ", "beta ", "gamma ", "delta ", "eps ", "zeta ",
                                        "eta ", "theta ", "iota ", "kappa ", "lambda ", "mu "};
    uint32_t r = 12345;
    size_t k = 0;

    /* words in a pseudo-random order: matches, but none 258 bytes long
       (Deflate64 reads length code 285 differently) */
    while (k < sizeof(in)) {
        const char *wd;
        r = r * 1103515245u + 12345u;
        wd = words[(r >> 16) % 12];
        for (size_t j = 0; wd[j] && k < sizeof(in); j++)
            in[k++] = (uint8_t)wd[j];
    }
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 9, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = in;
    z.avail_in = sizeof(in);
    z.next_out = comp;
    z.avail_out = sizeof(comp);
    T_EQ_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
    sink_init(&s, 1u << 20);
    T_EQ_INT(inflate64_raw(comp, z.total_out, &s, &used), DEC_END);
    T_EQ_INT(s.len, sizeof(in));
    T_CHECK(s.len == sizeof(in) && memcmp(s.p, in, sizeof(in)) == 0);
    T_EQ_INT(used, z.total_out);
    sink_free(&s);
    /* truncated input is reported, what came out is kept */
    sink_init(&s, 1u << 20);
    T_EQ_INT(inflate64_raw(comp, z.total_out / 2, &s, NULL), DEC_TRUNC);
    T_CHECK(s.len > 0 && memcmp(s.p, in, s.len) == 0);
    sink_free(&s);
    /* a small bound stops it */
    sink_init(&s, 100);
    T_EQ_INT(inflate64_raw(comp, z.total_out, &s, NULL), DEC_FULL);
    T_EQ_INT(s.len, 100);
    sink_free(&s);
    deflateEnd(&z);
}

/* MS-OVBA example from the specification (2.4.1.3.2): a copy token. */
static void
test_vba_decompress(void)
{
    static const uint8_t comp[] = {0x01, 0x19, 0xb0, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66,
                                   0x67, 0x68, 0x00, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f,
                                   0x70, 0x00, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x2e};
    static const uint8_t rep[] = {0x01, 0x2f, 0xb0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64,
                                  0x65, 0x82, 0x66, 0x00, 0x70, 0x61, 0x67, 0x68, 0x69, 0x6a,
                                  0x01, 0x38, 0x08, 0x61, 0x6b, 0x6c, 0x00, 0x30, 0x6d, 0x6e,
                                  0x6f, 0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x10, 0x72, 0x73,
                                  0x74, 0x75, 0x76, 0x10, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x3c};
    struct sink s;

    sink_init(&s, 1 << 16);
    T_EQ_INT(vba_decompress(comp, sizeof(comp), &s), DEC_END);
    T_CHECK(s.len == 23 && memcmp(s.p, "abcdefghijklmnopqrstuv.", 23) == 0);
    sink_free(&s);
    sink_init(&s, 1 << 16);
    T_EQ_INT(vba_decompress(rep, sizeof(rep), &s), DEC_END);
    T_CHECK(s.len >= 10 && memcmp(s.p, "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa",
                                   s.len < 56 ? s.len : 56) == 0);
    sink_free(&s);
    sink_init(&s, 1 << 16);
    T_CHECK(vba_decompress((const uint8_t *)"\x02", 1, &s) == DEC_BAD);
    sink_free(&s);
}

static void
test_pdf_filters(void)
{
    struct sink s;
    static const uint8_t lzw[] = {0x80, 0x0b, 0x60, 0x50, 0x22, 0x0c, 0x0c, 0x85, 0x01};

    sink_init(&s, 1024);
    T_EQ_INT(pdffilt_ahx((const uint8_t *)"48 65 6c6C6f 7>", 15, &s), DEC_END);
    T_CHECK(s.len == 6 && memcmp(s.p, "Hellop", 6) == 0); /* an odd last digit is padded */
    s.len = 0;
    T_EQ_INT(pdffilt_a85((const uint8_t *)"<~87cURD]i,\"Ebo7~>", 18, &s), DEC_END);
    T_CHECK(s.len == 11 && memcmp(s.p, "Hello World", 11) == 0);
    s.len = 0;
    T_EQ_INT(pdffilt_a85((const uint8_t *)"z!!~>", 5, &s), DEC_END);
    T_EQ_INT(s.len, 5);
    s.len = 0;
    T_EQ_INT(pdffilt_rl((const uint8_t *)"\x02" "abc" "\xfe" "x" "\x80", 7, &s), DEC_END);
    T_CHECK(s.len == 6 && memcmp(s.p, "abcxxx", 6) == 0);
    s.len = 0;
    /* the example of the PDF reference (7.4.4.2): 45 45 45 45 45 65 45 45 45 66 */
    T_EQ_INT(pdffilt_lzw(lzw, sizeof(lzw), 1, &s), DEC_END);
    T_CHECK(s.len == 10 && memcmp(s.p, "-----A---B", 10) == 0);
    sink_free(&s);
}

static void
test_mail_encodings(void)
{
    struct sink s;
    size_t used = 0, data = 0, at;
    char name[32];
    static const char uu[] = "begin 644 a.txt\n%:&5L;&\\`\n`\nend\n";

    sink_init(&s, 1024);
    T_EQ_INT(maildec_base64((const uint8_t *)"SGVs\nbG8=  V29y bGQ=", 20, &s), DEC_END);
    T_CHECK(s.len == 10 && memcmp(s.p, "HelloWorld", 10) == 0);
    s.len = 0;
    T_EQ_INT(maildec_qp((const uint8_t *)"a=3Db=\nc=0D=0A=zz", 17, &s), DEC_END);
    T_CHECK(s.len == 9 && memcmp(s.p, "a=bc\r\n=zz", 9) == 0);
    s.len = 0;
    at = maildec_uu_find((const uint8_t *)uu, strlen(uu), name, sizeof(name), &data);
    T_EQ_INT(at, 0);
    T_EQ_STR(name, "a.txt");
    T_EQ_INT(maildec_uu((const uint8_t *)uu + data, strlen(uu) - data, &s, &used), DEC_END);
    T_CHECK(s.len == 5 && memcmp(s.p, "hello", 5) == 0);
    sink_free(&s);
}

/* The page and the texts clamscan 1.4.6 writes for it (--leave-temps). */
static void
test_htmlnorm(void)
{
    static const char page[] =
        "<HTML><Head><TITLE>Hello   World</TITLE></head>\n"
        "<!-- a comment <b>bold</b> -->\n"
        "<body BGCOLOR='#FFFFFF' onload = \"Foo()\">\n"
        "Some &amp; Text &#65;&#x42; here<br/>\n"
        "<a href=\"http://Example.com/X\">Link Text</a> <img src='Pic.PNG' alt=Foo>\n"
        "Tail   text\n</body></html>\n";
    static const char nocomment[] =
        "<html><head><title>hello world</title></head>bold</b>--> <body bgcolor=\"#ffffff\" "
        "onload=\"foo()\">some & text ab here<br/><a href=\"http://example.com/x\">link text</a>"
        "<img src=\"pic.png\" alt=foo>tail text </body></html>";
    static const char notags[] =
        " hello world bold --> some text here http://Example.com/X link text Pic.PNG tail text ";
    struct htmlnorm h;

    memset(&h, 0, sizeof(h));
    sink_init(&h.nocomment, 4096);
    sink_init(&h.notags, 4096);
    sink_init(&h.script, 4096);
    T_EQ_INT(htmlnorm_run((const uint8_t *)page, strlen(page), &h), 0);
    T_EQ_INT(h.nocomment.len, strlen(nocomment));
    T_CHECK(h.nocomment.len == strlen(nocomment) &&
            memcmp(h.nocomment.p, nocomment, h.nocomment.len) == 0);
    T_EQ_INT(h.notags.len, strlen(notags));
    T_CHECK(h.notags.len == strlen(notags) && memcmp(h.notags.p, notags, h.notags.len) == 0);
    sink_free(&h.nocomment);
    sink_free(&h.notags);
    sink_free(&h.script);
}

/* ---- limits through the scanner ---- */

/* A database with one body pattern, "MARKER". */
static void
open_db(struct shard **sh, vg_db *db)
{
    static const char ndb[] = "Ut.Marker:0:*:4d41524b4552\n";
    struct loader ld;
    struct buf img = {0};
    vg_err err;

    loader_init(&ld, 0, "main");
    T_CHECK(loader_add_buffer(&ld, "u.ndb", (const uint8_t *)ndb, strlen(ndb), 0, &err) == VG_OK);
    T_CHECK(compile_image(&ld.text, &img, &err) == VG_OK);
    T_CHECK(shard_open_mem(img.p, img.len, 0, sh, &err) == VG_OK);
    loader_free(&ld);
    memset(db, 0, sizeof(*db));
    db->shards = sh;
    db->nshards = 1;
}

static vg_scanner *
scanner(const vg_scan_opts *o, const vg_db *db)
{
    vg_scanner *sc = NULL;

    T_CHECK(vg_scanner_new(db, o, &sc) == VG_OK);
    return sc;
}

/* A gzip stream of n bytes: "MARKER" then zeros. */
static uint8_t *
gz(size_t n, size_t *outlen)
{
    uint8_t *raw = calloc(1, n), *out = malloc(n / 100 + 1024);
    z_stream z;

    memcpy(raw, "MARKER", 6);
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 9, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
    z.next_in = raw;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)(n / 100 + 1024);
    deflate(&z, Z_FINISH);
    *outlen = z.total_out;
    deflateEnd(&z);
    free(raw);
    return out;
}

static void
test_ratio_limit(void)
{
    vg_scan_opts o;
    struct shard *sh = NULL;
    vg_db db;
    vg_scanner *sc;
    const vg_result *r;
    size_t n;
    uint8_t *g = gz(8u << 20, &n);

    open_db(&sh, &db);
    vg_scan_opts_default(&o);
    o.max_ratio = 50; /* 8 MiB of zeros compress far more than 50:1 */
    sc = scanner(&o, &db);
    T_CHECK(vg_scan_mem(sc, g, n, &r) == VG_OK);
    T_CHECK(r->incomplete & VG_LIMIT_RATIO);
    /* a compressed stream is scanned as far as the bound allows */
    T_EQ_INT(r->nmatches, 1);
    vg_scanner_free(sc);
    /* without the bound the stream is scanned whole */
    o.max_ratio = 0;
    sc = scanner(&o, &db);
    T_CHECK(vg_scan_mem(sc, g, n, &r) == VG_OK);
    T_EQ_INT(r->incomplete, 0);
    T_EQ_INT(r->nmatches, 1);
    T_EQ_INT(r->bytes_scanned, n + (8u << 20));
    vg_scanner_free(sc);
    shard_free(sh);
    free(g);
}

static void
test_filesize_limit_on_member(void)
{
    vg_scan_opts o;
    struct shard *sh = NULL;
    vg_db db;
    vg_scanner *sc;
    const vg_result *r;
    size_t n;
    uint8_t *g = gz(3u << 20, &n);

    open_db(&sh, &db);
    vg_scan_opts_default(&o);
    o.max_filesize = 1u << 20;
    sc = scanner(&o, &db);
    T_CHECK(vg_scan_mem(sc, g, n, &r) == VG_OK);
    T_CHECK(r->incomplete & VG_LIMIT_FILESIZE);
    T_EQ_STR(r->incomplete_where, "GZIP:");
    /* the first MiB of the stream was scanned, as clamscan does */
    T_EQ_INT(r->nmatches, 1);
    T_EQ_INT(r->bytes_scanned, n + (1u << 20));
    vg_scanner_free(sc);
    /* with --alert-exceeds-max the limit is an alert */
    o.flags |= VG_SCAN_ALERT_EXCEEDS_MAX;
    sc = scanner(&o, &db);
    T_CHECK(vg_scan_mem(sc, g, n, &r) == VG_OK);
    T_CHECK(r->infected);
    vg_scanner_free(sc);
    shard_free(sh);
    free(g);
}

int
main(void)
{
    T_RUN(test_sink_bound);
    T_RUN(test_inflate64_on_deflate);
    T_RUN(test_vba_decompress);
    T_RUN(test_pdf_filters);
    T_RUN(test_mail_encodings);
    T_RUN(test_htmlnorm);
    T_RUN(test_ratio_limit);
    T_RUN(test_filesize_limit_on_member);
    T_DONE();
}
