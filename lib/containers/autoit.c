/*
 * autoit.c - compiled AutoIt scripts, read as clamscan's cli_scanautoit
 * reads them.
 *
 * An AutoIt executable is a small PE interpreter with the compiled script
 * appended: a 16-byte GUID, "AU3!EA05" or "AU3!EA06", 16 bytes, then one
 * record per stored file (the script itself and the files FileInstall
 * embeds). clamscan finds the marker with its CL_TYPE_AUTOIT type
 * signature in a PE layer (embedded.c calls autoit_open) and, like it,
 * this reader takes each record in turn:
 *
 *   magic (4), length + magic string, length + original name, then a
 *   13-byte block (compressed flag, stored size, declared size, checksum,
 *   each size XOR a constant) and 16 bytes of file times; then the data.
 *
 * EA05 sizes count bytes and its data is XORed with an MT19937 key
 * stream seeded with 0x22af plus the sum of the 16 bytes after the
 * marker; EA06 sizes count UTF-16 characters and its key stream is
 * AutoIt's own lagged generator ("LAME" in ClamAV), seeded with 0x2477.
 * Compressed data ("EA05"/"EA06", the declared size big-endian, then a
 * bit stream read MSB first in 16-bit big-endian words) is an LZSS: a
 * flag bit (EA05: 1 is a match, EA06: 0), literals of 8 bits, matches of
 * a 15-bit distance and a length coded in 2, 3, 5, 8 bits and runs of
 * 255. In EA06 the file whose magic string is ">>>AUTOIT SCRIPT<<<" is a
 * token stream that clamscan turns back into text ("FUNC _Check( $sPath )"),
 * and that text, byte for byte as clamscan writes it, is what is scanned.
 *
 * Members are named as clamscan names its temporary files (autoit.001,
 * ...; EA06 counts a record before reading its data, EA05 after
 * extracting it). What clamscan does with broken data is kept: reading
 * stops at the first record that does not parse; a decompression error
 * keeps the bytes produced so far (EA05 with the zero literal clamscan
 * writes at the failing read); a tokeniser error keeps the text so far.
 * Deliberate differences, where clamscan reads memory it does not own: a
 * compressed record shorter than its 8-byte header is skipped, a match
 * at distance 0 copies zero bytes, a string token over 2^31 characters
 * ends the text. Sizes past the limits are recorded (incomplete), never
 * extracted.
 */
#include "containers/autoit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers/sink.h"
#include "core/rd.h"
#include "scan/scanner.h"

static const uint8_t marker[AUTOIT_MARKER_LEN] = {
    0xa3, 0x48, 0x4b, 0xbe, 0x98, 0x6c, 0x4a, 0xa9, 0x99, 0x4c, 0x53, 0x0a,
    0x86, 0xd6, 0x48, 0x7d, 'A',  'U',  '3',  '!',  'E',  'A',  '0'};

/* What differs between the two versions' records. */
struct ver {
    int ea06;
    uint32_t magic;    /* record magic, read little-endian */
    uint32_t str_key;  /* XOR of the magic string's length */
    uint32_t name_key; /* XOR of the original name's length */
    uint32_t size_key; /* XOR of the stored and declared sizes */
    const char *cmagic; /* compressed data's own magic */
};

static const struct ver ea05 = {0, 0xceb06dffu, 0x29bc, 0x29ac, 0x45aa, "EA05"};
static const struct ver ea06 = {1, 0x52ca436bu, 0xadbc, 0xf820, 0x87bc, "EA06"};

/* Token names of EA06 scripts, by id (ClamAV's tables, with its gaps). */
static const char *const keywords[] = {
    "UNKNOWN_0", "AND", "OR", "NOT", "IF", "THEN", "ELSE", "ELSEIF", "ENDIF", "WHILE", "WEND",
    "DO", "UNTIL", "FOR", "NEXT", "TO", "STEP", "IN", "EXITLOOP", "CONTINUELOOP", "SELECT",
    "CASE", "ENDSELECT", "SWITCH", "ENDSWITCH", "CONTINUECASE", "DIM", "REDIM", "LOCAL",
    "GLOBAL", "CONST", "STATIC", "FUNC", "ENDFUNC", "RETURN", "EXIT", "BYREF", "WITH",
    "ENDWITH", "TRUE", "FALSE", "DEFAULT", "NULL", "UNKNOWN_43", "ENUM"};

static const char *const functions[] = {
    "ABS", "ACOS", "ADLIBREGISTER", "ADLIBUNREGISTER", "ASC", "ASCW", "ASIN", "ASSIGN", "ATAN",
    "AUTOITSETOPTION", "AUTOITWINGETTITLE", "AUTOITWINSETTITLE", "BEEP", "BINARY", "BINARYLEN",
    "BINARYMID", "BINARYTOSTRING", "BITAND", "BITNOT", "BITOR", "BITROTATE", "BITSHIFT",
    "BITXOR", "BLOCKINPUT", "BREAK", "CALL", "CDTRAY", "CEILING", "CHR", "CHRW", "CLIPGET",
    "CLIPPUT", "CONSOLEREAD", "CONSOLEWRITE", "CONSOLEWRITEERROR", "CONTROLCLICK",
    "CONTROLCOMMAND", "CONTROLDISABLE", "CONTROLENABLE", "CONTROLFOCUS", "CONTROLGETFOCUS",
    "CONTROLGETHANDLE", "CONTROLGETPOS", "CONTROLGETTEXT", "CONTROLHIDE", "CONTROLLISTVIEW",
    "CONTROLMOVE", "CONTROLSEND", "CONTROLSETTEXT", "CONTROLSHOW", "CONTROLTREEVIEW", "COS",
    "DEC", "DIRCOPY", "DIRCREATE", "DIRGETSIZE", "DIRMOVE", "DIRREMOVE", "DLLCALL",
    "DLLCALLADDRESS", "DLLCALLBACKFREE", "DLLCALLBACKGETPTR", "DLLCALLBACKREGISTER",
    "DLLCLOSE", "DLLOPEN", "DLLSTRUCTCREATE", "DLLSTRUCTGETDATA", "DLLSTRUCTGETPTR",
    "DLLSTRUCTGETSIZE", "DLLSTRUCTSETDATA", "DRIVEGETDRIVE", "DRIVEGETFILESYSTEM",
    "DRIVEGETLABEL", "DRIVEGETSERIAL", "DRIVEGETTYPE", "DRIVEMAPADD", "DRIVEMAPDEL",
    "DRIVEMAPGET", "DRIVESETLABEL", "DRIVESPACEFREE", "DRIVESPACETOTAL", "DRIVESTATUS",
    "ENVGET", "ENVSET", "ENVUPDATE", "EVAL", "EXECUTE", "EXP", "FILECHANGEDIR", "UNKNOWN_89",
    "FILECLOSE", "FILECOPY", "FILECREATENTFSLINK", "FILECREATESHORTCUT", "FILEDELETE",
    "FILEEXISTS", "FILEFINDFIRSTFILE", "FILEFINDNEXTFILE", "FILEFLUSH", "FILEGETATTRIB",
    "FILEGETENCODING", "FILEGETLONGNAME", "FILEGETPOS", "FILEGETSHORTCUT", "FILEGETSHORTNAME",
    "FILEGETSIZE", "FILEGETTIME", "FILEGETVERSION", "FILEINSTALL", "FILEMOVE", "FILEOPEN",
    "FILEOPENDIALOG", "FILEREAD", "FILEREADLINE", "FILEREADTOARRAY", "FILERECYCLE",
    "FILERECYCLEEMPTY", "FILESAVEDIALOG", "FILESELECTFOLDER", "FILESETATTRIB", "FILESETEND",
    "FILESETPOS", "FILESETTIME", "FILEWRITE", "FILEWRITELINE", "FLOOR", "FTPSETPROXY",
    "FUNCNAME", "GUICREATE", "GUICTRLCREATEAVI", "GUICTRLCREATEBUTTON",
    "GUICTRLCREATECHECKBOX", "GUICTRLCREATECOMBO", "GUICTRLCREATECONTEXTMENU",
    "GUICTRLCREATEDATE", "GUICTRLCREATEDUMMY", "GUICTRLCREATEEDIT", "GUICTRLCREATEGRAPHIC",
    "GUICTRLCREATEGROUP", "GUICTRLCREATEICON", "GUICTRLCREATEINPUT", "GUICTRLCREATELABEL",
    "GUICTRLCREATELIST", "GUICTRLCREATELISTVIEW", "GUICTRLCREATELISTVIEWITEM",
    "GUICTRLCREATEMENU", "GUICTRLCREATEMENUITEM", "GUICTRLCREATEMONTHCAL", "GUICTRLCREATEOBJ",
    "GUICTRLCREATEPIC", "GUICTRLCREATEPROGRESS", "GUICTRLCREATERADIO", "GUICTRLCREATESLIDER",
    "GUICTRLCREATETAB", "GUICTRLCREATETABITEM", "GUICTRLCREATETREEVIEW",
    "GUICTRLCREATETREEVIEWITEM", "GUICTRLCREATEUPDOWN", "GUICTRLDELETE", "GUICTRLGETHANDLE",
    "GUICTRLGETSTATE", "GUICTRLREAD", "GUICTRLRECVMSG", "GUICTRLREGISTERLISTVIEWSORT",
    "GUICTRLSENDMSG", "GUICTRLSENDTODUMMY", "GUICTRLSETBKCOLOR", "GUICTRLSETCOLOR",
    "GUICTRLSETCURSOR", "GUICTRLSETDATA", "GUICTRLSETDEFBKCOLOR", "GUICTRLSETDEFCOLOR",
    "GUICTRLSETFONT", "GUICTRLSETGRAPHIC", "GUICTRLSETIMAGE", "GUICTRLSETLIMIT",
    "GUICTRLSETONEVENT", "GUICTRLSETPOS", "GUICTRLSETRESIZING", "GUICTRLSETSTATE",
    "GUICTRLSETSTYLE", "GUICTRLSETTIP", "GUIDELETE", "GUIGETCURSORINFO", "GUIGETMSG",
    "GUIGETSTYLE", "GUIREGISTERMSG", "GUISETACCELERATORS", "GUISETBKCOLOR", "GUISETCOORD",
    "GUISETCURSOR", "GUISETFONT", "GUISETHELP", "GUISETICON", "GUISETONEVENT", "GUISETSTATE",
    "GUISETSTYLE", "GUISTARTGROUP", "GUISWITCH", "HEX", "HOTKEYSET", "HTTPSETPROXY",
    "HTTPSETUSERAGENT", "HWND", "INETCLOSE", "INETGET", "INETGETINFO", "INETGETSIZE",
    "INETREAD", "INIDELETE", "INIREAD", "INIREADSECTION", "INIREADSECTIONNAMES",
    "INIRENAMESECTION", "INIWRITE", "INIWRITESECTION", "INPUTBOX", "INT", "ISADMIN", "ISARRAY",
    "ISBINARY", "ISBOOL", "ISDECLARED", "ISDLLSTRUCT", "ISFLOAT", "ISFUNC", "ISHWND", "ISINT",
    "ISKEYWORD", "UNKNOWN_229", "ISNUMBER", "ISOBJ", "ISPTR", "ISSTRING", "LOG", "MEMGETSTATS",
    "UNKNOWN_235", "UNKNOWN_236", "UNKNOWN_237", "UNKNOWN_238", "MOD", "MOUSECLICK",
    "MOUSECLICKDRAG", "MOUSEDOWN", "MOUSEGETCURSOR", "MOUSEGETPOS", "MOUSEMOVE", "MOUSEUP",
    "MOUSEWHEEL", "MSGBOX", "NUMBER", "OBJCREATE", "OBJCREATEINTERFACE", "OBJEVENT", "OBJGET",
    "OBJNAME", "ONAUTOITEXITREGISTER", "ONAUTOITEXITUNREGISTER", "OPT", "PING",
    "PIXELCHECKSUM", "PIXELGETCOLOR", "PIXELSEARCH", "PROCESSCLOSE", "PROCESSEXISTS",
    "PROCESSGETSTATS", "PROCESSLIST", "PROCESSSETPRIORITY", "PROCESSWAIT", "PROCESSWAITCLOSE",
    "PROGRESSOFF", "PROGRESSON", "PROGRESSSET", "PTR", "RANDOM", "REGDELETE", "REGENUMKEY",
    "REGENUMVAL", "REGREAD", "REGWRITE", "ROUND", "RUN", "RUNAS", "RUNASWAIT", "RUNWAIT",
    "SEND", "SENDKEEPACTIVE", "SETERROR", "SETEXTENDED", "SHELLEXECUTE", "SHELLEXECUTEWAIT",
    "SHUTDOWN", "SIN", "SLEEP", "SOUNDPLAY", "SOUNDSETWAVEVOLUME", "SPLASHIMAGEON",
    "SPLASHOFF", "SPLASHTEXTON", "SQRT", "SRANDOM", "STATUSBARGETTEXT", "STDERRREAD",
    "STDINWRITE", "STDIOCLOSE", "STDOUTREAD", "STRING", "STRINGADDCR", "STRINGCOMPARE",
    "STRINGFORMAT", "STRINGFROMASCIIARRAY", "STRINGINSTR", "STRINGISALNUM", "STRINGISALPHA",
    "STRINGISASCII", "STRINGISDIGIT", "STRINGISFLOAT", "STRINGISINT", "STRINGISLOWER",
    "STRINGISSPACE", "STRINGISUPPER", "STRINGISXDIGIT", "STRINGLEFT", "STRINGLEN",
    "STRINGLOWER", "STRINGMID", "STRINGREGEXP", "STRINGREGEXPREPLACE", "STRINGREPLACE",
    "STRINGREVERSE", "STRINGRIGHT", "STRINGSPLIT", "STRINGSTRIPCR", "STRINGSTRIPWS",
    "STRINGTOASCIIARRAY", "STRINGTOBINARY", "STRINGTRIMLEFT", "STRINGTRIMRIGHT",
    "STRINGUPPER", "TAN", "TCPACCEPT", "TCPCLOSESOCKET", "TCPCONNECT", "TCPLISTEN",
    "TCPNAMETOIP", "TCPRECV", "TCPSEND", "TCPSHUTDOWN,", "TCPSTARTUP,", "TIMERDIFF",
    "TIMERINIT", "TOOLTIP", "TRAYCREATEITEM", "TRAYCREATEMENU", "TRAYGETMSG",
    "TRAYITEMDELETE", "TRAYITEMGETHANDLE", "TRAYITEMGETSTATE", "TRAYITEMGETTEXT",
    "TRAYITEMSETONEVENT", "TRAYITEMSETSTATE", "TRAYITEMSETTEXT", "TRAYSETCLICK",
    "TRAYSETICON", "TRAYSETONEVENT", "TRAYSETPAUSEICON", "TRAYSETSTATE", "TRAYSETTOOLTIP",
    "TRAYTIP", "UBOUND", "UDPBIND", "UDPCLOSESOCKET", "UDPOPEN", "UDPRECV", "UDPSEND",
    "UNKNOWN_375", "UNKNOWN_376", "VARGETTYPE", "WINACTIVATE", "WINACTIVE", "WINCLOSE",
    "WINEXISTS", "WINFLASH", "WINGETCARETPOS", "WINGETCLASSLIST", "WINGETCLIENTSIZE",
    "WINGETHANDLE", "WINGETPOS", "WINGETPROCESS", "WINGETSTATE", "WINGETTEXT", "WINGETTITLE",
    "WINKILL", "WINLIST", "WINMENUSELECTITEM", "WINMINIMIZEALL", "WINMINIMIZEALLUNDO",
    "WINMOVE", "WINSETONTOP", "WINSETSTATE", "WINSETTITLE", "WINSETTRANS", "WINWAIT",
    "WINWAITACTIVE", "WINWAITCLOSE", "WINWAITNOTACTIVE"};

/* Operators 0x40..0x58 and the prefixes of the name tokens 0x30..0x37. */
static const char *const opers[] = {",", "=", ">", "<", "<>", ">=", "<=", "(", ")",
                                    "+", "-", "/", "*", "&", "[", "]", "==", "^",
                                    "+=", "-=", "/=", "*=", "&=", "?", ":"};
static const char prefixes[8] = {0, 0, '@', '$', 0, '.', '"', 0};

#define NKEYWORDS (sizeof(keywords) / sizeof(keywords[0]))
#define NFUNCTIONS (sizeof(functions) / sizeof(functions[0]))
#define NOPERS (sizeof(opers) / sizeof(opers[0]))

/* ---- key streams --------------------------------------------------------- */

/* MT19937; EA05 uses bits 1..8 of each tempered output. */
struct mt {
    uint32_t s[624];
    unsigned i;
};

static void
mt_seed(struct mt *m, uint32_t seed)
{
    m->s[0] = seed;
    for (uint32_t i = 1; i < 624; i++)
        m->s[i] = 0x6c078965u * (m->s[i - 1] ^ (m->s[i - 1] >> 30)) + i;
    m->i = 624;
}

static uint8_t
mt_byte(struct mt *m)
{
    uint32_t y;

    if (m->i >= 624) {
        for (unsigned i = 0; i < 624; i++) {
            y = (m->s[i] & 0x80000000u) | (m->s[(i + 1) % 624] & 0x7fffffffu);
            m->s[i] = m->s[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) ? 0x9908b0dfu : 0);
        }
        m->i = 0;
    }
    y = m->s[m->i++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return (uint8_t)(y >> 1);
}

/* EA06's generator: 17 words, two taps. ClamAV turns each output into a
 * double in [0,1) and multiplies by 256; that is exactly the top byte. */
struct lame {
    uint32_t g[17];
    unsigned c0, c1;
};

static uint32_t
rotl(uint32_t v, unsigned n)
{
    return v << n | v >> (32 - n);
}

static uint32_t
lame_step(struct lame *l)
{
    uint32_t r = rotl(l->g[l->c0], 9) + rotl(l->g[l->c1], 13);

    l->g[l->c0] = r;
    l->c0 = l->c0 ? l->c0 - 1 : 16;
    l->c1 = l->c1 ? l->c1 - 1 : 16;
    return r;
}

static void
lame_seed(struct lame *l, uint32_t seed)
{
    for (unsigned i = 0; i < 17; i++) {
        seed = 1u - seed * 0x53a9b4fbu;
        l->g[i] = seed;
    }
    l->c0 = 0;
    l->c1 = 10;
    for (unsigned i = 0; i < 9; i++)
        (void)lame_step(l);
}

static uint8_t
lame_byte(struct lame *l)
{
    (void)lame_step(l);
    return (uint8_t)(lame_step(l) >> 24);
}

/* XOR p[0..n) with the version's key stream started from seed. */
static void
decrypt(const struct ver *v, uint8_t *p, size_t n, uint32_t seed)
{
    if (v->ea06) {
        struct lame l;
        lame_seed(&l, seed & 0xffffu);
        for (size_t i = 0; i < n; i++)
            p[i] ^= lame_byte(&l);
    } else {
        struct mt m;
        mt_seed(&m, seed);
        for (size_t i = 0; i < n; i++)
            p[i] ^= mt_byte(&m);
    }
}

/* ---- decompression ------------------------------------------------------- */

/* MSB-first bits from 16-bit big-endian words, as ClamAV's getbits: a read
 * that needs more words than are left fails and returns 0. */
struct bits {
    const uint8_t *p;
    size_t n, pos;
    uint32_t word;
    unsigned avail;
    int err;
};

static uint32_t
getbits(struct bits *b, unsigned size)
{
    uint32_t v = 0;

    if (size > b->avail && (size_t)((size - b->avail - 1) / 16 + 1) * 2 > b->n - b->pos) {
        b->err = 1;
        return 0;
    }
    while (size--) {
        if (b->avail == 0) {
            b->word = (uint32_t)b->p[b->pos] << 8 | b->p[b->pos + 1];
            b->pos += 2;
            b->avail = 16;
        }
        v = v << 1 | ((b->word >> 15) & 1);
        b->word = (b->word << 1) & 0xffffu;
        b->avail--;
    }
    return v;
}

/* Decode in[8..n) (the bit stream after the magic and size) into s, up to
 * usize bytes; on an error s keeps what was decoded. -1: out of memory. */
static int
lz_decode(const struct ver *v, const uint8_t *in, size_t n, uint32_t usize, struct sink *s)
{
    struct bits b = {in, n, 8, 0, 0, 0};
    uint32_t match_flag = v->ea06 ? 0 : 1;

    while (!b.err && s->len < usize) {
        if (getbits(&b, 1) == match_flag) {
            uint32_t dist = getbits(&b, 15), bs;
            uint64_t add = 0, count;

            if ((bs = getbits(&b, 2)) == 3) {
                add = 3;
                if ((bs = getbits(&b, 3)) == 7) {
                    add = 10;
                    if ((bs = getbits(&b, 5)) == 31) {
                        add = 41;
                        if ((bs = getbits(&b, 8)) == 255) {
                            add = 296;
                            /* each round reads 8 bits: bounded by the input */
                            while ((bs = getbits(&b, 8)) == 255)
                                add += 255;
                        }
                    }
                }
            }
            if (b.err)
                break;
            count = bs + 3 + add;
            if (count > usize - s->len || dist > s->len)
                break;
            for (uint64_t k = 0; k < count; k++) {
                /* distance 0 reads the byte being written: never written, 0 */
                uint8_t c = dist ? s->p[s->len - dist] : 0;
                if (sink_byte(s, c))
                    return -1;
            }
        } else {
            /* a failed read still writes its zero byte, as ClamAV does */
            uint8_t c = (uint8_t)getbits(&b, 8);
            if (sink_byte(s, c))
                return -1;
        }
    }
    return 0;
}

/* ---- EA06 script tokens -------------------------------------------------- */

/* ClamAV's UTF-16 to ASCII step, in place: a BOM is dropped, text whose
 * first 20 bytes look like UTF-16LE keeps its even bytes, anything else
 * is left as it is. */
static void
u2a(uint8_t *p, size_t len)
{
    const uint8_t *src = p;
    size_t i, j;

    if (len < 2)
        return;
    if (len > 4 && p[0] == 0xff && p[1] == 0xfe && p[2]) {
        len -= 2;
        src += 2;
    } else {
        size_t cnt = 0;
        j = len > 20 ? 20 : (len & ~(size_t)1);
        for (i = 0; i < j; i += 2)
            cnt += src[i] != 0 && src[i + 1] == 0;
        if (cnt * 4 < j)
            return;
    }
    for (i = 0, j = 0; i < len; i += 2)
        p[j++] = src[i];
}

static int
put(struct sink *s, const void *p, size_t n)
{
    return sink_write(s, p, n);
}

static int
puts_sp(struct sink *s, const char *str)
{
    return put(s, str, strlen(str)) || put(s, " ", 1);
}

/* Turn the token stream in[0..n) (n >= 4; changed in place) into the text
 * clamscan writes. Stops at the end of its lines, of the input or at a
 * token that does not parse; s keeps the text so far. -1: the sink is full
 * or out of memory. */
static int
detokenize(uint8_t *in, size_t n, struct sink *s)
{
    uint32_t lines = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
                     (uint32_t)in[3] << 24;
    size_t pos = 4;
    char tmp[48];

    while (lines && pos < n) {
        uint8_t op = in[pos++];
        uint32_t v32 = 0;
        uint64_t v64 = 0;

        if (op == 0x00 || op == 0x01) { /* keyword, function */
            if (pos >= n - 4)
                return 0;
            (void)rd_u32le(in, n, pos, &v32);
            if (v32 >= (op ? NFUNCTIONS : NKEYWORDS))
                return 0;
            pos += 4;
            if (puts_sp(s, op ? functions[v32] : keywords[v32]))
                return -1;
        } else if (op == 0x05) { /* 32-bit integer */
            if (pos >= n - 4)
                return 0;
            (void)rd_u32le(in, n, pos, &v32);
            pos += 4;
            snprintf(tmp, sizeof(tmp), "0x%08" PRIx32 " ", v32);
            if (put(s, tmp, strlen(tmp)))
                return -1;
        } else if (op == 0x10 || op == 0x20) { /* 64-bit integer, double */
            if (n < 8 || pos >= n - 8)
                return 0;
            (void)rd_u64le(in, n, pos, &v64);
            pos += 8;
            if (op == 0x10) {
                /* ClamAV adds the low half as a signed 32-bit value */
                uint64_t lo = v64 & 0xffffffffu;
                if (lo & 0x80000000u)
                    lo |= 0xffffffff00000000u;
                v64 = (v64 & 0xffffffff00000000u) + lo;
                snprintf(tmp, sizeof(tmp), "0x%016" PRIx64 " ", v64);
            } else {
                double d;
                memcpy(&d, &v64, sizeof(d));
                snprintf(tmp, 39, "%g ", d);
            }
            if (put(s, tmp, strlen(tmp)))
                return -1;
        } else if (op >= 0x30 && op <= 0x37) { /* names and strings, UTF-16 */
            uint32_t chars = 0;
            size_t dchars;

            if (pos >= n - 4)
                return 0;
            (void)rd_u32le(in, n, pos, &chars);
            pos += 4;
            if (chars > 0x7fffffffu)
                return 0;
            dchars = (size_t)chars * 2;
            if (n < dchars || pos >= n - dchars)
                return 0;
            if (prefixes[op - 0x30] && put(s, &prefixes[op - 0x30], 1))
                return -1;
            if (chars) {
                for (size_t i = 0; i < dchars; i += 2) {
                    in[pos + i] ^= (uint8_t)chars;
                    in[pos + i + 1] ^= (uint8_t)(chars >> 8);
                }
                u2a(in + pos, dchars);
                if (put(s, in + pos, chars))
                    return -1;
                pos += dchars;
            }
            if (op == 0x36 && put(s, "\"", 1))
                return -1;
            if (op != 0x34 && put(s, " ", 1))
                return -1;
        } else if (op >= 0x40 && (size_t)op < 0x40 + NOPERS) {
            if (puts_sp(s, opers[op - 0x40]))
                return -1;
        } else if (op == 0x7f) {
            lines--;
            if (put(s, "\n", 1))
                return -1;
        } else {
            return 0;
        }
    }
    return 0;
}

/* ---- records --------------------------------------------------------------- */

struct au3 {
    struct walk *w;
    const struct ver *v;
    const uint8_t *b;
    size_t len;
    uint64_t off;    /* next record */
    uint32_t seed;   /* key of the files' data */
    unsigned files;  /* clamscan's temporary file number */
};

/* One record's header. */
struct rec {
    int script;      /* EA06: the magic string is ">>>AUTOIT SCRIPT<<<" */
    uint8_t comp;
    uint32_t csize;  /* stored size */
    uint32_t dsize;  /* declared size */
    uint64_t data;   /* offset of the data */
};

/* Length field at off: the length in bytes it gives (EA06 counts UTF-16
 * units, in 32 bits as ClamAV does), *units the raw count. 0 when the
 * field is missing or ClamAV takes the length as negative. */
static int
str_len(const struct au3 *a, uint64_t off, uint32_t key, uint32_t *units, uint32_t *bytes)
{
    uint32_t s;

    if (rd_u32le(a->b, a->len, off, &s))
        return 0;
    s ^= key;
    *units = s;
    *bytes = a->v->ea06 ? s * 2u : s;
    return *bytes < 0x80000000u;
}

/* Whether the magic string of n units at off says "this is the script". */
static int
is_script(const struct au3 *a, uint64_t off, uint32_t n)
{
    static const char tag[] = ">>>AUTOIT SCRIPT<<<";
    uint8_t t[38];

    if (!a->v->ea06 || n != 19 || !rd_ok(a->len, off, sizeof(t)))
        return 0;
    memcpy(t, a->b + off, sizeof(t));
    decrypt(a->v, t, sizeof(t), n + 0xb33fu);
    u2a(t, sizeof(t));
    return memcmp(t, tag, 19) == 0;
}

/* Read the record at a->off into r. 0 when there is none: wrong magic,
 * truncated header, a length ClamAV takes as negative. */
static int
read_rec(const struct au3 *a, struct rec *r)
{
    uint64_t off = a->off;
    uint32_t magic, units, bytes;

    memset(r, 0, sizeof(*r));
    if (rd_u32le(a->b, a->len, off, &magic) || magic != a->v->magic)
        return 0;
    if (!str_len(a, off + 4, a->v->str_key, &units, &bytes))
        return 0;
    /* ClamAV reads the EA06 magic string only when it is short */
    if (a->v->ea06 && units < 300 && !rd_ok(a->len, off + 8, bytes))
        return 0;
    r->script = is_script(a, off + 8, units);
    off += 8 + (uint64_t)bytes;
    if (!str_len(a, off, a->v->name_key, &units, &bytes))
        return 0;
    off += 4 + (uint64_t)bytes;
    if (!rd_ok(a->len, off, 13))
        return 0;
    r->comp = a->b[off];
    (void)rd_u32le(a->b, a->len, off + 1, &r->csize);
    (void)rd_u32le(a->b, a->len, off + 5, &r->dsize);
    r->csize ^= a->v->size_key;
    r->dsize ^= a->v->size_key;
    if (r->csize >= 0x80000000u)
        return 0;
    r->data = off + 13 + 16;
    return 1;
}

/* Whether n bytes of the member may be extracted; when not, the limit is
 * recorded (the scan is incomplete, never clean) and *st set. */
static int
fits(struct au3 *a, const struct member *m, uint64_t n, vg_status *st)
{
    const struct vg_scanner *sc;
    const vg_scan_opts *o;
    uint32_t bit = VG_LIMIT_RATIO;

    if (n < walk_cap(a->w, m))
        return 1;
    sc = a->w->sc;
    o = &sc->opts;
    if (o->max_filesize && n > o->max_filesize)
        bit = VG_LIMIT_FILESIZE;
    else if (o->max_scansize && (sc->scanned >= o->max_scansize || n > o->max_scansize - sc->scanned))
        bit = VG_LIMIT_SCANSIZE;
    *st = walk_limit(a->w, bit);
    return 0;
}

/* Scan an extracted file (or script text) as member autoit.NNN. */
static vg_status
scan_member(struct au3 *a, struct member *m, const uint8_t *p, size_t n, unsigned flags)
{
    char name[24];
    int go;
    vg_status st;

    snprintf(name, sizeof(name), "autoit.%03u", a->files);
    m->name = name;
    if ((st = walk_announce(a->w, m, &go)) != VG_OK || !go)
        return st;
    return walk_scan(a->w, m, p, n, flags);
}

/* The script's text from its tokens, then scanned. */
static vg_status
scan_script(struct au3 *a, struct member *m, uint8_t *p, size_t n)
{
    struct sink s;
    vg_status st;

    sink_init(&s, walk_cap(a->w, m));
    if (detokenize(p, n, &s) && s.nomem) {
        sink_free(&s);
        return VG_ENOMEM;
    }
    st = scan_member(a, m, s.p != NULL ? s.p : (const uint8_t *)"", s.len,
                     s.over ? WALK_TRUNCATED : 0);
    sink_free(&s);
    return st;
}

/* Extract the data of record r (a->off is at its data) and scan it. */
static vg_status
extract(struct au3 *a, const struct rec *r, struct member *m)
{
    struct sink s;
    uint8_t *in = NULL;
    const uint8_t *out;
    size_t olen;
    uint32_t usize;
    vg_status st = VG_OK;

    memset(&s, 0, sizeof(s));
    if (!rd_ok(a->len, a->off, r->csize)) {
        a->off = UINT64_MAX; /* truncated: nothing after it */
        return VG_OK;
    }
    if ((in = malloc(r->csize)) == NULL)
        return VG_ENOMEM;
    memcpy(in, a->b + a->off, r->csize);
    a->off += r->csize;
    decrypt(a->v, in, r->csize, a->seed);
    out = in;
    olen = r->csize;
    if (r->comp == 1) {
        /* ClamAV reads the 8-byte header of shorter data out of bounds */
        if (r->csize < 8 || memcmp(in, a->v->cmagic, 4) != 0)
            goto out;
        usize = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 | (uint32_t)in[6] << 8 | in[7];
        if (usize == 0)
            usize = r->csize;
        if (!fits(a, m, usize, &st))
            goto out;
        sink_init(&s, usize);
        if (lz_decode(a->v, in, r->csize, usize, &s)) {
            st = VG_ENOMEM;
            goto out;
        }
        out = s.p;
        olen = s.len;
    }
    if (olen < 4)
        goto out;
    if (!a->v->ea06)
        a->files++;
    if (r->script)
        st = scan_script(a, m, out == in ? in : s.p, olen);
    else
        st = scan_member(a, m, out, olen, 0);
out:
    sink_free(&s);
    free(in);
    return st;
}

vg_status
autoit_walk(struct walk *w)
{
    struct au3 a;
    struct rec r;
    vg_status st = VG_OK;

    if (w->len < AUTOIT_MARKER_LEN + 1 || memcmp(w->buf, marker, AUTOIT_MARKER_LEN) != 0)
        return VG_OK;
    memset(&a, 0, sizeof(a));
    a.w = w;
    a.b = w->buf;
    a.len = w->len;
    a.off = AUTOIT_MARKER_LEN + 1;
    switch (w->buf[AUTOIT_MARKER_LEN]) {
    case '5':
        a.v = &ea05;
        if (!rd_ok(a.len, a.off, 16))
            return VG_OK;
        a.seed = 0x22af;
        for (unsigned i = 0; i < 16; i++)
            a.seed += a.b[a.off + i];
        break;
    case '6':
        a.v = &ea06;
        a.seed = 0x2477;
        break;
    default:
        return VG_OK;
    }
    a.off += 16;
    /* every round moves a.off forward by at least 41 bytes */
    while (st == VG_OK && !walk_done(w) && read_rec(&a, &r)) {
        struct member m;

        a.off = r.data;
        if (r.csize == 0)
            continue;
        memset(&m, 0, sizeof(m));
        m.csize = r.csize;
        m.usize = r.dsize;
        if (!fits(&a, &m, r.csize, &st)) {
            a.off += r.csize;
            continue;
        }
        /* ClamAV goes on at the data itself, which is no record */
        if (r.comp == 1 && r.csize < 4)
            continue;
        if (a.v->ea06)
            a.files++;
        st = extract(&a, &r, &m);
    }
    return st != VG_OK ? st : w->err;
}

vg_status
autoit_open(struct vg_scanner *sc, const uint8_t *buf, size_t len, const struct layer_ctx *lc)
{
    struct walk w;
    vg_status st;

    walk_start(&w, sc, lc, buf, len, FT_AUTOIT, "AUTOIT");
    if (walk_done(&w))
        return w.err;
    st = autoit_walk(&w);
    return st != VG_OK ? st : w.err;
}
