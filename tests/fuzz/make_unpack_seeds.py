"""make_unpack_seeds.py - writes the seed corpora of the unpacker and
CHM fuzz targets (tests/fuzz/corpus/fuzz_{unpack,nrv2,chm,lzx}/) with the
test generators (tests/cli/lib/pepack.py, tests/cli/lib/chmgen.py). Run
it from the repository root; it only adds seeds (named seed-*), never
touching crash regressions.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
import chmgen  # noqa: E402
import pepack  # noqa: E402

BODY = b"seed VIGIL-UNPACK " + bytes(range(64)) + b"seed VIGIL-UNPACK " * 4


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    kinds = (pepack.NRV2B, pepack.NRV2D, pepack.NRV2E)
    for i, kind in enumerate(kinds):
        # fuzz_nrv2: byte 0 = (cap / 1 KiB) << 2 | kind
        put("fuzz_nrv2", kind, bytes([(8 << 2) | i]) + pepack.compress(BODY, kind))
        put("fuzz_unpack", "upx-" + kind, pepack.build_upx(BODY, kind))
    imports = struct.pack("<II", 0x3000, 0x3100) + b"\x01Exit\0\0" + struct.pack("<I", 0)
    hdr = pepack.original_header([(b".text", 0x1000, 0x200, 0x400, 0x200, 0x60000020)])
    put("fuzz_unpack", "upx-rebuild",
        pepack.build_upx(BODY + bytes(0x100 - len(BODY) % 0x100) + imports + hdr,
                         pepack.NRV2B, imports_at=len(BODY) + 0x100 - len(BODY) % 0x100))

    chm_seeds()


def lzx_head(window_bits, reset, known, kib, pieces):
    """fuzz_lzx's two parameter bytes (see fuzz_lzx.c)."""
    b0 = next(b for b in range(256) if b % 7 == window_bits - 15 and (b >> 3) & 3 == reset and
              bool(b & 0x20) == known)
    return bytes([b0, (kib // 4 - 1) | (0x80 if pieces else 0)])


def chm_seeds():
    text = b"<p>help topic VIGIL-UNPACK index</p> " * 30
    long_text = (text + bytes(range(256))) * 40  # about 2 frames
    # fuzz_lzx: window 2^16, reset intervals of 2 and 1 frames
    stream, _ = chmgen.lzx_compress(long_text + bytes(-len(long_text) % (2 * chmgen.FRAME)), 2)
    put("fuzz_lzx", "reset2", lzx_head(16, 2, True, 64, False) + stream)
    put("fuzz_lzx", "reset2-pieces", lzx_head(16, 2, False, 64, True) + stream)
    stream, _ = chmgen.lzx_compress(text + bytes(chmgen.FRAME - len(text)), 1)
    put("fuzz_lzx", "reset1", lzx_head(16, 1, True, 32, False) + stream)
    # fuzz_chm: stored and LZX members, a many-chunk directory, several frames
    put("fuzz_chm", "small.chm", chmgen.build([("/index.htm", b"<html>index</html>")],
                                              [("/a.htm", text), ("/b.htm", BODY)]))
    put("fuzz_chm", "chunks.chm", chmgen.build([("/s%02d.htm" % i, BODY[:40]) for i in range(12)],
                                               [("/c%02d.htm" % i, text[:200]) for i in range(12)],
                                               chunk_size=512))
    put("fuzz_chm", "frames.chm", chmgen.build([], [("/a.htm", long_text), ("/b.htm", BODY)],
                                               reset_frames=1))
    put("fuzz_chm", "no-rtable.chm", chmgen.build([], [("/a.htm", text), ("/b.htm", BODY)],
                                                  rtable=False))


main()
