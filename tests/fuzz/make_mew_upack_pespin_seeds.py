"""make_mew_upack_pespin_seeds.py - writes the seed corpora of the MEW
and Upack fuzz targets (tests/fuzz/corpus/fuzz_{aplib,mewlz,upacklz}/)
and MEW, Upack and PESpin files for fuzz_unpack, with the test
generators (tests/cli/lib/mewpack.py, spinpack.py). Run it from the repository root; it only
adds seeds (named seed-*), never touching crash regressions.
"""
import lzma
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
import mewpack  # noqa: E402
import spinpack  # noqa: E402

BODY = b"seed VIGIL-UNPACK " + bytes(range(64)) + b"seed VIGIL-UNPACK " * 4


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def raw(data, lc, pb):
    f = [{"id": lzma.FILTER_LZMA1, "lc": lc, "lp": 0, "pb": pb, "dict_size": 1 << 16}]
    return lzma.compress(data, format=lzma.FORMAT_RAW, filters=f)


def main():
    # fuzz_aplib: byte 0 = (window / 512) << 1 | overlap
    put("fuzz_aplib", "behind", bytes([4 << 1]) + mewpack.aplib(BODY))
    put("fuzz_aplib", "overlap", bytes([4 << 1 | 1]) + mewpack.aplib(BODY))
    put("fuzz_aplib", "literals", bytes([4 << 1]) + mewpack.aplib(BODY, literal_only=True))
    # fuzz_mewlz: the block list at 1, probabilities at 0x800 (past the
    # input, in the zeros), output at 0x200
    for special in (0, 1):
        body = mewpack.mew_call_filter(BODY) if special else BODY
        s = raw(body, 4, 2)
        lst = bytes([special])
        if special:
            lst += struct.pack("<I", len(BODY))
        lst += struct.pack("<IIII", 0x800, len(BODY), 0x200, len(s)) + b"\x5d" + s
        put("fuzz_mewlz", "special" if special else "plain", lst + bytes(16))
    # fuzz_upacklz: flags (shift - 2) << 4, output length, the stream
    for shift in (5, 8):
        flags = ((shift - 2) << 4) & 0xF0
        put("fuzz_upacklz", "shift%d" % shift,
            bytes([flags, 0]) + struct.pack("<H", len(BODY)) + raw(BODY, 8 - shift, 0))
    put("fuzz_unpack", "mew", mewpack.build_mew([BODY]))
    put("fuzz_unpack", "mew-lzma", mewpack.build_mew([b"loader"], lzma_image=BODY, special=True))
    put("fuzz_unpack", "upack", mewpack.build_upack(BODY))
    put("fuzz_unpack", "upack2-11", mewpack.build_upack2(BODY, "1.1"))
    put("fuzz_unpack", "upack2-039", mewpack.build_upack2(BODY, "0.39"))
    put("fuzz_unpack", "pespin", spinpack.build_pespin([BODY, BODY[::-1]], res=(1, 8)))


main()
