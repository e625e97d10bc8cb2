"""au3gen.py - compiled AutoIt executables for the AutoIt tests.

No AutoIt compiler runs on Linux, so the tests build what Aut2Exe
writes: a small PE with, appended, the AutoIt marker (a 16-byte GUID and
"AU3!EA05" or "AU3!EA06"), 16 bytes, and one record per stored file:

  magic, length + magic string, length + original name (both encrypted),
  compressed flag, stored size, declared size, checksum (XOR constants),
  16 bytes of file times, then the data, encrypted.

EA05 encrypts with MT19937 (a byte is bits 1..8 of an output) seeded with
0x22af plus the sum of the 16 bytes after the marker; EA06 with AutoIt's
lagged generator seeded with 0x2477, and counts its strings in UTF-16
characters. Compressed data is "EA05"/"EA06", the size big-endian, then
an LZSS bit stream (MSB first in 16-bit big-endian words; EA05 flags a
match with 1, EA06 with 0). The EA06 script is a token stream (keywords,
functions, numbers, names and XOR-masked UTF-16 strings, operators, one
0x7f per line) that clamscan turns back into text.

Library only (imported by tests/cli/test_autoit.py and
tests/fuzz/make_autoit_seeds.py). Python 3 standard library only.
"""

import struct

GUID = bytes.fromhex("a3484bbe986c4aa9994c530a86d6487d")
SCRIPT_MAGIC = ">>>AUTOIT SCRIPT<<<"
FILE_MAGIC = ">>>AUTOIT NO CMDEXECUTE<<<"
DEFAULT_HEAD = bytes(range(0x40, 0x50))  # the 16 bytes after the marker

EA05, EA06 = "EA05", "EA06"
_KEYS = {
    # record magic, string length, name length, sizes, checksum
    EA05: (0xCEB06DFF, 0x29BC, 0x29AC, 0x45AA, 0xC3D2),
    EA06: (0x52CA436B, 0xADBC, 0xF820, 0x87BC, 0xA685),
}


# ---- key streams ----------------------------------------------------------

def mt_stream(seed, n):
    """n bytes of EA05's key stream (MT19937 outputs >> 1)."""
    mt = [0] * 624
    mt[0] = seed & 0xFFFFFFFF
    for i in range(1, 624):
        mt[i] = (0x6C078965 * (mt[i - 1] ^ (mt[i - 1] >> 30)) + i) & 0xFFFFFFFF
    out = bytearray()
    idx = 624
    while len(out) < n:
        if idx >= 624:
            for i in range(624):
                y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7FFFFFFF)
                mt[i] = mt[(i + 397) % 624] ^ (y >> 1) ^ (0x9908B0DF if y & 1 else 0)
            idx = 0
        y = mt[idx]
        idx += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C5680
        y ^= (y << 15) & 0xEFC60000
        y ^= y >> 18
        out.append((y >> 1) & 0xFF)
    return bytes(out)


def _rotl(v, n):
    return ((v << n) | (v >> (32 - n))) & 0xFFFFFFFF


def lame_stream(seed, n):
    """n bytes of EA06's key stream."""
    g = []
    s = seed & 0xFFFF
    for _ in range(17):
        s = (1 - s * 0x53A9B4FB) & 0xFFFFFFFF
        g.append(s)
    c = [0, 10]

    def step():
        r = (_rotl(g[c[0]], 9) + _rotl(g[c[1]], 13)) & 0xFFFFFFFF
        g[c[0]] = r
        c[0] = c[0] - 1 if c[0] else 16
        c[1] = c[1] - 1 if c[1] else 16
        return r

    for _ in range(9):
        step()
    out = bytearray()
    for _ in range(n):
        step()
        out.append(step() >> 24)
    return bytes(out)


def crypt(ver, data, seed):
    ks = lame_stream(seed, len(data)) if ver == EA06 else mt_stream(seed, len(data))
    return bytes(a ^ b for a, b in zip(data, ks))


# ---- compression ----------------------------------------------------------

class _Bits:
    """MSB-first bits packed into 16-bit big-endian words."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, v, width):
        for i in range(width - 1, -1, -1):
            self.acc = (self.acc << 1) | ((v >> i) & 1)
            self.n += 1
            if self.n == 16:
                self.out += struct.pack(">H", self.acc)
                self.acc = 0
                self.n = 0

    def finish(self):
        if self.n:
            self.out += struct.pack(">H", self.acc << (16 - self.n))
            self.acc = 0
            self.n = 0
        return bytes(self.out)


def _length(bits, count):
    """A match length (>= 3) in the 2/3/5/8-bit and 255-run code."""
    v = count - 3
    if v < 3:
        bits.put(v, 2)
        return
    bits.put(3, 2)
    v -= 3
    if v < 7:
        bits.put(v, 3)
        return
    bits.put(7, 3)
    v -= 7
    if v < 31:
        bits.put(v, 5)
        return
    bits.put(31, 5)
    v -= 31
    if v < 255:
        bits.put(v, 8)
        return
    bits.put(255, 8)
    v -= 255
    while v >= 255:
        bits.put(255, 8)
        v -= 255
    bits.put(v, 8)


def compress(ver, data, literal_only=False, window=0x7FFF, max_len=5000):
    """ver's compressed form of data: magic, size, bit stream (greedy)."""
    match = 1 if ver == EA05 else 0
    bits = _Bits()
    index = {}
    i = 0
    while i < len(data):
        best_len, best_d = 0, 0
        if not literal_only and i + 3 <= len(data):
            for j in reversed(index.get(data[i:i + 3], [])):
                d = i - j
                if d > window:
                    break
                k = 0
                while i + k < len(data) and data[j + k] == data[i + k] and k < max_len:
                    k += 1
                if k > best_len:
                    best_len, best_d = k, d
                if k >= 64:
                    break
        if best_len >= 3:
            bits.put(match, 1)
            bits.put(best_d, 15)
            _length(bits, best_len)
            step = best_len
        else:
            bits.put(match ^ 1, 1)
            bits.put(data[i], 8)
            step = 1
        for k in range(i, min(i + step, len(data) - 2)):
            index.setdefault(data[k:k + 3], []).append(k)
        i += step
    return ver.encode() + struct.pack(">I", len(data)) + bits.finish()


# ---- EA06 script tokens ---------------------------------------------------

def kw(i):
    """Keyword by id (32 = FUNC, 4 = IF, 28 = LOCAL, ...)."""
    return b"\x00" + struct.pack("<I", i)


def fn(i):
    """Built-in function by id (249 = MSGBOX, 251 = OBJCREATE, ...)."""
    return b"\x01" + struct.pack("<I", i)


def int32(v):
    return b"\x05" + struct.pack("<I", v & 0xFFFFFFFF)


def int64(v):
    return b"\x10" + struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def double(v):
    return b"\x20" + struct.pack("<d", v)


# name tokens: 0x30 construct, 0x31 command, 0x32 macro (@), 0x33
# variable ($), 0x34 user function, 0x35 property (.), 0x36 string, 0x37
# directive
CONSTRUCT, COMMAND, MACRO, VAR, FUNC, OBJECT, STRING, DIRECTIVE = range(0x30, 0x38)


def name(op, text, raw=None):
    """A name or string token; raw gives the UTF-16 bytes as they are."""
    enc = raw if raw is not None else text.encode("utf-16-le")
    chars = len(enc) // 2
    mask = bytes([chars & 0xFF, (chars >> 8) & 0xFF]) * chars
    return bytes([op]) + struct.pack("<I", chars) + bytes(a ^ b for a, b in zip(enc, mask))


OPERS = [",", "=", ">", "<", "<>", ">=", "<=", "(", ")", "+", "-", "/", "*", "&", "[", "]",
         "==", "^", "+=", "-=", "/=", "*=", "&=", "?", ":"]


def op(s):
    return bytes([0x40 + OPERS.index(s)])


EOL = b"\x7f"


def script(lines, count=None):
    """A token stream: the line count, then each line's tokens and 0x7f."""
    body = b"".join(b"".join(toks) + EOL for toks in lines)
    return struct.pack("<I", len(lines) if count is None else count) + body


# ---- records and files ----------------------------------------------------

def record(ver, data, magic=FILE_MAGIC, name_="C:\\test\\file.bin", comp=True,
           literal_only=False, stream=None, csize=None, usize=None, head16=None):
    """One stored file. stream replaces the compressed form; csize/usize
    override the sizes written in the header; head16 is the file's 16 bytes
    after the marker (EA05 keys its data with their sum)."""
    rmagic, kstr, kname, ksize, kcrc = _KEYS[ver]
    if comp:
        payload = stream if stream is not None else compress(ver, data, literal_only)
    else:
        payload = data
    out = struct.pack("<I", rmagic)
    if ver == EA05:
        m = magic.encode("latin-1")
        n = name_.encode("latin-1")
        out += struct.pack("<I", len(m) ^ kstr) + crypt(ver, m, len(m) + 0xA25E)
        out += struct.pack("<I", len(n) ^ kname) + crypt(ver, n, len(n) + 0xF25E)
        seed = 0x22AF + sum(head16 if head16 is not None else DEFAULT_HEAD)
    else:
        m = magic.encode("utf-16-le")
        n = name_.encode("utf-16-le")
        out += struct.pack("<I", (len(m) // 2) ^ kstr) + crypt(ver, m, len(m) // 2 + 0xB33F)
        out += struct.pack("<I", (len(n) // 2) ^ kname) + crypt(ver, n, len(n) // 2 + 0xF479)
        seed = 0x2477
    cs = len(payload) if csize is None else csize
    us = len(data) if usize is None else usize
    out += bytes([1 if comp else 0])
    out += struct.pack("<III", cs ^ ksize, us ^ ksize, 0x12345678 ^ kcrc)
    out += bytes(range(16))  # file times
    return out + crypt(ver, payload, seed)


def small_pe():
    """A minimal PE32 with one section, the AutoIt interpreter's stand-in."""
    lfanew = 0x80
    h = bytearray(lfanew)
    h[0:2] = b"MZ"
    struct.pack_into("<I", h, 0x3C, lfanew)
    fh = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x14C, 1, 0, 0, 0, 0xE0, 0x10F)
    opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
                      0x10B, 8, 0, 0x200, 0, 0, 0x1000, 0x1000, 0x2000, 0x400000,
                      0x1000, 0x200, 4, 0, 0, 0, 4, 0, 0,
                      0x2000, 0x200, 0, 2, 0, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"\0" * (16 * 8)
    sh = struct.pack("<8sIIIIIIHHI", b".text", 0x200, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                     0x60000020)
    hdr = bytes(h) + fh + opt + sh
    text = b"\xc3" + b"\x90" * 0x1FF  # ret
    return hdr + b"\0" * (0x200 - len(hdr)) + text


def au3(ver, records, head16=None, pe=None):
    """The executable: the PE, the marker, 16 bytes, the records."""
    head16 = head16 if head16 is not None else DEFAULT_HEAD
    base = small_pe() if pe is None else pe
    return base + GUID + b"AU3!" + ver.encode() + head16 + b"".join(records)

