"""test_ishield.py - InstallShield setups opened as clamscan opens them:
MSI-based ones (the "InstallShield\\0" stream in the overlay) and older
ones (files in the overlay, data1.hdr and ISc( cabinets), built by
tests/cli/lib/isgen.py with a test signature that only the hidden file
holds; differential against clamscan (allmatch names) on good, broken
and truncated setups, layer paths, limits reported incomplete, the
clamav-testfiles through the whole CLI.

ctest-labels: containers
"""
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import isgen  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"
MARKER = b"VIGIL-ISHIELD-MARKER-0123456789"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)


def names(cmd, dbdir, paths):
    """{path: set of names} from a clamscan-like scanner, -z; also the
    return code (2 = an error, anything else negative = a crash)."""
    r = subprocess.run(cmd + ["--no-summary", "-z", "-d", dbdir] + paths,
                       capture_output=True, timeout=600)
    out = {p: set() for p in paths}
    seen = set()
    for line in r.stdout.decode(errors="replace").splitlines():
        path, _, rest = line.rpartition(": ")
        if path in out:
            seen.add(path)
            if rest.endswith(" FOUND"):
                out[path].add(rest[:-6])
    return out, r.returncode, seen


def vigil_json(vigil, dbdir, path, *opts):
    r = subprocess.run([vigil, "scan", "--no-summary", "--json", "-d", dbdir] + list(opts) +
                       [path], capture_output=True, timeout=600)
    for line in r.stdout.decode().splitlines():
        obj = json.loads(line)
        if obj.get("type") == "file":
            return obj
    raise AssertionError("no JSON line for %s: %r" % (path, r.stdout))


def payload(rng, n, marker=True):
    """Random-ish bytes holding MARKER (compressible enough to be deflated)."""
    words = [bytes(rng.randrange(97, 123) for _ in range(rng.randrange(2, 9))) for _ in range(50)]
    body = b" ".join(rng.choice(words) for _ in range(n // 5))
    if not marker:
        return body
    cut = rng.randrange(len(body))
    return body[:cut] + MARKER + body[cut:]


def msi_cases(rng):
    hidden = payload(rng, 20000)
    other = payload(rng, 3000, marker=False)
    ini = b"[Startup]\r\nProduct=clam\r\n"
    out = [
        ("msi-basic", isgen.msi_setup([(b"0x0409.ini", ini), (b"clam.msi", hidden),
                                       (b"Setup.ini", other)])),
        ("msi-first", isgen.msi_setup([(b"clam.exe", hidden)])),
        # a long name: the key runs over all of it
        ("msi-longname", isgen.msi_setup([(b"A" * 200 + b".dat", hidden)])),
        # large: several 8 KiB runs, the key index past 0x3ff
        ("msi-large", isgen.msi_setup([(b"big.bin", payload(rng, 200000))])),
        # the header says more files than there are: the walk ends at the end
        ("msi-count", isgen.msi_setup([(b"a.txt", other), (b"b.bin", hidden)], count=9)),
        # bytes 8..0x20 of the header not zero: not an MSI stream
        ("msi-nonzero", isgen.msi_setup([(b"b.bin", hidden)], hdr_tail=b"\x01")),
        # no files
        ("msi-empty", isgen.msi_setup([(b"b.bin", hidden)], count=0)),
        # a zero compressed size ends the walk before the hidden file
        ("msi-zero", isgen.msi_setup([(b"a.txt", other, {"raw": b"", "csize": 0}),
                                      (b"b.bin", hidden)])),
        # the first file's stream is corrupt: clamscan reads the next block
        # right after the 8 KiB run where it broke: the end of a short
        # stream, the inside of a long one
        ("msi-corrupt", isgen.msi_setup([(b"a.txt", other, {"raw": bytes(300)}),
                                         (b"b.bin", hidden)])),
        ("msi-corrupt-long", isgen.msi_setup([(b"a.txt", other, {"raw": bytes(9000)}),
                                              (b"b.bin", hidden)])),
        # the stream is cut: its size points past the end of the file
        ("msi-cut", isgen.msi_setup([(b"b.bin", hidden, {"csize": 1 << 40})])),
    ]
    # an empty name ends the walk
    out.append(("msi-noname", isgen.msi_setup([(b"", hidden, {"raw": zlib.compress(hidden)})])))
    return out


def cab_cases(rng):
    hidden = payload(rng, 30000)
    other = payload(rng, 2000, marker=False)
    ini = b"[Startup]\r\nCmdLine=\r\n"
    hdr, cab = isgen.cab_parts([(b"license.rtf", other), (b"clam.exe", hidden)])
    hdr_e, cab_e = isgen.cab_parts([(b"license.rtf", other)], [(b"clam.exe", hidden)])
    E = isgen.entry
    out = [
        ("cab-int", isgen.cab_setup([E(b"data1.cab", cab), E(b"data1.hdr", hdr),
                                     E(b"setup.ini", ini)])),
        ("cab-ext", isgen.cab_setup([E(b"clam.exe", hidden), E(b"data1.cab", cab_e),
                                     E(b"data1.hdr", hdr_e), E(b"setup.ini", ini)])),
        ("cab-hdrfirst", isgen.cab_setup([E(b"data1.hdr", hdr), E(b"data1.cab", cab),
                                          E(b"setup.ini", ini)])),
        # clamscan never takes the overlay's last entry (its size check is
        # one byte short): a cabinet there is not read
        ("cab-lastcab", isgen.cab_setup([E(b"data1.hdr", hdr), E(b"data1.cab", cab)])),
    ]
    # the hidden file in several chunks, the marker across a chunk boundary
    big = payload(rng, 1000, marker=False) * 40
    big = big[:0x8000 - 10] + MARKER + big[0x8000 - 10:]
    s = isgen.cab_stream(big)
    cab2, offs = isgen.cab_file([s])
    hdr2 = isgen.hdr_file([{"name": b"big.bin", "size": len(big), "csize": len(s),
                            "off": offs[0]}], dirs=(b"", b"Program Files"))
    out.append(("cab-chunks", isgen.cab_setup([E(b"data1.hdr", hdr2), E(b"data1.cab", cab2),
                                               E(b"setup.ini", ini)])))
    # the file's directory is named; data2.cab holds it
    cab3, offs3 = isgen.cab_file([isgen.cab_stream(hidden)])
    hdr3 = isgen.hdr_file([{"name": b"clam.exe", "size": len(hidden),
                            "csize": len(isgen.cab_stream(hidden)), "off": offs3[0], "cab": 2,
                            "dir": 1}], dirs=(b"", b"bin"))
    out.append(("cab-data2", isgen.cab_setup([E(b"data1.hdr", hdr3), E(b"data1.cab", cab),
                                              E(b"data2.cab", cab3), E(b"setup.ini", ini)])))
    # broken header pieces: the header and cabinets are then scanned raw
    one = [{"name": b"clam.exe", "size": len(hidden), "csize": len(isgen.cab_stream(hidden)),
            "off": offs3[0]}]
    variants = {
        "cab-badmagic": isgen.hdr_file(one, magic=b"ISx("),
        "cab-nocab": isgen.hdr_file([dict(one[0], cab=7)]),
        "cab-outside": isgen.hdr_file([dict(one[0], off=1 << 20)]),
        "cab-zerocsize": isgen.hdr_file([dict(one[0], csize=0)]),
        "cab-dup": isgen.hdr_file([dict(one[0], dup=1)]),
        "cab-empty": isgen.hdr_file([dict(one[0], size=0)]),
        "cab-flags": isgen.hdr_file([dict(one[0], flags=12)]),
        "cab-count": isgen.hdr_file(one, count=0x03800000),  # past the 32-bit wrap
        "cab-short": isgen.hdr_file(one)[:0x20],
    }
    for name, h in variants.items():
        out.append((name, isgen.cab_setup([E(b"data1.hdr", h), E(b"data1.cab", cab3),
                                           E(b"setup.ini", ini)])))
    # a corrupt deflate chunk: the file is not scanned, the cabinet is
    bad = bytearray(cab3)
    bad[offs3[0] + 2:offs3[0] + 40] = b"\xff" * 38
    out.append(("cab-corrupt", isgen.cab_setup([E(b"data1.hdr", isgen.hdr_file(one)),
                                                E(b"data1.cab", bytes(bad)), E(b"setup.ini", ini)])))
    # no header: the cabinets are scanned raw
    out.append(("cab-nohdr", isgen.cab_setup([E(b"data1.cab", cab3), E(b"setup.ini", ini)])))
    # the header without cabinets
    out.append(("cab-nocabs", isgen.cab_setup([E(b"data1.hdr", isgen.hdr_file(one)),
                                               E(b"setup.ini", ini)])))
    # two data1.hdr: the second is scanned as a plain file
    out.append(("cab-twohdr", isgen.cab_setup([E(b"data1.hdr", isgen.hdr_file(one)),
                                               E(b"DATA1.HDR", hidden),
                                               E(b"data1.cab", cab3), E(b"setup.ini", ini)])))
    # clamscan's duplicate check on cab numbers (index against number)
    out.append(("cab-dupno", isgen.cab_setup([E(b"data3.cab", other), E(b"data1.cab", hidden),
                                              E(b"data1.cab", cab3), E(b"setup.ini", ini)])))
    # sizes as strtol reads them; a bad one ends the walk
    out.append(("cab-sizes", isgen.cab_setup([E(b"a.txt", other, size=b" +%d" % len(other)),
                                              E(b"b.bin", hidden), E(b"setup.ini", ini)])))
    out.append(("cab-badsize", isgen.cab_setup([E(b"a.txt", other, size=b"%dx" % len(other)),
                                                E(b"b.bin", hidden)])))
    out.append(("cab-toolong", isgen.cab_setup([E(b"b.bin", hidden, size=b"%d" % (len(hidden) + 1))])))
    # a name longer than 2048 bytes ends the walk
    out.append(("cab-longname", isgen.cab_setup([E(b"x" * 3000, other), E(b"b.bin", hidden)])))
    return out


def entries(data, start=0x800):
    """{name: data} of the overlay entries of a setup built by isgen."""
    out = {}
    off = start
    while True:
        parts = []
        for _ in range(4):
            end = data.find(b"\0", off)
            if end < 0:
                return out
            parts.append(data[off:end])
            off = end + 1
        try:
            n = int(parts[3])
        except ValueError:
            return out
        out.setdefault(parts[0], data[off:off + n])
        off += n


def write_cases(work, cases):
    paths = []
    for name, data in cases:
        p = os.path.join(work, name + ".exe")
        with open(p, "wb") as f:
            f.write(data)
        paths.append(p)
    return paths


def compare(vigil, db, paths, label):
    clam, _, _ = names(["clamscan"], db, paths)
    vig, rc, seen = names([vigil, "scan"], db, paths)
    check(rc in (0, 1), "%s: vigil exit code %d" % (label, rc))
    for p in paths:
        base = os.path.basename(p)
        check(p in seen, "%s: no result line for %s" % (label, base))
        check(clam[p] == vig[p], "%s %s: clamscan %s, vigil %s" %
              (label, base, sorted(clam[p]), sorted(vig[p])))
    return clam, vig


def main():
    vigil = os.environ.get("VIGIL")
    shared = os.environ.get("VG_SHARED", "")
    if not vigil or not shutil.which("clamscan"):
        print("needs VIGIL and clamscan")
        return 1
    work = tempfile.mkdtemp(prefix="vgis-")
    try:
        rng = random.Random(11)
        db = os.path.join(work, "db")
        os.makedirs(db)
        cases = msi_cases(rng) + cab_cases(rng)
        by_name = dict(cases)
        # signatures: the marker (body), a cabinet's own bytes (hash: only
        # a raw scan of the cabinet matches), an entry's name and size (.cdb)
        with open(os.path.join(db, "m.ndb"), "w") as f:
            f.write("Vg.IShield.Marker:0:*:%s\n" % MARKER.hex())
        raw_cab = entries(by_name["cab-nohdr"])[b"data1.cab"]
        ext = entries(by_name["cab-ext"])[b"clam.exe"]
        with open(os.path.join(db, "c.hdb"), "w") as f:
            f.write("%s:%d:Vg.IShield.RawCab\n" % (hashlib.md5(raw_cab).hexdigest(), len(raw_cab)))
            f.write("%s:%d:Vg.IShield.Ext\n" % (hashlib.md5(ext).hexdigest(), len(ext)))
        with open(os.path.join(db, "e.cdb"), "w") as f:
            f.write("Vg.IShield.Cdb:*:*:(?i)setup\\.ini$:*:*:*:*:*:*\n")
        for name, data in cases:
            if name not in ("cab-ext", "cab-twohdr", "cab-dupno", "cab-sizes", "cab-badsize",
                            "cab-toolong", "cab-longname"):
                check(MARKER not in data, "%s: the setup holds the marker in clear" % name)
        paths = write_cases(work, cases)
        clam, vig = compare(vigil, db, paths, "synthetic")
        # the cases meant to be found are found
        for name in ("msi-basic", "msi-first", "msi-longname", "msi-large", "msi-count",
                     "cab-int", "cab-ext", "cab-chunks", "cab-data2", "cab-hdrfirst"):
            p = os.path.join(work, name + ".exe")
            check("Vg.IShield.Marker.UNOFFICIAL" in vig[p], "%s: marker not found: %s" %
                  (name, sorted(vig[p])))
        print("synthetic InstallShield: %d files compared" % len(paths))

        # truncated and damaged copies: a result line, no crash, same names
        cut = []
        for name in ("msi-basic", "cab-int", "cab-ext"):
            data = by_name[name]
            for n in sorted(set([0x800 + 10, 0x800 + 60, 0x800 + 400, len(data) // 2,
                                 len(data) - 1] + [rng.randrange(0x800, len(data))
                                                   for _ in range(6)])):
                cut.append(("cut-%s-%d" % (name, n), data[:n]))
            for k in range(6):
                d = bytearray(data)
                for _ in range(20):
                    d[rng.randrange(0x800, len(d))] = rng.randrange(256)
                cut.append(("flip-%s-%d" % (name, k), bytes(d)))
        compare(vigil, db, write_cases(work, cut), "damaged")
        print("damaged InstallShield: %d files compared" % len(cut))

        # layer paths
        obj = vigil_json(vigil, db, os.path.join(work, "msi-basic.exe"))
        got = [(m["name"], m["layer"]) for m in obj["matches"]]
        check(got == [("Vg.IShield.Marker.UNOFFICIAL", "ISHIELD-MSI:clam.msi")],
              "msi layer path: %r" % got)
        obj = vigil_json(vigil, db, os.path.join(work, "cab-data2.exe"))
        got = sorted((m["name"], m["layer"]) for m in obj["matches"])
        check(("Vg.IShield.Marker.UNOFFICIAL", "ISHIELD:bin\\clam.exe") in got,
              "cab layer path: %r" % got)
        obj = vigil_json(vigil, db, os.path.join(work, "cab-ext.exe"), "-z")
        got = sorted((m["name"], m["layer"]) for m in obj["matches"])
        check(("Vg.IShield.Ext.UNOFFICIAL", "ISHIELD:clam.exe") in got,
              "external file layer path: %r" % got)

        # limits: incomplete, never clean
        for name in ("msi-large", "cab-chunks"):
            obj = vigil_json(vigil, db, os.path.join(work, name + ".exe"), "--max-filesize=20K")
            check(obj["status"] == "incomplete" and "MaxFileSize" in obj["incomplete"],
                  "%s max-filesize: %r" % (name, obj))
        obj = vigil_json(vigil, db, os.path.join(work, "msi-basic.exe"), "--max-files=1")
        check(obj["status"] == "incomplete" and "MaxFiles" in obj["incomplete"],
              "max-files: %r" % obj)

        # the clamav-testfiles through the whole CLI
        src = os.path.join(shared, "data", "clamav-test", "clamav.hdb")
        if os.path.isfile(src) and os.path.isdir(TESTFILES):
            hdb = os.path.join(work, "hdb")
            os.makedirs(hdb)
            shutil.copy(src, hdb)
            tf = [os.path.join(TESTFILES, n) for n in ("clam_ISmsi_int.exe", "clam_ISmsi_ext.exe",
                                                       "clam_IScab_int.exe", "clam_IScab_ext.exe")]
            compare(vigil, hdb, tf, "testfiles")
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
