"""test_unpack_mew_upack_pespin.py - MEW, Upack and PESpin packed
executables, unpacked and scanned as clamscan does: files built by
tests/cli/lib/mewpack.py (MEW with aPLib streams, MEW with LZMA blocks
with and without the call filter, Upack 0.39 3-section with three
context widths and the call filter, Upack 2-section 0.39 and 1.1/1.2)
and tests/cli/lib/spinpack.py
(PESpin 1.1 with encrypted, polymorphic-encrypted and compressed
sections, partly compressed resources), differential against clamscan
with a body signature only the unpacked image holds; broken variants
(cut streams, flipped bytes, bad stub parameters, wrong keys, unknown
opcodes) where both must agree and nothing may crash; limits that
forbid unpacking reported incomplete, never clean; the packed files of
/usr/share/clamav-testfiles through the whole CLI (name and layer
path).

ctest-labels: containers
"""
import os
import random
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import mewpack  # noqa: E402
import spinpack  # noqa: E402
from unpackcmp import check, failures, names, vigil_json  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"
MARKER = b"VIGIL-UNPACK-MARKER-0123456789"
# a marker holding a call: right only once the call filter is undone
CALLMARK = b"VGCALL\xe8\x10\x00\x00\x00-MARKER-AFTER-FIX"


def cases(rng):
    """(name, bytes, expected names) of packed files."""
    found = {"Vg.Unpack.Marker.UNOFFICIAL"}
    call = {"Vg.Unpack.Call.UNOFFICIAL"}
    # the marker's first half appears before it: the compressors make the
    # marker a back reference, so it is not in the packed bytes
    noise = MARKER[:16] + b"!" + bytes(rng.randrange(256) for _ in range(3000))
    img1 = noise + b"abcabcabc" * 60 + MARKER + bytes(300) + MARKER + b"x" * 500
    far = bytes(rng.randrange(256) for _ in range(0x900))
    img2 = far + MARKER[:16] + b"?" + bytes(0x600) + far[:200] + MARKER
    # a call the filters store differently (no other e8/e9 in the image)
    plain = bytes(rng.randrange(1, 0xE8) for _ in range(400))
    cimg = plain + CALLMARK + plain[:100] + bytes(64)
    at = len(plain) + CALLMARK.index(b"\xe8")
    out = []
    out.append(("mew-one", mewpack.build_mew([img1]), found))
    out.append(("mew-two", mewpack.build_mew([img2, img1]), found))
    out.append(("mew-lzma", mewpack.build_mew([b"loader" * 8], lzma_image=img1), found))
    out.append(("mew-lzma-calls", mewpack.build_mew([b"loader" * 8], lzma_image=cimg,
                                                    special=True), call))
    out.append(("mew-stub158", mewpack.build_mew([img1], stub_at=0x158), found))
    out.append(("upack-5", mewpack.build_upack(img1, shift=5), found))
    out.append(("upack-8", mewpack.build_upack(img2, shift=8), found))
    out.append(("upack-4", mewpack.build_upack(img1, shift=4), found))
    out.append(("upack-calls", mewpack.build_upack(cimg, calls=[at]), call))
    out.append(("upack2-11", mewpack.build_upack2(img1, "1.1"), found))
    out.append(("upack2-039", mewpack.build_upack2(img2, "0.39", shift=8), found))
    out.append(("upack2-11-calls", mewpack.build_upack2(cimg, "1.1", calls=[at]), call))
    out.append(("upack2-039-calls", mewpack.build_upack2(cimg, "0.39", calls=[at]), call))

    # broken: both scanners must agree, nothing found from the body
    base = mewpack.build_mew([img1])
    f = bytearray(base)
    f[0x200 + 0x40:0x200 + 0x140] = bytes(0x100)
    out.append(("mew-zeroed", bytes(f), None))
    out.append(("mew-cut", base[:0x200 + 0x80], None))
    f = bytearray(base)
    vep = struct.unpack_from("<I", f, 0x0C + 0x28)[0]
    rva1 = struct.unpack_from("<I", f, 0x104 + 40 + 12)[0]
    at = vep - rva1 + 0x200 + 1
    struct.pack_into("<I", f, at, struct.unpack_from("<I", f, at)[0] + 0x10)
    out.append(("mew-jmp164", bytes(f), set()))  # not MEW's stub offset
    f = bytearray(base)
    struct.pack_into("<I", f, 0x155, 0x7FFFFFF0)  # table outside the section
    out.append(("mew-badesi", bytes(f), None))
    lz = mewpack.build_mew([b"loader" * 8], lzma_image=img1)
    cut = lz.index(b"\x5d", 0x200 + 0x40)
    f = bytearray(lz)
    for k in range(cut + 40, cut + 140):
        f[k] ^= 0x5A
    out.append(("mew-lzma-flipped", bytes(f), None))
    up = mewpack.build_upack(img1)
    f = bytearray(up)
    k = f.index(b"\xc1\xed\x05")
    f[k + 2] = 9  # context bits out of bounds
    out.append(("upack-badshift", bytes(f), None))
    out.append(("upack-cut", up[:len(up) - 0x300], None))
    f = bytearray(up)
    for k in range(len(f) - 0x500, len(f) - 0x400):
        f[k] ^= 0xA5
    out.append(("upack-flipped", bytes(f), None))
    out.append(("upack-fewprobs", mewpack.build_upack(img1, count=2), None))
    u2 = mewpack.build_upack2(img1, "0.39")
    f = bytearray(u2)
    k = f.index(b"\x60\xe8\x09\x00\x00\x00")
    struct.pack_into("<I", f, k + 6, 0)  # the walk's start: ClamAV gives up on 0
    out.append(("upack2-039-zero", bytes(f), None))
    f = bytearray(u2)
    struct.pack_into("<I", f, k + 6, 0x7FFF0000)  # the walk's table outside
    out.append(("upack2-039-far", bytes(f), None))
    u11 = mewpack.build_upack2(img1, "1.1")
    f = bytearray(u11)
    struct.pack_into("<I", f, 0x148, 0x7FFFFFF0)  # the model outside
    out.append(("upack2-11-badmodel", bytes(f), None))
    out.append(("upack2-11-cut", u11[:0x600 + 0x100], None))

    # PESpin
    p0 = MARKER[:16] + b"!" + bytes(rng.randrange(256) for _ in range(900)) + MARKER + b"y" * 300
    p1 = bytes(rng.randrange(256) for _ in range(700)) + MARKER + bytes(50)
    p2 = b"resources:" + MARKER[:10] + b"---" + bytes(100) + MARKER + b"z" * 200
    spin = spinpack.build_pespin([p0, p1, p2])
    out.append(("spin-all", spin, found))
    out.append(("spin-res", spinpack.build_pespin([p0, p1, p2], packed=[1], res=(2, 10)), found))
    out.append(("spin-packed-only", spinpack.build_pespin([p1, p0], xor=[], poly=[],
                                                          packed=[0, 1]), found))
    f = bytearray(spin)
    e = f.index(spinpack.EP_SIG) - 4
    f[e + 0x3217] ^= 1  # the section key no longer matches
    out.append(("spin-badkey", bytes(f), None))
    f = bytearray(spin)
    f[e + 0xE1] ^= 1  # not 0x11fe: not PESpin 1.1
    out.append(("spin-badmagic", bytes(f), set()))
    out.append(("spin-cut", spin[:len(spin) - 0x400], None))
    for n in range(5):
        f = bytearray(rng.choice((base, lz, up, spin, u2, u11)))
        for _ in range(8):
            f[rng.randrange(0x100, len(f))] = rng.randrange(256)
        out.append(("random-%d" % n, bytes(f), None))
    return out


def main():
    vigil = os.environ.get("VIGIL")
    shared = os.environ.get("VG_SHARED", "")
    if not vigil or not shutil.which("clamscan"):
        print("needs VIGIL and clamscan")
        return 1
    work = tempfile.mkdtemp(prefix="vgpk2-")
    try:
        rng = random.Random(7)
        db = os.path.join(work, "db")
        os.makedirs(db)
        with open(os.path.join(db, "m.ndb"), "w") as f:
            f.write("Vg.Unpack.Marker:0:*:%s\n" % MARKER.hex())
            f.write("Vg.Unpack.Call:0:*:%s\n" % CALLMARK.hex())
        paths, want = [], {}
        for name, data, expect in cases(rng):
            check(MARKER not in data and CALLMARK not in data,
                  "%s: the packed file holds a marker" % name)
            p = os.path.join(work, name + ".exe")
            with open(p, "wb") as f:
                f.write(data)
            paths.append(p)
            want[p] = expect
        clam = names(["clamscan"], db, paths)
        vig = names([vigil, "scan"], db, paths)
        for p in paths:
            base = os.path.basename(p)
            check(clam[p] == vig[p], "%s: clamscan %s, vigil %s" %
                  (base, sorted(clam[p]), sorted(vig[p])))
            if want[p] is not None:
                check(vig[p] == want[p], "%s: vigil found %s" % (base, sorted(vig[p])))
        print("synthetic MEW/Upack/PESpin: %d files compared" % len(paths))

        # the layer path names the unpacker
        for name, tag in (("mew-one", "MEW:"), ("upack-5", "Upack:"), ("spin-all", "PESpin:")):
            obj = vigil_json(vigil, db, os.path.join(work, name + ".exe"))
            check([m["layer"] for m in obj["matches"]] == [tag], "layer path: %r" % obj)

        # a limit that forbids unpacking: incomplete, never clean
        for name in ("mew-one", "upack-5", "mew-lzma", "upack2-11"):
            obj = vigil_json(vigil, db, os.path.join(work, name + ".exe"), "--max-filesize=8K")
            check(obj["status"] == "incomplete" and "MaxFileSize" in obj["incomplete"],
                  "%s max-filesize: %r" % (name, obj))
        # PESpin: the file fits, its compressed sections would not
        big = os.path.join(work, "spin-big.exe")
        with open(big, "wb") as f:
            f.write(spinpack.build_pespin([MARKER[:16] + bytes(0x60000)], packed=[0]))
        obj = vigil_json(vigil, db, big, "--max-filesize=128K")
        check(os.path.getsize(big) < 128 * 1024, "spin-big is small")
        check(obj["status"] == "incomplete" and "MaxFileSize" in obj["incomplete"],
              "spin-big max-filesize: %r" % obj)

        # the real packed test files, through the whole CLI
        src = os.path.join(shared, "data", "clamav-test", "clamav.hdb")
        if os.path.isfile(src) and os.path.isdir(TESTFILES):
            hdb = os.path.join(work, "hdb")
            os.makedirs(hdb)
            shutil.copy(src, hdb)
            for name, layer in (("clam-mew.exe", "MEW:!ZIP:clam.exe"),
                                ("clam-upack.exe", "Upack:!ZIP:clam.exe"),
                                ("clam-pespin.exe", "PESpin:!PE:@6112")):
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
