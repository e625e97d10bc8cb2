"""mewpack.py - small MEW- and Upack-packed Windows executables for the
unpacker tests.

No MEW or Upack runs on Linux, so this builds what they write:
  - aplib(): the aPLib-style LZ77 code MEW's loader decodes (a first
    literal, then tag bits MSB first in bytes interleaved with the data:
    literal, 4-bit one-byte reference or zero byte, 7-bit short
    reference, gamma-coded reference or repeat of the last offset);
  - build_mew(): a MEW 11 PE: an empty section the program unpacks
    into, the MEW section holding the table (entry point, destination)
    and the aPLib streams, each followed by the next destination, a jmp
    at the entry point to the stub at file offset 0x154 in the header
    area ("mov esi, table"); with lzma=True the stub calls an LZMA
    routine and the data after the aPLib stage is MEW's LZMA block list
    (Python's LZMA1 encoder, lc=4 lp=0 pb=2);
  - build_upack(): an Upack 0.39 3-section PE (SizeOfOptionalHeader
    0x148): the stub's jumps, tables and LZMA stream (lc = 8 - shift,
    lp=0, pb=0) where ClamAV's unupack finds them, optionally with the
    call filter applied.

Library only (imported by tests/cli/test_unpack_mew_upack_pespin.py and
tests/fuzz/make_unpack_seeds.py). Python 3 standard library only.
"""

import lzma
import struct


class _Tags:
    """Tag bits reserved in the output when their first bit is written."""

    def __init__(self):
        self.out = bytearray()
        self.pos = None
        self.n = 8
        self.byte_ = 0

    def bit(self, b):
        if self.n == 8:
            self.flush()
            self.pos = len(self.out)
            self.out.append(0)
            self.n = 0
            self.byte_ = 0
        self.byte_ |= (b & 1) << (7 - self.n)
        self.n += 1

    def flush(self):
        if self.pos is not None:
            self.out[self.pos] = self.byte_

    def byte(self, c):
        self.out.append(c & 0xFF)

    def finish(self):
        self.flush()
        return bytes(self.out)


def _gamma(t, v):
    """v >= 2: the bits after the top one, each followed by 1 (more) or 0."""
    s = bin(v)[3:]
    for i, c in enumerate(s):
        t.bit(int(c))
        t.bit(0 if i == len(s) - 1 else 1)


def aplib(data, window=0x10000, literal_only=False):
    """aPLib-style stream of data (greedy, naive search: for tests)."""
    t = _Tags()
    t.byte(data[0])
    i, last, lostbit = 1, 0, 1
    index = {}
    index.setdefault(data[0:3], []).append(0)
    while i < len(data):
        best_len, best_d = 0, 0
        if not literal_only and i + 2 <= len(data):
            for n, j in enumerate(reversed(index.get(data[i:i + 3], []))):
                d = i - j
                if d > window or n >= 32:
                    break
                k = 0
                while i + k < len(data) and data[j + k] == data[i + k] and k < 0x4000:
                    k += 1
                if k > best_len:
                    best_len, best_d = k, d
                if k >= 0x4000:
                    break
        step = 1
        adj = (best_d >= 0x7D00) + (best_d >= 0x500) + 2 * (best_d <= 0x7F)
        if best_len >= 2 and best_d == last and lostbit:
            # the last offset again
            t.bit(1)
            t.bit(0)
            _gamma(t, 2)
            _gamma(t, best_len)
            step, lostbit = best_len, 0
        elif 2 <= best_len and best_d <= 0x7F and best_len <= 3 and best_len - adj < 2:
            t.bit(1)
            t.bit(1)
            t.bit(0)
            t.byte(best_d << 1 | (best_len - 2))
            step, last, lostbit = best_len, best_d, 0
        elif best_len - adj >= 2:
            t.bit(1)
            t.bit(0)
            _gamma(t, (best_d >> 8) + 2 + lostbit)
            t.byte(best_d & 0xFF)
            _gamma(t, best_len - adj)
            step, last, lostbit = best_len, best_d, 0
        elif data[i] == 0:
            # a zero byte: the 4-bit code with offset 0
            for b in (1, 1, 1, 0, 0, 0, 0):
                t.bit(b)
            lostbit = 1
        elif any(data[i - k] == data[i] for k in range(1, min(16, i + 1))):
            k = next(k for k in range(1, min(16, i + 1)) if data[i - k] == data[i])
            for b in (1, 1, 1) + tuple((k >> s) & 1 for s in (3, 2, 1, 0)):
                t.bit(b)
            lostbit = 1
        else:
            t.bit(0)
            t.byte(data[i])
            lostbit = 1
        for k in range(i, min(i + step, len(data) - 2)):
            index.setdefault(data[k:k + 3], []).append(k)
        i += step
    # end: a short reference with offset 0
    t.bit(1)
    t.bit(1)
    t.bit(0)
    t.byte(0)
    return t.finish()


def _align(v, a):
    return (v + a - 1) // a * a


def mew_header(sections, ep, image_base=0x400000):
    """MEW's header: e_lfanew 0x0c (the PE header overlaps the DOS one,
    BaseOfData holds 0x0c), the section table ends at 0x154 for two
    sections. sections = [(name, rva, vsize, raw, rsize, chr)]."""
    lf = 0x0C
    h = bytearray(0x200)
    h[0:2] = b"MZ"
    end = max(rva + vs for _, rva, vs, _, _, _ in sections)
    struct.pack_into("<4sHHIIIHH", h, lf, b"PE\0\0", 0x14C, len(sections), 0, 0, 0, 0xE0, 0x10F)
    struct.pack_into("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", h, lf + 0x18,
                     0x10B, 0, 0, 0, 0, 0, ep, 0x1000, lf, image_base,
                     0x1000, 0x200, 4, 0, 0, 0, 4, 0, 0,
                     _align(end, 0x1000), 0x200, 0, 2, 0,
                     0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    so = lf + 0x18 + 0xE0
    for k, (name, rva, vs, raw, rs, chr_) in enumerate(sections):
        struct.pack_into("<8sIIIIIIHHI", h, so + 40 * k, name, vs, rva, rs, raw, 0, 0, 0, 0, chr_)
    assert so + 40 * len(sections) <= 0x154
    return h


def _lzma_raw(data, lc, lp, pb):
    f = [{"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": 1 << 20}]
    return lzma.compress(data, format=lzma.FORMAT_RAW, filters=f)


def mew_call_filter(image):
    """MEW's LZMA call filter as the packer applies it: each e8/e9 in the
    first len - 5 bytes gets its operand stored big-endian and relative to
    the instruction (the decoder's fix-up undoes it)."""
    out = bytearray(image)
    i = 0
    while i < len(out) - 5:
        if out[i] in (0xE8, 0xE9):
            v = (struct.unpack_from("<I", out, i + 1)[0] + i + 1) & 0xFFFFFFFF
            out[i + 1:i + 5] = v.to_bytes(4, "big")
            i += 4
        i += 1
    return bytes(out)


def build_mew(parts, image_base=0x400000, dsize=None, lzma_image=None, special=False,
              stub_at=0x154):
    """A MEW-packed PE. parts: the images of the unpacked sections, each
    unpacked page-aligned after the previous one (aPLib streams). With
    lzma_image, the aPLib stage unpacks parts (a loader) and MEW's LZMA
    block list then writes lzma_image at the start of the empty section;
    special: one block, its call operands filtered (mew_call_filter)."""
    rva0 = 0x1000
    dests, at = [], 0
    for p in parts:
        dests.append(at)
        at = _align(at + len(p), 0x1000)
    if lzma_image is not None:
        probs_at = _align(max(at, len(lzma_image)), 0x1000)
        need = probs_at + 0x7000
    else:
        need = at
    d = dsize if dsize is not None else _align(max(need, 0x1000), 0x1000)
    vma = image_base + rva0
    offdiff = 0x1C
    data = bytearray(offdiff)
    data += struct.pack("<III", 0, image_base + rva0 + 0x10, vma + dests[0])
    for k, p in enumerate(parts):
        data += aplib(p)
        nxt = vma + dests[k + 1] if k + 1 < len(parts) else 0
        data += struct.pack("<I", nxt)
    lzproc = None
    if lzma_image is not None:
        stored = lzma_image
        if special:
            data += struct.pack("<I", len(lzma_image))
            stored = mew_call_filter(lzma_image)
        data += struct.pack("<I", vma + probs_at)
        stream = _lzma_raw(stored, 4, 0, 2)
        data += struct.pack("<III", len(lzma_image), vma, len(stream)) + b"\x5d" + stream
        data += bytes(16)
        # the LZMA routine's first bytes: its 9th says "push eax" (special)
        lzproc = len(data)
        data += bytes(8) + (b"\x50" if special else b"\x90") + bytes(7)
    # the entry point: jmp to the stub
    ep_in = _align(len(data), 16)
    data += bytes(ep_in - len(data))
    data += b"\xe9" + bytes(31)
    rsz = _align(len(data), 0x200)
    data += bytes(rsz - len(data))
    rva1 = rva0 + d
    vsz1 = _align(rsz, 0x1000)
    vep = rva1 + ep_in
    struct.pack_into("<I", data, ep_in + 1, (stub_at - vep - 5) & 0xFFFFFFFF)
    h = mew_header([(b"MEW", rva0, d, 0, 0, 0xE0000080),
                    (b"\x02\xd2u\xdb\x8a\x16\xeb\xd4", rva1, vsz1, 0x200, rsz, 0xE0000040)], vep,
                   image_base)
    h[stub_at] = 0xBE
    struct.pack_into("<I", h, stub_at + 1, image_base + rva1 + offdiff)
    if lzproc is not None:
        # call <lzma routine> at stub + 0x7b: its RVA must lie in section 1
        h[stub_at + 0x7B] = 0xE8
        struct.pack_into("<I", h, stub_at + 0x7C, (rva1 + lzproc - stub_at - 0x80) & 0xFFFFFFFF)
    return bytes(h) + bytes(data)


def upack_count(shift):
    """The stub's probability count (in 256s) for context bits 8 - shift."""
    need = 0xFF0 + (0xC00 << (8 - shift))
    return -(-need // 4 // 256)


def _call_filter(image, mark, calls):
    """The image as the packer stores it: at each position in calls, an
    e8 whose operand becomes mark + the big-endian 24-bit absolute target.
    Returns (stored, count)."""
    out = bytearray(image)
    for i in calls:
        assert out[i] == 0xE8
        rel = struct.unpack_from("<i", out, i + 1)[0]
        target = (rel + i + 5) & 0xFFFFFFFF
        assert target < 1 << 24
        out[i + 1] = mark
        out[i + 2:i + 5] = target.to_bytes(3, "big")
    return bytes(out), len(calls)


def build_upack(image, shift=5, image_base=0x400000, calls=(), mark=0x3F, count=None):
    """An Upack 0.39 3-section PE that unpacks to image (at the start of
    the first section). calls: positions of e8 instructions in image the
    call filter was applied to (their operand's first byte becomes mark;
    image must hold no other e8/e9 followed by mark)."""
    stored, ncalls = _call_filter(image, mark, calls)
    lc = 8 - shift
    stream = _lzma_raw(stored, lc, 0, 0)
    cnt = upack_count(shift) if count is None else count
    rva0 = 0x1000
    hdr = 0x400
    e = hdr                         # entry point: file offset = dest offset
    s0_raw = bytearray(0x200)       # the stub
    v0 = _align(max(len(image), 0x1000), 0x1000)
    rva1 = rva0 + v0
    vma = image_base + rva0
    s1 = bytearray()
    # s1 raw: the parameter table S, the esi table T, the stream, the mark
    s_off = 0
    s1 += bytes(0x9C + 0x38)
    t_off = len(s1)
    s1 += bytes(12)
    c_off = len(s1)
    s1 += bytes([mark]) + bytes(15)
    st_off = len(s1)
    s1 += stream + bytes(16)
    s1 += bytes(_align(len(s1), 0x200) - len(s1))
    w_off = _align(len(s1), 0x1000)     # W: copied table + decoder state
    v1 = _align(w_off + 0x9C + 24 + 4 * cnt * 256 + 0x100, 0x1000)
    d1 = rva1 - rva0                    # dest offset of s1
    rva2 = rva1 + v1
    ssize = hdr + len(s0_raw)
    v2 = _align(ssize, 0x1000)

    def va(off):
        return (vma + off) & 0xFFFFFFFF

    # T: original entry point, unused, W
    struct.pack_into("<III", s1, t_off, va(0x10), 0, va(d1 + w_off))
    # S: 0x27 dwords (dword 0x26: the stream's VA, past its first byte),
    # then save3, output start, output end
    struct.pack_into("<I", s1, s_off + 0x98, va(d1 + st_off + 1))
    struct.pack_into("<I", s1, s_off + 0x9C + 4, ncalls)
    struct.pack_into("<I", s1, s_off + 0x9C + 0xC, va(0))
    struct.pack_into("<I", s1, s_off + 0x9C + 0x34, va(len(image)))
    # the stub at e (dest offsets are file offsets here)
    b = s0_raw

    def put(off, data):
        b[off - e:off - e + len(data)] = data

    put(e, b"\xbe" + struct.pack("<I", va(d1 + t_off)) + b"\xad\x50")
    put(e + 0xA, b"\xeb\x10")
    j = e + 0xC + 0x10
    put(j + 7, b"\xbe" + struct.pack("<I", va(d1 + s_off)))
    put(j + 0x1A, b"\xeb\x05")
    a = j + 0x1B + 5 + 11
    k = j + 0x40
    put(a, bytes([0xB5, cnt]))
    put(a + 9, b"\xe9" + struct.pack("<I", (k - j - 5 - 0x34) & 0xFFFFFFFF))
    put(k + 24, bytes([0xC1, 0xED, shift]))
    put(k + 42, b"\xe3\x10")
    bb = k + 43 + 0x10 + 1
    c = d1 + c_off
    put(bb + 8, b"\xe9" + struct.pack("<I", (c - bb - 40) & 0xFFFFFFFF))
    secs = [(b".Upack", rva0, v0, hdr, len(s0_raw), 0xE0000060),
            (b".data", rva1, v1, hdr + len(s0_raw), len(s1), 0xE0000040),
            (b".rsrc", rva2, v2, hdr, len(s0_raw), 0xE0000040)]
    h = _upack_header(secs, rva0 + (e - hdr), image_base, hdr)
    return bytes(h) + bytes(s0_raw) + bytes(s1)


def _upack_header(sections, ep, image_base, size):
    lf = 0x40
    h = bytearray(size)
    h[0:2] = b"MZ"
    struct.pack_into("<I", h, 0x3C, lf)
    end = max(rva + vs for _, rva, vs, _, _, _ in sections)
    struct.pack_into("<4sHHIIIHH", h, lf, b"PE\0\0", 0x14C, len(sections), 0, 0, 0, 0x148, 0x10F)
    struct.pack_into("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", h, lf + 0x18,
                     0x10B, 0, 0, 0, 0, 0, ep, 0x1000, 0x1000, image_base,
                     0x1000, 0x200, 4, 0, 0, 0, 4, 0, 0,
                     _align(end, 0x1000), size, 0, 2, 0,
                     0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    so = lf + 0x18 + 0x148
    for k, (name, rva, vs, raw, rs, chr_) in enumerate(sections):
        struct.pack_into("<8sIIIIIIHHI", h, so + 40 * k, name, vs, rva, rs, raw, 0, 0, 0, 0, chr_)
    return h


def build_upack2(image, version="1.1", shift=5, image_base=0x400000, calls=(), mark=0x3F):
    """An Upack 2-section PE (version "1.1": 1.1/1.2, "0.39": 0.39-2s)
    that unpacks to image at the start of the empty first section. The
    stub's tables are where ClamAV's unupack reads them: 1.1 keeps them
    at 0x130 and 0x148 in the header area, 0.39 walks from a table
    before the entry point to a copied table whose 14th dword starts the
    state words."""
    stored, ncalls = _call_filter(image, mark, calls)
    stream = _lzma_raw(stored, 8 - shift, 0, 0)
    cnt = upack_count(shift)
    rva0, hdr = 0x1000, 0x400
    v0 = _align(max(len(image), 0x1000), 0x1000)
    rva1 = rva0 + v0
    base = image_base

    def va(rva):
        return (base + rva) & 0xFFFFFFFF

    s1 = bytearray(0x200)            # 0x000: 0.39's walk table T
    e = len(s1)                      # the entry point (stub) at s1 + e
    s1 += bytes(0x300)
    st = len(s1)                     # the stream
    s1 += stream + bytes(16)
    s2 = _align(len(s1), 0x10)       # 0.39's copied table
    s1 += bytes(s2 + 27 * 4 - len(s1))
    s1 += bytes(_align(len(s1), 0x200) - len(s1))
    w = _align(len(s1), 0x1000)      # the model (virtual)
    v1 = _align(w + 0x100 + 4 * (cnt * 256 + 27), 0x1000)
    E = rva1 + e
    out_end = va(rva0 + len(image))
    h = bytearray(hdr)
    h[0:2] = b"MZ"
    lf = 0x160
    struct.pack_into("<I", h, 0x3C, lf)

    def put(off, data):
        s1[off:off + len(data)] = data

    if version == "1.1":
        put(e, b"\xbe" + struct.pack("<I", va(0x148)) + b"\xad\x8b\xf8")
        put(e + 0x1B, bytes([cnt]))
        put(e + 0x41, bytes([8 - shift]))
        struct.pack_into("<I", s1, e + 0x174, ncalls)
        put(e + 0x184, bytes([mark]))
        struct.pack_into("<i", s1, e + 0x1A4, 0x1000 - (E + 0x1A8))
        struct.pack_into("<I", h, 0x130, out_end)
        struct.pack_into("<III", h, 0x148, va(rva1 + w - 4), va(rva1 + st + 1), va(rva0))
    else:
        t = 0x100
        put(e, b"\x60\xe8\x09\x00\x00\x00")
        struct.pack_into("<I", s1, e + 6, (E + 6) - (rva1 + t))
        put(e + 0x3A, bytes([cnt]))
        put(e + 0x5F, bytes([8 - shift]))
        put(e + 0x1C1, bytes([mark]))
        struct.pack_into("<i", s1, e + 0x217, 0x1000 - (E + 0x21B))
        # T: its own VA (EBX = 0), the copy's VA, 27 dwords to copy
        tbl = [0] * 27
        tbl[0] = 14                      # steps of the walk (4 bytes each)
        tbl[1] = va(rva0)                # output start
        tbl[11] = out_end                # output end
        tbl[15] = 0x400                  # the probabilities' start value
        tbl[18] = ncalls                 # calls to fix
        tbl[20] = va(rva1 + st + 1)      # the stream
        tbl[21], tbl[22] = 0, 0xFFFFFFFF  # low, range (swapped by the stub)
        tbl[23:27] = [1, 1, 1, 1]        # the last distances
        # (the probabilities follow the 27 copied dwords)
        put(t, struct.pack("<III", va(rva1 + t), va(rva1 + s2), 27) +
            struct.pack("<27I", *tbl))
    secs = [(b".Upack", rva0, v0, 0, 0, 0xE0000080),
            (b".ByDwing", rva1, v1, hdr, len(s1), 0xE0000060)]
    end = max(rva + vs for _, rva, vs, _, _, _ in secs)
    struct.pack_into("<4sHHIIIHH", h, lf, b"PE\0\0", 0x14C, 2, 0, 0, 0, 0xE0, 0x10F)
    struct.pack_into("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", h, lf + 0x18,
                     0x10B, 0, 0, 0, 0, 0, E, 0x1000, 0x1000, base,
                     0x1000, 0x200, 4, 0, 0, 0, 4, 0, 0,
                     _align(end, 0x1000), hdr, 0, 2, 0,
                     0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    so = lf + 0x18 + 0xE0
    for k, (name, rva, vs, raw, rs, chr_) in enumerate(secs):
        struct.pack_into("<8sIIIIIIHHI", h, so + 40 * k, name, vs, rva, rs, raw, 0, 0, 0, 0, chr_)
    return bytes(h) + bytes(s1)
