"""chmgen.py - small CHM (ITSF) help files for the CHM/LZX tests.

No CHM compiler runs on Linux, so the tests write the format themselves:
an ITSF v3 header, header section 0, an ITSP directory of PMGL chunks,
and the content section holding stored ("section 0") members and the
LZX stream of the compressed ("section 1") ones, with its ControlData,
ResetTable and SpanInfo system files.

The LZX compressor is deliberately plain: per 32 KiB frame one verbatim
block with fixed code lengths (window 2^16: literals and the 256 match
symbols 9 bits each, lengths 7/8 bits), greedy matches that never cross a
frame, the Intel E8 header bit cleared. It is enough to exercise the
decoder's trees, deltas between blocks, matches, repeated frames and
reset intervals; real CHMs (clam.chm) cover the rest.

Library only (imported by tests/cli/test_chm.py and
tests/fuzz/make_unpack_seeds.py). Python 3 standard library only.
"""

import struct

FRAME = 32768
WINDOW_BITS = 16
NUM_SLOTS = 32  # position slots for a 2^16 window


def _extra(slot):
    return 0 if slot < 4 else (slot // 2 - 1 if slot < 36 else 17)


def _base(slot):
    if slot < 4:
        return slot
    if slot < 36:
        return (2 + (slot & 1)) << (slot // 2 - 1)
    return 262144 + (slot - 36) * 131072


class _Bits:
    """MSB-first bits in 16-bit little-endian words."""

    def __init__(self):
        self.out = bytearray()
        self.acc = 0
        self.n = 0

    def put(self, value, nbits):
        for i in range(nbits - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> i) & 1)
            self.n += 1
            if self.n == 16:
                self.out += struct.pack("<H", self.acc)
                self.acc = 0
                self.n = 0

    def align(self):
        if self.n:
            self.put(0, 16 - self.n)


def _canonical(lengths):
    """{symbol: (code, length)} for a canonical code."""
    codes = {}
    code = 0
    for ln in range(1, 17):
        for sym, l in enumerate(lengths):
            if l == ln:
                codes[sym] = (code, ln)
                code += 1
        code <<= 1
    return codes


MAIN_LENS = [9] * (256 + NUM_SLOTS * 8)
LEN_LENS = [7] * 7 + [8] * 242
PRE_SYMS = (0, 8, 9, 10)  # deltas used: 0 (same), 17 - 9, 17 - 8, 17 - 7
MAIN = _canonical(MAIN_LENS)
LENGTH = _canonical(LEN_LENS)
PRE = _canonical([2 if s in PRE_SYMS else 0 for s in range(20)])


def _put_sym(bits, code, sym):
    c, ln = code[sym]
    bits.put(c, ln)


def _lengths(bits, prev, new):
    """A tree's lengths as deltas through the pre-tree."""
    for s in range(20):
        bits.put(2 if s in PRE_SYMS else 0, 4)
    for p, n in zip(prev, new):
        _put_sym(bits, PRE, (p - n) % 17)


def _matches(data, start, end, origin, maxdist=65533, tries=32):
    """Greedy (literal | (length, distance)) items for data[start:end],
    referring back no further than origin (the last reset point). Only
    the last `tries` places of a 3-byte prefix are tried, so long runs
    stay linear."""
    index = {}
    for k in range(max(origin, start - maxdist), start):
        index.setdefault(data[k:k + 3], []).append(k)
    i = start
    while i < end:
        best = (0, 0)
        if i + 3 <= end:
            for j in reversed(index.get(data[i:i + 3], [])[-tries:]):
                d = i - j
                if d > maxdist:
                    break
                k = 0
                while i + k < end and data[j + k] == data[i + k] and k < 257:
                    k += 1
                if k > best[0]:
                    best = (k, d)
                if k == 257:
                    break
        step = best[0] if best[0] >= 3 else 1
        yield data[i] if step == 1 else best
        for k in range(i, i + step):
            index.setdefault(data[k:k + 3], []).append(k)
        i += step


def lzx_compress(data, reset_frames=2):
    """LZX stream of data (window 2^16), reset every reset_frames frames.
    Returns (stream, [compressed offset of each frame]); a reader may
    start at the frames that begin a reset interval."""
    bits = _Bits()
    frames = []
    nframes = max(1, (len(data) + FRAME - 1) // FRAME)
    prev_main, prev_len = [0] * len(MAIN_LENS), [0] * len(LEN_LENS)
    for f in range(nframes):
        start, end = f * FRAME, min(len(data), (f + 1) * FRAME)
        frames.append(len(bits.out))
        if f % reset_frames == 0:
            prev_main, prev_len = [0] * len(MAIN_LENS), [0] * len(LEN_LENS)
            bits.put(0, 1)  # no Intel E8 translation
        bits.put(1, 3)  # verbatim block
        n = end - start
        bits.put(n >> 8, 16)
        bits.put(n & 0xFF, 8)
        _lengths(bits, prev_main[:256], MAIN_LENS[:256])
        _lengths(bits, prev_main[256:], MAIN_LENS[256:])
        _lengths(bits, prev_len, LEN_LENS)
        prev_main, prev_len = list(MAIN_LENS), list(LEN_LENS)
        # matches may reach back to the last reset point only
        origin = (f // reset_frames) * reset_frames * FRAME
        for item in _matches(data, start, end, origin):
            if isinstance(item, int):
                _put_sym(bits, MAIN, item)
                continue
            length, dist = item
            x = dist + 2
            slot = max(s for s in range(3, NUM_SLOTS) if _base(s) <= x)
            hdr = min(length - 2, 7)
            _put_sym(bits, MAIN, 256 + (slot << 3 | hdr))
            if hdr == 7:
                _put_sym(bits, LENGTH, length - 9)
            if _extra(slot):
                bits.put(x - _base(slot), _extra(slot))
        bits.align()
    return bytes(bits.out), frames


def _encint(v):
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append(0x80 | (v & 0x7F))
        v >>= 7
    return bytes(reversed(out))


CONTENT = "::DataSpace/Storage/MSCompressed/Content"
CONTROL = "::DataSpace/Storage/MSCompressed/ControlData"
SPANINFO = "::DataSpace/Storage/MSCompressed/SpanInfo"
RTABLE = ("::DataSpace/Storage/MSCompressed/Transform/"
          "{7FC28940-9D31-11D0-9B27-00A0C91E9C7C}/InstanceData/ResetTable")
GUIDS = bytes.fromhex("10fd017caa7bd0119e0c00a0c922e6ec11fd017caa7bd0119e0c00a0c922e6ec")


def build(stored, compressed, reset_frames=2, chunk_size=4096, extra_entries=(), layout=None,
          rtable=True):
    """A CHM: stored = [(name, bytes)] in section 0, compressed = [(name,
    bytes)] concatenated in the LZX section (names starting with "::" are
    system files: in the stream, not scanned as members). extra_entries:
    raw (name, section, offset, length) directory entries appended as they
    are. rtable=False leaves the ResetTable out (a reader then decodes
    from the stream's start, SpanInfo giving the length). layout, a dict,
    receives where the parts are (file offsets): "dir" (first chunk),
    "chunks", "chunk_size", "control", "rtable" (ControlData, ResetTable),
    "stream" and "stream_len" (the LZX stream, last in the file), "frames"
    (its frames' offsets, relative to the stream) and "content" (section
    0's start)."""
    parts = {}
    sec0 = bytearray()
    entries = []
    for name, data in stored:
        entries.append((name, 0, len(sec0), len(data)))
        sec0 += data
    if compressed:
        plain = b""
        for name, data in compressed:
            entries.append((name, 1, len(plain), len(data)))
            plain += data
        # the stream runs to a reset interval's end (libmspack expects it)
        interval = reset_frames * FRAME
        padded = plain + bytes(-len(plain) % interval)
        stream, frames = lzx_compress(padded, reset_frames)
        # the system files first, the stream last (truncation cuts it)
        control = struct.pack("<I4sIIIII", 6, b"LZXC", 2, reset_frames, (1 << WINDOW_BITS) // FRAME,
                              1, 0)
        parts["control"] = len(sec0)
        entries.append((CONTROL, 0, len(sec0), len(control)))
        sec0 += control
        if rtable:
            # an entry per frame, as CHM compilers write them
            rt = struct.pack("<IIIIQQQ", 2, len(frames), 8, 0x28, len(plain), len(stream), FRAME)
            rt += b"".join(struct.pack("<Q", f) for f in frames)
            parts["rtable"] = len(sec0)
            entries.append((RTABLE, 0, len(sec0), len(rt)))
            sec0 += rt
        entries.append((SPANINFO, 0, len(sec0), 8))
        sec0 += struct.pack("<Q", len(plain))
        parts.update(stream=len(sec0), stream_len=len(stream), frames=frames)
        entries.append((CONTENT, 0, len(sec0), len(stream)))
        sec0 += stream
    entries += list(extra_entries)
    # the directory: PMGL chunks filled in order
    chunks, cur, count = [], bytearray(), 0
    for name, sec, off, ln in entries:
        rec = _encint(len(name.encode())) + name.encode() + _encint(sec) + _encint(off) + \
            _encint(ln)
        if 0x14 + len(cur) + len(rec) + 2 > chunk_size:
            chunks.append((cur, count))
            cur, count = bytearray(), 0
        cur += rec
        count += 1
    chunks.append((cur, count))
    directory = bytearray()
    for i, (body, count) in enumerate(chunks):
        free = chunk_size - 0x14 - len(body)
        nxt = i + 1 if i + 1 < len(chunks) else 0xFFFFFFFF
        prv = i - 1 if i else 0xFFFFFFFF
        ch = struct.pack("<4sIIII", b"PMGL", free, 0, prv, nxt) + body
        ch += b"\0" * (chunk_size - len(ch) - 2) + struct.pack("<H", count)
        directory += ch
    itsp = struct.pack("<4sIIIIIIiIIIII16sIIII", b"ITSP", 1, 0x54, 10, chunk_size, 2, 1, -1, 0,
                       len(chunks) - 1, 0xFFFFFFFF, len(chunks), 0x409, b"\0" * 16, 0x54,
                       0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
    head_len = 0x60
    hs0_off = head_len
    hs1_off = hs0_off + 0x18
    content_off = hs1_off + len(itsp) + len(directory)
    total = content_off + len(sec0)
    if layout is not None:
        layout.update({k: (v + content_off if k in ("stream", "control", "rtable") else v)
                       for k, v in parts.items()})
        layout.update(dir=hs1_off + len(itsp), chunks=len(chunks), chunk_size=chunk_size,
                      content=content_off)
    hs0 = struct.pack("<IIQII", 0x1FE, 0, total, 0, 0)
    itsf = struct.pack("<4sIIIII", b"ITSF", 3, head_len, 1, 0, 0x409) + GUIDS
    itsf += struct.pack("<QQQQQ", hs0_off, 0x18, hs1_off, len(itsp) + len(directory), content_off)
    return itsf + hs0 + itsp + bytes(directory) + bytes(sec0)
