"""make_unpack_more_seeds.py - adds Petite, yC, WWPack32 and ASPack
seeds to the fuzz_unpack corpus (tests/fuzz/corpus/fuzz_unpack/), made
with tests/cli/lib/pepack_more.py. Run it from the repository root; it
only adds seeds (named seed-*), never touching crash regressions.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
import pepack_more as pm  # noqa: E402

BODY = (b"seed VIGIL-UNPACK " + bytes(range(0x20, 0x60)) + b"seed VIGIL-UNPACK " * 4 +
        b"\xe8\x10\x00\x00\x00" + bytes(16))


def put(name, data):
    d = os.path.join(HERE, "corpus", "fuzz_unpack")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    put("petite", pm.build_petite(BODY + bytes(0x200), oep=0x1010))
    put("petite-v1", pm.build_petite(BODY, version=1, with_tail=False))
    put("yc", pm.build_yc(BODY, ecx=0x900))
    put("yc-1x", pm.build_yc(BODY, ecx=0x900, variant="1.x"))
    put("wwpack", pm.build_wwpack([(0x1000, BODY), (0x3000, BODY[::-1])]))
    put("aspack", pm.build_aspack([(0x1000, BODY * 2), (0x3000, BODY)]))


main()
