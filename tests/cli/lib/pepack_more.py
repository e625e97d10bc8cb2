"""pepack_more.py - PE files packed with Petite, yC (yoda's Crypter),
WWPack32 and ASPack, built for the unpacker tests.

None of these packers runs on Linux, so the tests write what they write:
each builder below implements the packer's encoder (Petite's NRV-like
LZ coder, WWPack32's LZ coder, ASPack's Huffman-coded LZ, yC's
byte-wise decryptors, run backwards) and lays the result out with the
stub bytes and tables at the offsets clamscan's cli_scanpe recognises
and reads. The stubs are not runnable code: only the bytes clamscan
looks at are there.

Library only (imported by tests/cli/test_unpack_more.py and
tests/fuzz/make_unpack_seeds.py). Python 3 standard library only.
"""

import heapq
import struct

import pepack

BASE = 0x400000


def _align(v, a):
    return (v + a - 1) // a * a


def _file(sections, ep, image_base=BASE, falign=0x200):
    """A PE file: sections = [(name, rva, vsize, data, chr)], raw data laid
    out from 0x400 in order (data None: no raw data)."""
    table, raw, body = [], 0x400, b""
    for name, rva, vs, data, chr_ in sections:
        if data:
            rs = _align(len(data), falign)
            table.append((name, rva, vs, raw, rs, chr_))
            body += data + bytes(rs - len(data))
            raw += rs
        else:
            table.append((name, rva, vs, 0, 0, chr_))
    hdr = pepack.pe_header(table, ep, image_base=image_base)
    return hdr + bytes(0x400 - len(hdr)) + body


# --- yC ------------------------------------------------------------------

def _yc_run(dec, al, cl):
    """One byte through a decryptor window, as clamscan interprets it."""
    j = 0
    while j < 0x30:
        op = dec[j]
        if op == 0xEB:
            j += 1
            d = dec[j] - 256 if dec[j] > 127 else dec[j]
            j += d
        elif op == 0xFE:
            al = (al - 1) & 0xFF
            j += 1
        elif op == 0x2A:
            al = (al - cl) & 0xFF
            j += 1
        elif op == 0x02:
            al = (al + cl) & 0xFF
            j += 1
        elif op == 0x32:
            al ^= cl
            j += 1
        elif op == 0x04:
            j += 1
            al = (al + dec[j]) & 0xFF
        elif op == 0x34:
            j += 1
            al ^= dec[j]
        elif op == 0x2C:
            j += 1
            al = (al - dec[j]) & 0xFF
        elif op == 0xC0:
            j += 1
            rol = dec[j] == 0xC0
            j += 1
            n = dec[j] & 7
            al = ((al << n | al >> (8 - n)) if rol else (al >> n | al << (8 - n))) & 0xFF
        elif op == 0xD2:
            j += 1
            n = cl & 7
            al = ((al >> n | al << (8 - n)) if dec[j] == 0xC8 else (al << n | al >> (8 - n))) & 0xFF
            j += 1
        elif op in (0x90, 0xF8, 0xF9):
            pass
        else:
            raise ValueError("opcode %x" % op)
        j += 1
    return al


# decryptor windows (0x30 bytes each): every operation clamscan knows,
# "ror al, cl" followed by the byte clamscan skips after it
YC_DEC1 = bytes.fromhex("0417c0c003345a2ac1d2c890fec8eb0290903281c0c805")
YC_DEC2 = bytes.fromhex("2c3302c1d2c090c0c0023499eb01900434fec8")


def _pad_dec(d):
    return d + b"\x90" * (0x30 - len(d))


def _yc_encrypt(dec, data, n):
    """Bytes that the decryptor turns into data (cl counts down from n)."""
    inv = {}
    out = bytearray()
    cl = n & 0xFF
    for b in data:
        if cl not in inv:
            t = {}
            for x in range(256):
                t[_yc_run(dec, x, cl)] = x
            if len(t) != 256:
                raise ValueError("decryptor is not a bijection")
            inv[cl] = t
        out.append(inv[cl][b])
        cl = (cl - 1) & 0xFF
    return bytes(out)


def build_yc(text, oep=0x1010, rsrc=b"resource data", ecx=0x1000, dec1=None, dec2=None,
             variant="1.3"):
    """A yC-protected PE: .text (text, encrypted with the second
    decryptor), .rsrc (left as is), the yC section last with its entry
    point at +0x60. variant: "1.3" or "1.x" (the stub clamscan calls
    modified, whose windows sit 0x18 bytes earlier)."""
    dec1 = _pad_dec(YC_DEC1 if dec1 is None else dec1)
    dec2 = _pad_dec(YC_DEC2 if dec2 is None else dec2)
    off = 0 if variant == "1.3" else -0x18
    size = 0xC6 + ecx + off
    sect = bytearray(_align(max(size, 0xA13), 0x200))
    ep = bytearray(0x66)
    if variant == "1.3":
        ep[0:15] = bytes.fromhex("558bec535657 60e800000000 5d81ed".replace(" ", ""))
        struct.pack_into("<I", ep, 0x0F, 0x1000)
        ep[0x13] = 0xB9
        struct.pack_into("<I", ep, 0x14, ecx + 0x20)
        ep[0x18:0x1A] = b"\x81\xe9"
        struct.pack_into("<I", ep, 0x1A, 0x20)
        ep[0x1E:0x22] = bytes.fromhex("8bd581c2")
        struct.pack_into("<I", ep, 0x22, 0x1000 + 0x5A)
        ep[0x26:0x33] = bytes.fromhex("8d3a8bf733c0eb0490eb01c2ac")
    else:
        ep[0:9] = bytes.fromhex("60e8000000005d81ed")
        struct.pack_into("<I", ep, 0x09, 0x2000)
        ep[0x0D] = 0xB9
        struct.pack_into("<I", ep, 0x0E, ecx)
        ep[0x12:0x14] = b"\x8d\xbd"
        struct.pack_into("<I", ep, 0x14, 0x2000 + 0x48)
        ep[0x18:0x1B] = b"\x8b\xf7\xac"
    ep[0x63 + off:0x66 + off] = b"\xaa\xe2\xcc"
    sect[0x60:0x60 + len(ep)] = ep
    base = off  # the windows move with the variant
    sect[base + 0x93:base + 0xC3] = dec1
    d2 = base + (0x3EA if variant != "1.3" else 0x457)
    sect[d2:d2 + 0x30] = dec2
    struct.pack_into("<I", sect, base + 0xA0F, oep)
    lo = base + 0xC6
    sect[lo:lo + ecx] = _yc_encrypt(dec1, bytes(sect[lo:lo + ecx]), ecx)
    text = bytes(text) + bytes(_align(len(text), 0x200) - len(text))
    enc = _yc_encrypt(dec2, text, len(text))
    nt = _align(len(text), 0x1000)
    yrva = 0x2000 + nt
    return _file([(b".text", 0x1000, nt, enc, 0x60000020),
                  (b".rsrc", 0x1000 + nt, 0x1000, rsrc, 0x40000040),
                  (b"yC", yrva, _align(len(sect), 0x1000), bytes(sect), 0xE0000060)],
                 yrva + 0x60)


# --- WWPack32 ------------------------------------------------------------

class _WWBits:
    """WWPack32's stream: 32-bit words, MSB first; the next word is taken
    as soon as one is used up; literal bytes in between, in order."""

    def __init__(self):
        self.out = bytearray(4)
        self.wpos, self.n, self.word = 0, 0, 0

    def bit(self, b):
        self.word = (self.word << 1) | (b & 1)
        self.n += 1
        if self.n == 32:
            struct.pack_into("<I", self.out, self.wpos, self.word)
            self.wpos = len(self.out)
            self.out += bytes(4)
            self.n, self.word = 0, 0

    def bits(self, v, n):
        for i in reversed(range(n)):
            self.bit((v >> i) & 1)

    def byte(self, c):
        self.out.append(c)

    def finish(self):
        if self.n:
            struct.pack_into("<I", self.out, self.wpos, (self.word << (32 - self.n)) & 0xFFFFFFFF)
        self.out += bytes(4)  # a word to take after the last bit
        self.out += bytes(-len(self.out) % 4)
        return bytes(self.out)


# distance classes of a block copy: (3-bit code, extra bit or None, width, base)
_WW_DIST = [(0, None, 5, 1), (1, None, 6, 33), (2, None, 7, 97), (3, 0, 8, 225), (3, 1, 9, 481),
            (4, 0, 10, 993), (4, 1, 11, 2017), (5, None, 12, 4065)]


def _ww_length(w, n):
    """A block copy's length (5..28) after its distance."""
    if n <= 6:
        w.bit(0)
        w.bit(n - 5)
    elif n <= 13:
        w.bit(1)
        w.bits(n - 6, 3)
    else:
        w.bit(1)
        w.bits(0, 3)
        w.bits(n - 13, 4)


def ww_compress(data, literal_only=False):
    """A WWPack32 block stream of data (greedy, naive search)."""
    w = _WWBits()
    i = 0
    while i < len(data):
        best, bd = 0, 0
        if not literal_only:
            for d in range(1, min(i, 8160) + 1):
                k = 0
                while i + k < len(data) and k < 28 and data[i + k - d] == data[i + k]:
                    k += 1
                if k > best or (k == best and k == 2 and d < bd):
                    best, bd = k, d
        if best >= 3:
            w.bit(1)
            w.bits(1 if best == 3 else 2 if best == 4 else 0, 2)
            for code, extra, width, base in _WW_DIST:
                if base <= bd < base + (1 << width):
                    w.bits(code, 3)
                    if extra is not None:
                        w.bit(extra)
                    w.bits(bd - base, width)
                    break
            if best >= 5:
                _ww_length(w, best)
            i += best
        elif best == 2 and bd <= 863:
            w.bit(1)
            w.bits(3, 2)
            for v, shift, base in ((0, 5, 1), (1, 6, 33), (2, 8, 97), (3, 9, 353)):
                if base <= bd < base + (1 << shift) - (1 if v == 3 else 0):
                    w.bits(v, 2)
                    w.bits(bd - base, shift)
                    break
            i += 2
        else:
            w.bit(0)
            w.byte(data[i])
            i += 1
    w.bit(1)
    w.bits(3, 2)
    w.bits(3, 2)
    w.bits(0x1FF, 9)
    return w.finish()


WW_EP = bytes.fromhex("53558be833dbeb")
WW_AT68 = bytes.fromhex("e800000000582d6d0000005060 33c950585050".replace(" ", ""))


def build_wwpack(blocks, oep=0x1000, table=None):
    """A WWPack32-packed PE: blocks = [(rva, plain)] decompressed in
    place (each block's compressed bytes at rva); .text at 0x1000 and
    .data at 0x3000, 0x2000 bytes each; the WWPack section last."""
    img = {0x1000: bytearray(0x2000), 0x3000: bytearray(0x2000)}
    wwrva = 0x5000
    stub = bytearray(0x400)
    stub[0:7] = WW_EP
    stub[0x68:0x68 + len(WW_AT68)] = WW_AT68
    struct.pack_into("<I", stub, 0x295, (oep - wwrva - 0x299) & 0xFFFFFFFF)
    ent = b""
    for n, (rva, plain) in enumerate(blocks):
        comp = ww_compress(plain)
        for s, buf in img.items():
            if s <= rva < s + len(buf):
                buf[rva - s:rva - s + len(comp)] = comp
        # src = wwrva - delta; the data at src + end + 4 - size
        ent += struct.pack("<IIIIB", wwrva, 0, len(comp) // 4, rva + len(comp) - 4,
                           1 if n + 1 < len(blocks) else 0)
    if table is not None:
        ent = table
    stub[0x2A1:0x2A1 + len(ent)] = ent
    return _file([(b".text", 0x1000, 0x2000, bytes(img[0x1000]), 0xE0000060),
                  (b".data", 0x3000, 0x2000, bytes(img[0x3000]), 0xC0000040),
                  (b".WWP32", wwrva, 0x1000, bytes(stub), 0xE0000060)], wwrva)


# --- Petite --------------------------------------------------------------

class _PtBits:
    """Petite's stream: flag bytes (MSB first) taken when the last one is
    used up and another bit is needed; data bytes in between."""

    def __init__(self):
        self.out = bytearray()
        self.pos, self.n = 0, 8

    def bit(self, b):
        if self.n == 8:
            self.pos = len(self.out)
            self.out.append(0)
            self.n = 0
        self.out[self.pos] |= (b & 1) << (7 - self.n)
        self.n += 1

    def byte(self, c):
        self.out.append(c)

    def gamma(self, v):
        s = bin(v)[3:]
        for i, c in enumerate(s):
            self.bit(int(c))
            self.bit(0 if i == len(s) - 1 else 1)


def petite_compress(data, literal_only=False):
    """Petite's stream for data: the first byte as is, literals XORed
    with the count left, matches with new distances only."""
    w = _PtBits()
    w.byte(data[0])
    i, left = 1, len(data) - 1
    while i < len(data):
        best, bd = 0, 0
        if not literal_only:
            for d in range(1, min(i, 0x3000) + 1):
                k = 0
                while i + k < len(data) and k < 200 and data[i + k - d] == data[i + k]:
                    k += 1
                if k > best:
                    best, bd = k, d
        add = 1 + (bd > 0x3A0) + (bd > 0x3FA0)
        if best >= add + 1 and best >= 3:
            w.bit(1)
            w.gamma(((bd - 1) >> 5) + 3)
            for k in reversed(range(5)):
                w.bit(((bd - 1) >> k) & 1)
            n = best - add
            if n <= 3:
                w.bit(n >> 1)
                w.bit(n & 1)
            else:
                w.bit(0)
                w.bit(0)
                w.gamma(n - 2)
            i += best
            left -= best
        else:
            w.bit(0)
            w.byte(data[i] ^ (left & 0xFF))
            i += 1
            left -= 1
    return bytes(w.out) + bytes(8)


def petite_tail(oep, vep, key=0x13572468, irva=None):
    """The decoder Petite appends to the last section it unpacks (0x355
    bytes): the magic clamscan strips it by, the encrypted entry point
    and the import array (irva: a zero dword, so the key walk ends at
    once)."""
    t = bytearray(0x355)
    struct.pack_into("<II", t, 5 + 0x4F, 0x645EC033, 0x1B8B188B)
    struct.pack_into("<II", t, 0x0F - 8, key ^ 0x9D6661AA, key ^ 0xE908C483)
    struct.pack_into("<I", t, 0x0F, ((oep - vep - 5) & 0xFFFFFFFF) ^ key)
    struct.pack_into("<I", t, 0x121, irva)
    struct.pack_into("<I", t, 0x1C0, 0x90909090)
    return bytes(t)


def build_petite(text, oep=0x1010, with_tail=True, version=2, entries=None):
    """A Petite 2.x-packed PE: .text (0x1000) unpacked from data kept in
    the Petite section (last; version 1: the one before a last, empty
    .reloc), its entry point "mov eax, <own section>"."""
    prva = 0x1000 + _align(len(text) + 0x400, 0x1000)
    vep = prva + 0x800
    plain = bytes(text)
    if with_tail:
        plain += petite_tail(oep, vep, irva=prva + 0x7F0)
    comp = petite_compress(plain)
    sect = bytearray(_align(0xC00 + len(comp), 0x200))
    lst = 0x1B8 if version == 2 else 0x178
    src = 0xC00
    if entries is None:
        entries = struct.pack("<IIII", prva + src, len(plain), 0x1000, 0) + bytes(4)
    sect[lst:lst + len(entries)] = entries
    sect[src:src + len(comp)] = comp
    ep = bytearray(0x100)
    ep[0] = 0xB8
    struct.pack_into("<I", ep, 1, BASE + prva)
    sect[0x800:0x900] = ep
    secs = [(b".text", 0x1000, prva - 0x1000, bytes(0x200), 0xE0000060),
            (b".petite", prva, _align(len(sect), 0x1000), bytes(sect), 0xE0000060)]
    if version == 1:
        secs.append((b".reloc", prva + _align(len(sect), 0x1000), 0x1000, b"\0" * 0x10, 0x42000040))
    return _file(secs, vep)


# --- ASPack --------------------------------------------------------------

class _MSBits:
    """MSB-first bits packed into bytes (ASPack's stream)."""

    def __init__(self):
        self.out = bytearray()
        self.n = 0

    def bits(self, v, n):
        for i in reversed(range(n)):
            if self.n % 8 == 0:
                self.out.append(0)
            self.out[-1] |= ((v >> i) & 1) << (7 - self.n % 8)
            self.n += 1


def _huff_lengths(freq, nsym, maxlen=15):
    """Complete prefix-code lengths (Kraft sum 1) for the used symbols."""
    used = [s for s in range(nsym) if freq.get(s)]
    for extra in range(nsym):  # a complete code needs two symbols
        if len(used) >= 2:
            break
        if extra not in used:
            used.append(extra)
    heap = [(freq.get(s, 1), n, [s]) for n, s in enumerate(used)]
    heapq.heapify(heap)
    depth = {s: 0 for s in used}
    n = len(heap)
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        for s in a[2] + b[2]:
            depth[s] += 1
        n += 1
        heapq.heappush(heap, (a[0] + b[0], n, a[2] + b[2]))
    if max(depth.values()) > maxlen:
        raise ValueError("code too long for the test")
    lens = [0] * nsym
    for s, d in depth.items():
        lens[s] = d
    return lens


def _canonical(lens):
    """Symbol -> (code, length), shorter codes first, then by symbol."""
    codes, code = {}, 0
    for ln in range(1, 16):
        for s, l2 in enumerate(lens):
            if l2 == ln:
                codes[s] = (code, ln)
                code += 1
        code <<= 1
    return codes


# distance classes: widths of the extra bits (the stub's table at +0x70e)
ASPACK_WIDTHS = bytes([0, 0, 0] + [min((k - 3) // 2, 16) for k in range(3, 58)])


def _aspack_bases():
    bases, j = [], 0
    for w in ASPACK_WIDTHS:
        bases.append(j)
        j += 1 << w
    return bases


def aspack_compress(data, literal_only=False):
    """One ASPack block: tables (table 2 all length 3, so distance bits
    are sent raw) and the symbols of data: literals and matches of 2..8
    bytes with new distances."""
    bases = _aspack_bases()
    syms = []  # (symbol, extra value, extra width)
    i = 0
    while i < len(data):
        best, bd = 0, 0
        if not literal_only:
            for d in range(1, min(i, 0x8000) + 1):
                k = 0
                while i + k < len(data) and k < 8 and data[i + k - d] == data[i + k]:
                    k += 1
                if k > best:
                    best, bd = k, d
        if best >= 3:
            use = bd + 2
            cls = max(c for c in range(3, 58) if bases[c] <= use)
            syms.append((256 + cls * 8 + best - 2, use - bases[cls], ASPACK_WIDTHS[cls]))
            i += best
        else:
            syms.append((data[i], 0, 0))
            i += 1
    freq = {}
    for s, _, _ in syms:
        freq[s] = freq.get(s, 0) + 1
    l0 = _huff_lengths(freq, 721)
    l1 = [2, 2, 2, 2] + [0] * 24
    l2 = [3] * 8
    lens = l0 + l1 + l2
    # the 757 lengths as code-length symbols: 0-15 as is, 18 for zero runs
    cl = []
    k = 0
    while k < len(lens):
        if lens[k] == 0:
            r = 1
            while k + r < len(lens) and lens[k + r] == 0 and r < 138:
                r += 1
            if r >= 11:
                cl.append((18, r - 11, 7))
                k += r
                continue
            if r >= 3:
                cl.append((17, r - 3, 3))
                k += r
                continue
        cl.append((lens[k], 0, 0))
        k += 1
    cfreq = {}
    for s, _, _ in cl:
        cfreq[s] = cfreq.get(s, 0) + 1
    l3 = _huff_lengths(cfreq, 19, maxlen=15)
    c3, c0 = _canonical(l3), _canonical(l0)
    w = _MSBits()
    w.bits(0, 1)
    for v in l3:
        w.bits(v, 4)
    for s, v, n in cl:
        w.bits(*c3[s])
        if n:
            w.bits(v, n)
    for s, v, n in syms:
        w.bits(*c0[s])
        if n:
            w.bits(v, n)
    return bytes(w.out)


ASPACK_212, ASPACK_OTHER, ASPACK_242 = "2.12", "2.2x", "2.42"
# where the stub keeps what clamscan reads, from the entry point - 1
_ASPACK_OFF = {
    ASPACK_212: dict(push=0x3B9, blocks=0x57C, mult=0x70E, comp=0x6D6, mark=0x148, oep=0x39B,
                     entry=8),
    ASPACK_OTHER: dict(push=0x41F, blocks=0x5D8, mult=0x76A, comp=0x732, mark=0x13A, oep=0x401,
                       entry=12),
    ASPACK_242: dict(push=0x42B, blocks=0x5E4, mult=0x776, comp=0x73E, mark=0x148, oep=0x40D,
                     entry=12),
}


def build_aspack(blocks, oep=0x1010, mark=0x42, table=None, version=ASPACK_212):
    """An ASPack-packed PE (stub of version 2.12, 2.2x or 2.42; the later
    ones keep 12-byte block entries): blocks = [(rva, plain)] (in .text at
    0x1000 or .data at 0x3000, 0x2000 bytes each), each compressed in
    place and decompressed to len(plain) bytes; the .aspack section with
    the stub's tables, then an empty .adata. The first block's "e8 <mark>"
    calls are stored as ASPack transforms them."""
    o = _ASPACK_OFF[version]
    img = {0x1000: bytearray(0x2000), 0x3000: bytearray(0x2000)}
    arva = 0x5000
    ep = arva  # clamscan's "ep" is the entry point - 1
    stub = bytearray(0x800)
    stub[1:9] = bytes.fromhex("60e803000000e9eb")
    stub[1 + o["push"]:1 + o["push"] + 6] = bytes.fromhex("6800000000c3")
    struct.pack_into("<I", stub, o["oep"], oep)
    stub[o["mult"]:o["mult"] + 58] = ASPACK_WIDTHS
    stub[o["mark"]] = mark
    ent = b""
    for n, (rva, plain) in enumerate(blocks):
        plain = bytearray(plain)
        if n == 0:
            # every call/jump of the first block, scanned as clamscan does
            k = 0
            while k < len(plain) - 6:
                if plain[k] in (0xE8, 0xE9):
                    t = struct.unpack_from("<I", plain, k + 1)[0]
                    if t + k >= 1 << 24:
                        raise ValueError("call target too far for the transform")
                    struct.pack_into("<I", plain, k + 1, (t + k) << 8 | mark)
                    k += 5
                    continue
                k += 1
        comp = aspack_compress(bytes(plain))
        if len(comp) > len(plain):
            raise ValueError("block does not compress")
        for s, buf in img.items():
            if s <= rva < s + len(buf):
                buf[rva - s:rva - s + len(comp)] = comp
        ent += struct.pack("<II", rva, len(plain)) + bytes(o["entry"] - 8)
    ent += bytes(o["entry"])
    if table is not None:
        ent = table
    stub[o["blocks"]:o["blocks"] + len(ent)] = ent
    del ep
    return _file([(b".text", 0x1000, 0x2000, bytes(img[0x1000]), 0xE0000060),
                  (b".data", 0x3000, 0x2000, bytes(img[0x3000]), 0xC0000040),
                  (b".aspack", arva, 0x1000, bytes(stub), 0xE0000060),
                  (b".adata", arva + 0x1000, 0x1000, None, 0xC0000040)], arva + 1)
