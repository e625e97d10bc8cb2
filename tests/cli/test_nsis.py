"""test_nsis.py - NSIS installers (lib/containers/nsis.c), differential
against clamscan on the same signatures:
  - real installers built by makensis (Debian's nsis package) with each
    compressor (zlib, bzip2, lzma), solid and not, installing a file with
    a test signature and ClamAV's test executable;
  - installers built byte by byte (tests/cli/lib/nsisgen.py): stored
    blocks, a signature in the header block (matched as raw data), empty
    blocks, an overlay, no CRC;
  - truncated and damaged installers: the same names as clamscan, a clear
    exit status, never a crash;
  - limits that cut a member: incomplete, never clean;
  - clam-nsis.exe from clamav-testfiles: the name and the layer path.

ctest-labels: containers
"""
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import nsisgen  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"
MARKER = b"VIGIL-NSIS-MARKER-0123456789abcdef"
HEADMARK = b"VIGIL-NSIS-HEADER-BLOCK-fedcba9876"
CLAM = "ClamAV-Test-File.UNOFFICIAL"
M_NAME = "Vg.Nsis.Marker.UNOFFICIAL"
H_NAME = "Vg.Nsis.Head.UNOFFICIAL"

# Where vigil reads more than clamscan on purpose (docs/internals/CONTAINERS.md,
# NSIS): there vigil must find at least what clamscan finds.
MORE = {
    "zlib-solid": "clamscan's NSIS inflate takes input ahead of its output and ends "
                  "a small solid stream early",
    "lzma-huge-dict": "clamscan cannot allocate the 4 GiB dictionary; vigil caps it",
    "damaged": "vigil scans what a damaged stream produced; clamscan drops that piece",
}

failures = []


def more_reason(name):
    for key, why in MORE.items():
        if key in name:
            return why
    return None


def compare(name, clam, vig):
    """Same names as clamscan, or more where MORE says why."""
    if clam == vig:
        return
    why = more_reason(name)
    if why and clam < vig:
        print("more      %s: clamscan %s, vigil %s (%s)" % (name, sorted(clam), sorted(vig), why))
        return
    check(False, "%s: clamscan %s, vigil %s" % (name, sorted(clam), sorted(vig)))


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)


def scan(cmd, dbdir, paths):
    """{path: set of names} and the exit status of a clamscan-like scanner."""
    r = subprocess.run(cmd + ["--no-summary", "-z", "-d", dbdir] + paths,
                       capture_output=True, timeout=600)
    out = {p: set() for p in paths}
    for line in r.stdout.decode(errors="replace").splitlines():
        path, _, rest = line.rpartition(": ")
        if rest.endswith(" FOUND") and path in out:
            out[path].add(rest[:-6])
    return out, r.returncode, r.stderr.decode(errors="replace")


def vigil_json(vigil, dbdir, path, *opts):
    r = subprocess.run([vigil, "scan", "--no-summary", "--json", "-d", dbdir] + list(opts) +
                       [path], capture_output=True, timeout=600)
    for line in r.stdout.decode().splitlines():
        obj = json.loads(line)
        if obj.get("type") == "file":
            return obj
    raise AssertionError("no JSON line for %s: %r %r" % (path, r.stdout, r.stderr))


def payload(rng, size):
    """Text-like bytes with MARKER in the middle: every compressor makes
    them smaller (so makensis and nsisgen compress the block) and none
    leaves the marker readable."""
    words = [bytes(rng.randrange(97, 123) for _ in range(rng.randrange(2, 9)))
             for _ in range(300)]
    text = b" ".join(rng.choice(words) for _ in range(size // 4))
    half = size // 2
    return text[:half] + MARKER + text[half:size]


def generated(rng, clam_exe):
    """(name, installer bytes, names both scanners must report or None)."""
    header = b"NSIS header block " * 20 + HEADMARK + b" strings " * 30
    pay = payload(rng, 3000)
    blocks = [header, pay, b"", clam_exe, b"text text text " * 50]
    full = {M_NAME, H_NAME} | ({CLAM} if clam_exe else set())
    out = []
    for method in ("zlib", "lzma", "bzip2"):
        for solid in (False, True):
            tag = method + ("-solid" if solid else "")
            arch = nsisgen.archive(blocks, method, solid=solid)
            out.append((tag, nsisgen.installer(arch), full))
            # cut short: what is there is read, the rest is not invented
            for frac in (40, 75, 97):
                out.append(("%s-cut%d" % (tag, frac),
                            nsisgen.installer(arch[:len(arch) * frac // 100]), None))
            # damaged compressed data in the middle of the archive
            d = bytearray(arch)
            for i in range(len(d) // 2, len(d) // 2 + 40):
                d[i] ^= 0x5A
            out.append((tag + "-damaged", nsisgen.installer(bytes(d)), None))
    out.append(("stored", nsisgen.installer(nsisgen.archive(blocks, None)), full))
    out.append(("overlay", nsisgen.installer(nsisgen.archive(blocks, "lzma"),
                                             overlay=b"\x01\x02overlay" * 100), full))
    out.append(("nocrc", nsisgen.installer(nsisgen.archive(blocks, "zlib", crc=False)), full))
    # the first header claims more than the file holds
    out.append(("declared-long", nsisgen.installer(
        nsisgen.archive(blocks, "lzma", declared=1 << 20)), None))
    # nonsense sizes: smaller than the first header, a block past the end
    out.append(("declared-tiny", nsisgen.installer(
        nsisgen.archive(blocks, "lzma", declared=8)), None))
    a = bytearray(nsisgen.archive(blocks, "zlib"))
    struct.pack_into("<I", a, nsisgen.FIRST, 0xFFFFFFF0)
    out.append(("block-past-end", nsisgen.installer(bytes(a)), None))
    # an LZMA block whose properties ask for a 4 GiB dictionary
    big = [header, b"\0" * 100 + MARKER + b"\0" * 100]
    a = bytearray(nsisgen.archive(big, "lzma"))
    first = struct.unpack_from("<I", a, nsisgen.FIRST)[0] & 0x7FFFFFFF
    at = nsisgen.FIRST + 4 + first
    struct.pack_into("<I", a, at + 4 + 1, 0xFFFFFFFF)
    out.append(("lzma-huge-dict", nsisgen.installer(bytes(a)), None))
    return out


def makensis_cases(work, clam_path, marker_path):
    """(name, path) of installers makensis builds, or [] with a failure."""
    mk = shutil.which("makensis")
    if not mk:
        check(False, "makensis not installed (scripts/setup-deps.sh test)")
        return []
    out = []
    for method in ("zlib", "bzip2", "lzma"):
        for solid in (False, True):
            name = "mk-%s%s" % (method, "-solid" if solid else "")
            exe = os.path.join(work, name + ".exe")
            nsi = os.path.join(work, name + ".nsi")
            with open(nsi, "w") as f:
                f.write('Name "vigil test"\nOutFile "%s"\n' % exe)
                f.write("SetCompressor %s%s\n" % ("/SOLID " if solid else "", method))
                f.write("RequestExecutionLevel user\nSection\nSetOutPath $TEMP\n")
                if clam_path:
                    f.write('File "%s"\n' % clam_path)
                f.write('File "%s"\nSectionEnd\n' % marker_path)
            r = subprocess.run([mk, "-V1", nsi], capture_output=True, timeout=300)
            if r.returncode != 0 or not os.path.isfile(exe):
                check(False, "makensis %s: %s" % (name, r.stdout.decode(errors="replace")[-500:]))
                continue
            out.append((name, exe))
    return out


def main():
    vigil = os.environ.get("VIGIL")
    shared = os.environ.get("VG_SHARED", "")
    if not vigil or not shutil.which("clamscan"):
        print("needs VIGIL and clamscan")
        return 1
    work = tempfile.mkdtemp(prefix="vgnsis-")
    try:
        rng = random.Random(7)
        db = os.path.join(work, "db")
        os.makedirs(db)
        with open(os.path.join(db, "m.ndb"), "w") as f:
            f.write("Vg.Nsis.Marker:0:*:%s\n" % MARKER.hex())
            f.write("Vg.Nsis.Head:0:*:%s\n" % HEADMARK.hex())
        hdb = os.path.join(shared, "data", "clamav-test", "clamav.hdb")
        clam_path = os.path.join(TESTFILES, "clam.exe")
        clam_exe = b""
        if os.path.isfile(hdb) and os.path.isfile(clam_path):
            shutil.copy(hdb, db)
            with open(clam_path, "rb") as f:
                clam_exe = f.read()
        else:
            print("clamav-testfiles or shared data missing: ClamAV's test file left out")
            clam_path = None

        # generated installers
        cases = generated(rng, clam_exe)
        paths, want = [], {}
        for name, data, names in cases:
            p = os.path.join(work, name + ".exe")
            with open(p, "wb") as f:
                f.write(data)
            paths.append(p)
            want[p] = names
            if names is not None and name != "stored":
                check(MARKER not in data and HEADMARK not in data,
                      "%s: the installer shows the markers" % name)
        clam, _, _ = scan(["clamscan"], db, paths)
        vig, rc, err = scan([vigil, "scan"], db, paths)
        check(rc in (0, 1), "vigil exit status %d on generated installers: %s" % (rc, err[-2000:]))
        for p in paths:
            base = os.path.basename(p)
            compare(base, clam[p], vig[p])
            if want[p] is not None:
                check(vig[p] == want[p], "%s: vigil found %s, want %s" %
                      (base, sorted(vig[p]), sorted(want[p])))
        print("generated: %d installers compared" % len(paths))

        # one at a time, the broken ones: each scan ends cleanly
        for name, _, names in cases:
            if names is None:
                p = os.path.join(work, name + ".exe")
                r = subprocess.run([vigil, "scan", "--no-summary", "-d", db, p],
                                   capture_output=True, timeout=600)
                check(r.returncode in (0, 1), "%s: exit status %d %r" %
                      (name, r.returncode, r.stderr[-500:]))

        # real installers from makensis
        marker_path = os.path.join(work, "marker.bin")
        with open(marker_path, "wb") as f:
            f.write(payload(rng, 20000))
        mk = makensis_cases(work, clam_path, marker_path)
        if mk:
            mpaths = [p for _, p in mk]
            clam, _, _ = scan(["clamscan"], db, mpaths)
            vig, rc, err = scan([vigil, "scan"], db, mpaths)
            check(rc == 1, "vigil exit status %d on makensis installers: %s" % (rc, err[-2000:]))
            full = {M_NAME} | ({CLAM} if clam_path else set())
            for name, p in mk:
                compare(name, clam[p], vig[p])
                check(vig[p] == full, "%s: vigil found %s" % (name, sorted(vig[p])))
            print("makensis: %d installers compared" % len(mk))

        # the layer path of a match: the archive at its offset, then the block
        obj = vigil_json(vigil, db, os.path.join(work, "lzma.exe"), "-z")
        layers = sorted((m["name"], m["layer"]) for m in obj["matches"])
        at = "NSIS:@%d" % nsisgen.STUB_END
        exp = [(H_NAME, at + "!NSIS:headers"), (M_NAME, at + "!NSIS:content.001")]
        if clam_exe:
            exp.append((CLAM, at + "!NSIS:content.003"))
        check(layers == sorted(exp), "layer paths: %r" % layers)

        # limits that cut a member: incomplete, never clean (a member of
        # 200 KB that compresses to almost nothing, a 64 KiB file size limit)
        big = [b"header " * 40, bytes(200000) + MARKER + bytes(1000)]
        for method, solid in (("lzma", False), ("lzma", True), ("bzip2", False),
                              ("bzip2", True), ("zlib", False), ("zlib", True)):
            name = "big-%s%s" % (method, "-solid" if solid else "")
            p = os.path.join(work, name + ".exe")
            with open(p, "wb") as f:
                f.write(nsisgen.installer(nsisgen.archive(big, method, solid=solid)))
            check(os.path.getsize(p) < 64 << 10, "%s: too large for the test" % name)
            obj = vigil_json(vigil, db, p, "--max-filesize=64K")
            check(obj["status"] != "clean" and "MaxFileSize" in obj.get("incomplete", []),
                  "%s max-filesize: %r" % (name, obj))
            obj = vigil_json(vigil, db, p, "--max-files=2")
            check(obj["status"] != "clean" and "MaxFiles" in obj.get("incomplete", []),
                  "%s max-files: %r" % (name, obj))
            obj = vigil_json(vigil, db, p)
            check([m["name"] for m in obj["matches"]] == [M_NAME], "%s: %r" % (name, obj))

        # clam-nsis.exe: ClamAV's test executable inside an LZMA installer
        if clam_exe:
            obj = vigil_json(vigil, db, os.path.join(TESTFILES, "clam-nsis.exe"))
            got = [(m["name"], m["layer"]) for m in obj["matches"]]
            check(got == [(CLAM, "NSIS:@46080!NSIS:content.001")], "clam-nsis.exe: %r" % got)
        if failures:
            print("%d failures" % len(failures))
            return 1
        print("ok")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


sys.exit(main())
