"""make_ishield_seeds.py - writes the seed corpus of fuzz_ishield
(tests/fuzz/corpus/fuzz_ishield/) with the InstallShield test generator
(tests/cli/lib/isgen.py): an MSI stream (from its signature) and PE
overlays of files, data1.hdr and cabinets. Run it from the repository
root; it only adds seeds (named seed-*), never touching crash regressions.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
import isgen  # noqa: E402

BODY = b"seed VIGIL-ISHIELD " + bytes(range(64)) + b"seed VIGIL-ISHIELD " * 4


def put(name, data):
    d = os.path.join(HERE, "corpus", "fuzz_ishield")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    put("msi", isgen.msi_stream([(b"a.ini", b"[Startup]\r\n"), (b"clam.exe", BODY)]))
    hdr, cab = isgen.cab_parts([(b"a.txt", BODY), (b"b.txt", BODY[::-1])], [(b"c.exe", BODY)])
    put("cab", isgen.entry(b"c.exe", BODY) + isgen.entry(b"data1.hdr", hdr) +
        isgen.entry(b"data1.cab", cab) + isgen.entry(b"setup.ini", b"[Startup]\r\n"))
    put("cab-nohdr", isgen.entry(b"data2.cab", cab) + isgen.entry(b"data1.cab", cab))


main()
