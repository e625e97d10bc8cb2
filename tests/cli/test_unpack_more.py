"""test_unpack_more.py - PE files packed with Petite, yC, WWPack32 and
ASPack (built by tests/cli/lib/pepack_more.py), unpacked and scanned as
clamscan does: differential against clamscan with a body signature only
the unpacked image holds and an entry-point signature (the rebuilt
header's entry point and layout), broken and truncated variants (same
verdict as clamscan, no crash), the layer path naming the unpacker,
limits reported as incomplete, and the packed files of
/usr/share/clamav-testfiles through the whole CLI.

ctest-labels: containers
"""
import os
import random
import shutil
import struct
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import pepack_more as pm  # noqa: E402
from unpackcmp import check, failures, names, vigil_json  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"
MARKER = b"VIGIL-UNPACK-MARKER-0123456789"
# the entry point of the unpacked programs
EP_CODE = bytes.fromhex("5589e583ec18c7042400000000")
OEP = 0x1010


def program(rng, size=0x600, calls=False):
    """An unpacked program body: EP code at OEP - 0x1000, MARKER (with
    its first half earlier, so a compressor refers back to it), text and
    random bytes (no e8/e9: ASPack would transform them)."""
    body = bytearray(size)
    body[OEP - 0x1000:OEP - 0x1000 + len(EP_CODE)] = EP_CODE
    pos = 0x40
    body[pos:pos + 17] = MARKER[:16] + b"!"
    noise = bytes(rng.choice([b for b in range(256) if b not in (0xE8, 0xE9)])
                  for _ in range(0x100))
    body[0x60:0x160] = noise
    body[0x180:0x180 + len(MARKER)] = MARKER
    text = b"abcabcabcabc the quick brown fox " * 8
    body[0x1C0:0x1C0 + len(text)] = text
    if calls:
        body[0x300:0x305] = b"\xe8\x20\x00\x00\x00"
    return bytes(body)


def cut(data, n):
    return data[:n]


def flip(data, at, n=16):
    b = bytearray(data)
    for k in range(at, min(at + n, len(b))):
        b[k] ^= 0x5A
    return bytes(b)


def cases(rng):
    """(name, bytes, expected set of names or None for "as clamscan")."""
    hit = {"Vg.Unpack.Marker.UNOFFICIAL", "Vg.Unpack.EP.UNOFFICIAL"}
    body = program(rng)
    out = []
    # yC: both stubs; a decryptor with an unknown instruction; one that
    # loops (clamscan's jump budget runs out: not unpacked, no alert)
    yc = pm.build_yc(body, oep=OEP)
    out.append(("yc-13", yc, hit))
    out.append(("yc-1x", pm.build_yc(body, oep=OEP, variant="1.x"), hit))
    # (the first decryptor is plain in the file: an unknown opcode in it)
    bad = bytearray(yc)
    bad[bad.index(pm.YC_DEC1) + 5] = 0x0F
    out.append(("yc-badop", bytes(bad), None))
    loop = bytearray(yc)
    at = loop.index(pm.YC_DEC1)
    loop[at:at + 2] = b"\xeb\xfe"  # jmp $: clamscan's jump budget runs out
    out.append(("yc-loop", bytes(loop), set()))
    out.append(("yc-trunc", cut(yc, len(yc) - 0x300), None))
    # WWPack32: two blocks; an empty block (the image scanned as it is);
    # cut and corrupt files
    ww = pm.build_wwpack([(0x1000, body), (0x3000, body[::-1])], oep=OEP)
    out.append(("ww", ww, hit))
    out.append(("ww-noblocks", pm.build_wwpack([(0x1000, body)], oep=OEP,
                                               table=struct.pack("<IIII", 0x5000, 0, 0, 0)),
                None))
    out.append(("ww-trunc", cut(ww, 0x1400), None))
    out.append(("ww-corrupt", flip(ww, 0x400 + 0x10), None))
    # Petite 2.2 (decoder stripped, entry point decrypted) and 2.1
    pt = pm.build_petite(body, oep=OEP)
    out.append(("pt", pt, hit))
    out.append(("pt-v1", pm.build_petite(body, version=1, with_tail=False),
                {"Vg.Unpack.Marker.UNOFFICIAL"}))
    out.append(("pt-notail", pm.build_petite(body, with_tail=False),
                {"Vg.Unpack.Marker.UNOFFICIAL"}))
    out.append(("pt-trunc", cut(pt, len(pt) - 0x200), None))
    out.append(("pt-corrupt", flip(pt, 0x1240, 64), None))  # the compressed data
    out.append(("pt-badlist", pm.build_petite(body, entries=struct.pack("<IIII", 0x7FFFFFF0, 4, 0x1000, 0) + bytes(4)), None))
    # ASPack 2.12: two blocks, a transformed call in the first
    asp = pm.build_aspack([(0x1000, program(rng, calls=True)), (0x3000, body[::-1])], oep=OEP)
    out.append(("as", asp, hit))
    for ver in (pm.ASPACK_OTHER, pm.ASPACK_242):
        out.append(("as-" + ver, pm.build_aspack([(0x1000, body), (0x3000, body[::-1])], oep=OEP,
                                                 version=ver), hit))
    out.append(("as-trunc", cut(asp, 0x1000), None))
    out.append(("as-corrupt", flip(asp, 0x400 + 0x20), None))
    out.append(("as-badtable", pm.build_aspack([(0x1000, body)], oep=OEP,
                                               table=struct.pack("<II", 0x1000, 0x7FFFF000)),
                None))
    return out


def main():
    vigil = os.environ.get("VIGIL")
    shared = os.environ.get("VG_SHARED", "")
    if not vigil or not shutil.which("clamscan"):
        print("needs VIGIL and clamscan")
        return 1
    work = tempfile.mkdtemp(prefix="vgunp2-")
    try:
        rng = random.Random(7)
        db = os.path.join(work, "db")
        os.makedirs(db)
        with open(os.path.join(db, "m.ndb"), "w") as f:
            f.write("Vg.Unpack.Marker:0:*:%s\n" % MARKER.hex())
            f.write("Vg.Unpack.EP:1:EP+0:%s\n" % EP_CODE.hex())
        paths, want = [], {}
        for name, data, expect in cases(rng):
            check(MARKER not in data, "%s: the packed file holds the marker" % name)
            p = os.path.join(work, name + ".exe")
            with open(p, "wb") as f:
                f.write(data)
            paths.append(p)
            want[p] = expect
        clam = names(["clamscan"], db, paths, strict=True)
        vig = names([vigil, "scan"], db, paths, strict=True)
        for p in paths:
            base = os.path.basename(p)
            check(clam[p] == vig[p], "%s: clamscan %s, vigil %s" %
                  (base, sorted(clam[p]), sorted(vig[p])))
            if want[p] is not None:
                check(vig[p] == want[p], "%s: vigil found %s" % (base, sorted(vig[p])))
        print("synthetic Petite/yC/WWPack/ASPack: %d files compared" % len(paths))

        # the layer path names the unpacker
        for name, tag in (("pt", "Petite"), ("yc-13", "yC"), ("ww", "WWPack"), ("as", "Aspack")):
            obj = vigil_json(vigil, db, os.path.join(work, name + ".exe"))
            layers = sorted({m["layer"] for m in obj["matches"]})
            check(layers == [tag + ":"], "%s layer path: %r" % (name, obj))

        # a limit that forbids unpacking (above the file's size, below
        # the unpacked image's): incomplete, never clean
        for name, limit in (("pt", "6K"), ("ww", "19K"), ("as", "20K")):
            p = os.path.join(work, name + ".exe")
            check(os.path.getsize(p) < int(limit[:-1]) * 1024, "%s: limit below the file" % name)
            obj = vigil_json(vigil, db, p, "--max-filesize=" + limit)
            check(obj["status"] == "incomplete" and "MaxFileSize" in obj["incomplete"],
                  "%s max-filesize: %r" % (name, obj))

        # the real packed test files, through the whole CLI
        src = os.path.join(shared, "data", "clamav-test", "clamav.hdb")
        if os.path.isfile(src) and os.path.isdir(TESTFILES):
            hdb = os.path.join(work, "hdb")
            os.makedirs(hdb)
            shutil.copy(src, hdb)
            for name, tag in (("clam-petite.exe", "Petite:"), ("clam-yc.exe", "yC:"),
                              ("clam-wwpack.exe", "WWPack:"), ("clam-aspack.exe", "Aspack:")):
                obj = vigil_json(vigil, hdb, os.path.join(TESTFILES, name))
                got = [(m["name"], m["layer"]) for m in obj["matches"]]
                check(got and all(n == "ClamAV-Test-File.UNOFFICIAL" for n, _ in got) and
                      any(layer.startswith(tag) for _, layer in got),
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
