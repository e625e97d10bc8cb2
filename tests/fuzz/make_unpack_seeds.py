"""make_unpack_seeds.py - writes the seed corpora of the unpacker fuzz
targets (tests/fuzz/corpus/fuzz_{unpack,nrv2}/) with the packers' test
generator (tests/cli/lib/pepack.py). Run it from the repository root; it
only adds seeds (named seed-*), never touching crash regressions.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
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


main()
