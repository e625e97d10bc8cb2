"""test_unpack.py - packed executables, unpacked and scanned as clamscan
does: UPX (NRV2B/2D/2E) files built by tests/cli/pepack.py, differential
against clamscan with a body signature that only the unpacked image
holds; the packed files of /usr/share/clamav-testfiles through the whole
CLI (name and layer path); limits that stop unpacking are reported as
incomplete, never clean.

ctest-labels: containers
"""
import os
import random
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pepack  # noqa: E402
from unpackcmp import check, failures, names, vigil_json  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"
MARKER = b"VIGIL-UNPACK-MARKER-0123456789"


def upx_cases(rng):
    """(name, bytes) of UPX-packed files whose unpacked image holds MARKER
    and whose packed bytes do not."""
    # the marker's first half appears before it: the compressor makes the
    # marker a back reference, so it is not in the packed bytes
    noise = MARKER[:16] + b"!" + bytes(rng.randrange(256) for _ in range(3000))
    block = bytes(rng.randrange(256) for _ in range(64))
    far = block + bytes(rng.randrange(256) for _ in range(0x1800)) + block  # offsets > 0xd00
    plain = noise + b"abcabcabc" * 60 + MARKER + bytes(300) + MARKER + far + b"x" * 5000
    s1 = MARKER[:16] + b"!" + bytes(rng.randrange(256) for _ in range(0x800)) + MARKER
    s1 += bytes(0x1000 - len(s1))
    imports = (struct.pack("<II", 0x3000, 0x3100) + b"\x01LoadLibraryA\0\x01GetProcAddress\0\0" +
               struct.pack("<I", 0))
    hdr = pepack.original_header([(b".text", 0x1000, 0x1000, 0x400, 0x1000, 0x60000020),
                                  (b".data", 0x2000, 0xE00, 0x1400, 0x1000, 0xC0000040)])
    with_hdr = s1 + b"data" * 0x400 + imports + hdr
    out = []
    for kind in (pepack.NRV2B, pepack.NRV2D, pepack.NRV2E):
        # forged header (nothing to rebuild from), literals only and with matches
        out.append(("forge-lit-" + kind, pepack.build_upx(plain, kind, literal_only=True)))
        out.append(("forge-" + kind, pepack.build_upx(plain, kind)))
        # original header behind the import table the stub points at
        out.append(("rebuild-" + kind, pepack.build_upx(with_hdr, kind, imports_at=0x2000)))
        # header found by scanning backwards (no import pointer)
        out.append(("scan-" + kind, pepack.build_upx(with_hdr, kind)))
        # the stub names no decoder: each is tried in turn
        out.append(("nostub-" + kind, pepack.build_upx(plain, kind, stub_piece=False)))
    # the stub names NRV2B but the data is NRV2E: the fallback finds it
    f = bytearray(pepack.build_upx(plain, pepack.NRV2E))
    ep = f.index(pepack.STUB[pepack.NRV2E][:13]) - 0x69
    f[ep + 0x69:ep + 0x69 + 24] = pepack.STUB[pepack.NRV2B]
    out.append(("wrongstub", bytes(f)))
    # UPX1 starts 0x40 bytes into its section (the stub's mov esi says so)
    out.append(("skew", pepack.build_upx(plain, pepack.NRV2B, skew=0x40)))
    # broken: the compressed stream is cut; nothing is unpacked by either
    f = bytearray(pepack.build_upx(plain, pepack.NRV2B))
    f[0x400 + 40:0x400 + 400] = bytes(360)
    out.append(("cut", bytes(f)))
    return out


def main():
    vigil = os.environ.get("VIGIL")
    shared = os.environ.get("VG_SHARED", "")
    if not vigil or not shutil.which("clamscan"):
        print("needs VIGIL and clamscan")
        return 1
    work = tempfile.mkdtemp(prefix="vgunp-")
    try:
        rng = random.Random(5)
        db = os.path.join(work, "db")
        os.makedirs(db)
        with open(os.path.join(db, "m.ndb"), "w") as f:
            f.write("Vg.Unpack.Marker:0:*:%s\n" % MARKER.hex())
        paths = []
        for name, data in upx_cases(rng):
            check(MARKER not in data, "%s: the packed file holds the marker" % name)
            p = os.path.join(work, name + ".exe")
            with open(p, "wb") as f:
                f.write(data)
            paths.append(p)
        clam = names(["clamscan"], db, paths)
        vig = names([vigil, "scan"], db, paths)
        for p in paths:
            base = os.path.basename(p)
            check(clam[p] == vig[p], "%s: clamscan %s, vigil %s" %
                  (base, sorted(clam[p]), sorted(vig[p])))
            want = set() if base == "cut.exe" else {"Vg.Unpack.Marker.UNOFFICIAL"}
            check(vig[p] == want, "%s: vigil found %s" % (base, sorted(vig[p])))
        print("synthetic UPX: %d files compared" % len(paths))

        # the layer path names the unpacker
        obj = vigil_json(vigil, db, os.path.join(work, "rebuild-2b.exe"))
        check([m["layer"] for m in obj["matches"]] == ["UPX:"], "layer path: %r" % obj)

        # a limit that forbids unpacking: incomplete, never clean
        obj = vigil_json(vigil, db, os.path.join(work, "forge-2b.exe"), "--max-filesize=8K")
        check(obj["status"] == "incomplete" and "MaxFileSize" in obj["incomplete"],
              "max-filesize: %r" % obj)

        # the real packed test files, through the whole CLI
        src = os.path.join(shared, "data", "clamav-test", "clamav.hdb")
        if os.path.isfile(src) and os.path.isdir(TESTFILES):
            hdb = os.path.join(work, "hdb")
            os.makedirs(hdb)
            shutil.copy(src, hdb)
            for name, layer in (("clam-upx.exe", "UPX:!PE:@19936"),):
                obj = vigil_json(vigil, hdb, os.path.join(TESTFILES, name))
                got = [(m["name"], m["layer"]) for m in obj["matches"]]
                check(got == [("ClamAV-Test-File.UNOFFICIAL", layer)],
                      "%s: %r" % (name, got))
        else:
            print("clamav-testfiles or shared data missing: real samples not checked")
        if failures:
            print("%d failures" % len(failures))
            return 1
        print("ok")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


sys.exit(main())
