"""nsisgen.py - NSIS installers built byte by byte, for the NSIS tests
and fuzz seeds (tests/cli/test_nsis.py, tests/fuzz/make_nsis_seeds.py).

An NSIS installer is a PE stub followed by the archive: a 28-byte first
header (flags, 0xDEADBEEF, "NullsoftInst", header size, archive size)
and then either a chain of blocks (32-bit size, top bit = compressed,
each block compressed on its own) or, solid, one compressed stream of
the same chain uncompressed; a CRC-32 closes the archive. The three
compressors are written as makensis writes them:
  - zlib: raw deflate (no zlib header);
  - lzma: 5 bytes of LZMA properties, then the raw LZMA1 stream;
  - bzip2: NSIS's variant, bzip2 without its stream header, block magic
    (only the first byte, 0x31, is kept; 0x17 ends the stream), CRCs and
    randomisation bit. It is made here from Python's bzip2 output, one
    block per 512 KiB piece, by cutting those fields out of the bits.
makensis itself (Debian's nsis package) is used by the tests too; this
module covers what makensis will not write: exact layouts, stored
blocks, broken and truncated archives.

Python 3 standard library only.
"""

import bz2
import lzma
import struct
import zlib

import pepack

FIRST = 0x1C
SIG = struct.pack("<I", 0xDEADBEEF) + b"NullsoftInst"
_BLOCK_MAGIC = 0x314159265359
_END_MAGIC = 0x177245385090


def _bz_block_bits(piece):
    """The bits of the single bzip2 block coding piece, after the block's
    magic, CRC and randomisation bit and before the end-of-stream marker."""
    s = bz2.compress(piece, 9)
    total = len(s) * 8
    v = int.from_bytes(s, "big")

    def bits(at, n):
        return (v >> (total - at - n)) & ((1 << n) - 1)

    if bits(32, 48) != _BLOCK_MAGIC:
        raise ValueError("not one bzip2 block")
    if bits(32 + 48 + 32, 1):
        raise ValueError("randomised bzip2 block")
    start = 32 + 48 + 32 + 1
    for pad in range(8):
        end = total - pad - 80
        if bits(end, 48) == _END_MAGIC:
            return format(bits(start, end - start), "0%db" % (end - start))
    raise ValueError("no bzip2 end of stream")


def nsis_bzip2(data):
    """data in NSIS's bzip2 variant."""
    out = ""
    for i in range(0, len(data), 1 << 19):
        out += "00110001" + _bz_block_bits(data[i:i + (1 << 19)])
    out += "00010111"
    out += "0" * (-len(out) % 8)
    return int(out, 2).to_bytes(len(out) // 8, "big")


def lzma_props(dict_size=1 << 23, lc=3, lp=0, pb=2):
    return bytes([(pb * 5 + lp) * 9 + lc]) + struct.pack("<I", dict_size)


def nsis_lzma(data, dict_size=1 << 23):
    """5 bytes of properties and the raw LZMA1 stream (with an end marker)."""
    f = [{"id": lzma.FILTER_LZMA1, "dict_size": dict_size, "lc": 3, "lp": 0, "pb": 2}]
    return lzma_props(dict_size) + lzma.compress(data, format=lzma.FORMAT_RAW, filters=f)


def nsis_zlib(data):
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


COMPRESS = {"zlib": nsis_zlib, "lzma": nsis_lzma, "bzip2": nsis_bzip2}


def archive(blocks, method, solid=False, crc=True, flags=0, declared=None):
    """The archive (first header to CRC) holding blocks; blocks[0] is the
    installer's header block. method: "zlib", "lzma", "bzip2" or None
    (every block stored). A block is stored when compressing does not
    make it smaller, as makensis does. declared: archive size to write
    in the first header (default: the true size)."""
    if solid:
        raw = b"".join(struct.pack("<I", len(b)) + b for b in blocks)
        body = COMPRESS[method](raw)
    else:
        body = b""
        for b in blocks:
            c = COMPRESS[method](b) if method else None
            if c is not None and len(c) < len(b):
                body += struct.pack("<I", len(c) | 0x80000000) + c
            else:
                body += struct.pack("<I", len(b)) + b
    if crc:
        body += struct.pack("<I", zlib.crc32(body))
    size = FIRST + len(body) if declared is None else declared
    return struct.pack("<I", flags) + SIG + struct.pack("<II", len(blocks[0]), size) + body


STUB_END = 0x600


def installer(arch, overlay=b""):
    """A PE stub with the archive at offset 0x600 (NSIS puts it on a
    512-byte boundary after its stub), then an optional overlay."""
    hdr = pepack.pe_header([(b".text", 0x1000, 0x1000, 0x400, 0x200, 0x60000020)], 0x1000)
    stub = hdr + bytes(0x400 - len(hdr)) + b"\xc3" + bytes(0x1FF)
    assert len(stub) == STUB_END
    return stub + arch + overlay
