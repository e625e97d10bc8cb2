"""make_nsis_seeds.py - writes the seed corpus of fuzz_nsis
(tests/fuzz/corpus/fuzz_nsis/) with the NSIS test generator
(tests/cli/lib/nsisgen.py): archives from the first header on, each
compressor solid and not, stored blocks, a truncated one. Run it from the
repository root; it only adds seeds (named seed-*), never touching crash
regressions.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
import nsisgen  # noqa: E402

HEADER = b"seed NSIS header " * 8
BODY = b"seed VIGIL-CONTAINER-TEST " + bytes(range(64)) + b"MZ" + b"seed body " * 20


def put(name, data):
    d = os.path.join(HERE, "corpus", "fuzz_nsis")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    blocks = [HEADER, BODY, b"", BODY[:40]]
    for method in ("zlib", "lzma", "bzip2"):
        put(method, nsisgen.archive(blocks, method))
        put(method + "-solid", nsisgen.archive(blocks, method, solid=True))
    put("stored", nsisgen.archive(blocks, None))
    a = nsisgen.archive(blocks, "lzma", solid=True)
    put("lzma-solid-cut", a[:len(a) * 2 // 3])


main()
