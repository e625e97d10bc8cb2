"""pepack.py - small packed Windows executables for the unpacker tests.

No packer runs on Linux here (Debian ships no UPX), so the tests build
what a packer would write: the NRV2B/2D/2E compressors below produce the
bit streams UPX's stubs decode (32-bit little-endian bit words, MSB
first, interleaved with literal and offset bytes), and build_upx() lays
them out as a UPX-packed PE: an empty UPX0 section, UPX1 with the
compressed image and a stub whose code at EP+0x69 names the decoder and
whose "lea edi, [esi+imports]" at EP+0x106 points at the import table
behind which the original PE header follows (when one is given).

Library only (imported by tests/cli/test_unpack.py and
tests/fuzz/make_unpack_seeds.py).
Python 3 standard library only.
"""

import struct

NRV2B, NRV2D, NRV2E = "2b", "2d", "2e"

# 24-byte pieces of the three stubs' decoding loops, as ClamAV looks for
# them at EP+0x69 (the first 13 bytes are enough).
STUB = {
    NRV2B: bytes.fromhex("11db11c901db75078b1e83eefc11db11c911c975204101db"),
    NRV2D: bytes.fromhex("83f0ff7478d1f889c5eb0b01db75078b1e83eefc11db11c9"),
    NRV2E: bytes.fromhex("eb5231c983e8037211c1e0088a064683f0ff7475d1f889c5"),
}
# where the stub keeps the import pointer, relative to EP (first of each)
MAGIC = {NRV2B: 0x108, NRV2D: 0x11C, NRV2E: 0x128}


class _Bits:
    """Bit words reserved in the output when their first bit is written."""

    def __init__(self):
        self.out = bytearray()
        self.wpos = 0
        self.n = 0
        self.word = 0

    def bit(self, b):
        if self.n == 0:
            self.wpos = len(self.out)
            self.out += b"\0\0\0\0"
        self.word = (self.word << 1) | (b & 1)
        self.n += 1
        if self.n == 32:
            self.out[self.wpos:self.wpos + 4] = struct.pack("<I", self.word)
            self.n = 0
            self.word = 0

    def byte(self, c):
        self.out.append(c & 0xFF)

    def finish(self):
        if self.n:
            w = self.word << (32 - self.n)
            self.out[self.wpos:self.wpos + 4] = struct.pack("<I", w & 0xFFFFFFFF)
            self.n = 0
        return bytes(self.out)


def _gamma(bits, v):
    """v >= 2: the bits after the top one, each followed by 0 (more) or 1."""
    s = bin(v)[3:]
    for i, c in enumerate(s):
        bits.bit(int(c))
        bits.bit(1 if i == len(s) - 1 else 0)


def _ss12_bits(t):
    """2D/2E offset prefix bits for t >= 2. The decoder starts at v = 1
    and per step reads b1 (v = 2v + b1) and a stop bit; going on, it reads
    b2 (v = 2(v - 1) + b2). Built backwards from t."""
    chain = []
    u = t
    # the last step stops: t = 2v + b1
    last_b1 = u & 1
    v = u >> 1
    while v != 1:
        b2 = v & 1
        w = (v >> 1) + 1
        chain.append((w & 1, b2))
        v = w >> 1
    bits = []
    for b1, b2 in reversed(chain):
        bits += [b1, 0, b2]
    bits += [last_b1, 1]
    return bits


def _prefix(bits, kind, v):
    if kind == NRV2B:
        _gamma(bits, v)
        return
    for b in _ss12_bits(v):
        bits.bit(b)


def _far(kind, d):
    return d > (0xD00 if kind == NRV2B else 0x500)


def _match(bits, kind, d, count, last):
    """A back reference of count bytes at distance d."""
    bits.bit(0)
    far = 1 if _far(kind, d) else 0
    if kind == NRV2B:
        n = count - 1 - far
        if d == last:
            _prefix(bits, kind, 2)
        else:
            x = d - 1
            _prefix(bits, kind, (x >> 8) + 3)
            bits.byte(x & 0xFF)
        if 1 <= n <= 3:
            bits.bit(n >> 1)
            bits.bit(n & 1)
        else:
            bits.bit(0)
            bits.bit(0)
            _gamma(bits, n - 2)
        return
    if kind == NRV2D:
        n = count - 1 - far
        first, rest = (n >> 1, [n & 1]) if 1 <= n <= 3 else (0, None)
    else:
        n = count - 2 - far
        if n in (0, 1):
            first, rest = 1, [n]
        elif n in (2, 3):
            first, rest = 0, [1, n - 2]
        else:
            first, rest = 0, [0]
    if d == last:
        _prefix(bits, kind, 2)
        bits.bit(first)
    else:
        x = ((d - 1) << 1) | (1 - first)
        _prefix(bits, kind, (x >> 8) + 3)
        bits.byte(x & 0xFF)
    if kind == NRV2D:
        if rest is None:
            bits.bit(0)
            _gamma(bits, n - 2)
        else:
            bits.bit(rest[0])
    else:
        for b in rest:
            bits.bit(b)
        if n >= 4:
            _gamma(bits, n - 2)


def compress(data, kind=NRV2B, window=0x8000, literal_only=False):
    """NRV2B/2D/2E stream of data (greedy, naive search: for tests)."""
    bits = _Bits()
    i, last = 0, -1
    index = {}
    while i < len(data):
        best_len, best_d = 0, 0
        if not literal_only and i + 3 <= len(data):
            for j in reversed(index.get(data[i:i + 3], [])):
                d = i - j
                if d > window:
                    break
                k = 0
                while i + k < len(data) and data[j + k] == data[i + k] and k < 4096:
                    k += 1
                if k > best_len:
                    best_len, best_d = k, d
        if best_len >= 3 + (1 if _far(kind, best_d) else 0):
            _match(bits, kind, best_d, best_len, last)
            last = best_d
            step = best_len
        else:
            bits.bit(1)
            bits.byte(data[i])
            step = 1
        for k in range(i, min(i + step, len(data) - 2)):
            index.setdefault(data[k:k + 3], []).append(k)
        i += step
    # end marker: prefix 0x1000002 and offset byte 0xff
    bits.bit(0)
    _prefix(bits, kind, 0xFFFFFF + 3)
    bits.byte(0xFF)
    return bits.finish()


def _align(v, a):
    return (v + a - 1) // a * a


def pe_header(sections, ep, image_base=0x400000, lfanew=0x80, size_of_headers=0x400,
              salign=0x1000, falign=0x200):
    """DOS + PE32 header: sections = [(name, rva, vsize, raw, rsize, chr)]."""
    h = bytearray(lfanew)
    h[0:2] = b"MZ"
    struct.pack_into("<I", h, 0x3C, lfanew)
    fh = struct.pack("<4sHHIIIHH", b"PE\0\0", 0x14C, len(sections), 0, 0, 0, 0xE0, 0x10F)
    end = max(rva + vs for _, rva, vs, _, _, _ in sections)
    opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
                      0x10B, 8, 0, 0x1000, 0x1000, 0, ep, 0x1000, 0x2000, image_base,
                      salign, falign, 4, 0, 0, 0, 4, 0, 0,
                      _align(end, salign), size_of_headers, 0, 2, 0,
                      0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"\0" * (16 * 8)
    sh = b""
    for name, rva, vs, raw, rs, chr_ in sections:
        sh += struct.pack("<8sIIIIIIHHI", name, vs, rva, rs, raw, 0, 0, 0, 0, chr_)
    return bytes(h) + fh + opt + sh


def build_upx(image, kind=NRV2B, imports_at=None, literal_only=False, upx0_vsize=None,
              image_base=0x400000, stub_piece=True, skew=0):
    """A UPX-packed PE whose UPX0/UPX1 memory, once decompressed, is image.
    imports_at: offset in image of the compressed import table (the stub's
    magic points there); None leaves the magic out. skew: the stream starts
    that many bytes into UPX1 (the stub's mov esi says so)."""
    packed = bytes(skew) + compress(image, kind, literal_only=literal_only)
    upx0_rva = 0x1000
    v0 = upx0_vsize if upx0_vsize is not None else _align(max(len(image), 0x1000), 0x1000)
    upx1_rva = upx0_rva + v0
    ep_off = _align(len(packed), 16)
    stub = bytearray(0x200)
    stub[0] = 0x60  # pusha
    stub[1] = 0xBE  # mov esi, UPX1
    struct.pack_into("<I", stub, 2, image_base + upx1_rva + skew)
    if stub_piece:
        stub[0x69:0x69 + 24] = STUB[kind]
    if imports_at is not None:
        m = MAGIC[kind]
        stub[m - 2] = 0x8D
        stub[m - 1] = 0xBE
        struct.pack_into("<I", stub, m, imports_at)
    upx1 = packed + b"\0" * (ep_off - len(packed)) + bytes(stub)
    r1 = _align(len(upx1), 0x200)
    upx1 += b"\0" * (r1 - len(upx1))
    v1 = _align(r1, 0x1000)
    hdr = pe_header([(b"UPX0", upx0_rva, v0, 0x400, 0, 0xE0000080),
                     (b"UPX1", upx1_rva, v1, 0x400, r1, 0xE0000040)],
                    upx1_rva + ep_off, image_base=image_base)
    return hdr + b"\0" * (0x400 - len(hdr)) + upx1


def original_header(sections, ep=0x1000):
    """The PE header UPX keeps behind the import table (no DOS part)."""
    full = pe_header(sections, ep)
    return full[0x80:]
