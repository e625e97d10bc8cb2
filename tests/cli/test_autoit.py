"""test_autoit.py - compiled AutoIt scripts (EA05, EA06) opened as
clamscan opens them.

Executables are built by tests/cli/lib/au3gen.py (a small PE with the
AutoIt data appended: encrypted records, compressed or stored, and EA06
token scripts), with well-formed and broken records. Byte for byte: each
file is first scanned by clamscan with --leave-temps; every autoit.NNN it
extracts gets a hash signature (.hdb), and vigil must then find exactly
the names clamscan finds (hashes of the extracted files and scripts, and
the marker string) on every case, including truncated and corrupt ones.
The layer path names the member ("AUTOIT:autoit.NNN"); the real samples
of clamav-testfiles are checked through the CLI; limits that stop an
extraction are reported incomplete, never clean; random corruption never
crashes.

ctest-labels: containers
"""
import hashlib
import os
import random
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import au3gen as g  # noqa: E402
import cscan  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"
M = cscan.MARKER


def token_script(marker=True):
    """A script with every kind of token; the marker in a string."""
    lines = [
        [g.kw(32), g.name(g.FUNC, "_Check"), g.op("("), g.name(g.VAR, "sPath"), g.op(","),
         g.name(g.VAR, "iFlag"), g.op("="), g.int32(-1), g.op(")")],
        [g.kw(28), g.name(g.VAR, "n"), g.op("="), g.fn(106), g.op("("), g.name(g.VAR, "sPath"),
         g.op(")"), g.op("-"), g.int32(1)],
        [g.kw(4), g.name(g.MACRO, "error"), g.kw(2), g.name(g.VAR, "n"), g.op("<="),
         g.int64(-2), g.kw(5), g.kw(34), g.double(2.5)],
        [g.fn(249), g.op("("), g.int32(0), g.op(","),
         g.name(g.STRING, ("say " + M.decode() if marker else "hello")), g.op(","),
         g.name(g.STRING, ""), g.op(")")],
        [g.name(g.VAR, "o"), g.name(g.OBJECT, "Visible"), g.op("&="), g.double(-1e300),
         g.op("?"), g.name(g.CONSTRUCT, "x"), g.op(":"), g.name(g.COMMAND, "y")],
        [g.name(g.DIRECTIVE, "include-once"), g.name(g.STRING, "caf\u00e9 \u20ac"),
         g.name(g.STRING, "", raw=b"\xff\xfeB\0O\0M\0!\0")],
        [g.kw(33)],
    ]
    return g.script(lines)


def binary(tag, size=3000, seed=1):
    """Compressible bytes with the marker and some noise."""
    r = random.Random(seed)
    noise = bytes(r.randrange(256) for _ in range(200))
    body = (b"file " + tag.encode() + b" " + M + b" ") + noise + b"abc" * 300 + noise
    return (body * (size // len(body) + 1))[:size]


def cases():
    """(name, bytes) of AutoIt executables."""
    out = []
    r = random.Random(7)
    far = bytes(r.randrange(256) for _ in range(600))
    big = far + bytes(r.randrange(256) for _ in range(0x7000)) + far + b"\0" * 70000
    for ver in (g.EA05, g.EA06):
        v = ver.lower()
        bin1 = binary(v)
        scr = token_script()
        good = [g.record(ver, bin1), g.record(ver, scr, magic=g.SCRIPT_MAGIC)]
        out.append((v + "-basic", g.au3(ver, good)))
        out.append((v + "-stored", g.au3(ver, [g.record(ver, bin1, comp=False),
                                              g.record(ver, scr, magic=g.SCRIPT_MAGIC,
                                                       comp=False)])))
        out.append((v + "-literal", g.au3(ver, [g.record(ver, bin1, literal_only=True)])))
        # distances near 0x7fff, a run coded with many 255s
        out.append((v + "-far", g.au3(ver, [g.record(ver, big + M)])))
        # the 16 header bytes key EA05's data
        head = bytes(range(0xE0, 0xF0))
        out.append((v + "-head", g.au3(ver, [g.record(ver, bin1, head16=head)], head16=head)))
        # an empty record is skipped; the next one is read
        out.append((v + "-empty", g.au3(ver, [g.record(ver, b"", comp=False)] + good)))
        # a compressed record under 4 bytes: clamscan goes on at its data
        out.append((v + "-tiny", g.au3(ver, [g.record(ver, b"xy", stream=b"xyz")] + good)))
        # the other version's compression magic: skipped, the next is read
        other = g.EA06 if ver == g.EA05 else g.EA05
        out.append((v + "-badmagic", g.au3(ver, [g.record(ver, bin1,
                                                          stream=g.compress(other, bin1))] + good)))
        # under 4 bytes of output: skipped, not counted by EA05
        out.append((v + "-short", g.au3(ver, [g.record(ver, b"abc", comp=False)] + good)))
        # declared size 0 in the stream header: the stored size is used
        s = bytearray(g.compress(ver, bin1))
        s[4:8] = b"\0\0\0\0"
        out.append((v + "-usize0", g.au3(ver, [g.record(ver, bin1, stream=bytes(s))])))
        # the stream cut: what was decoded is kept
        s = g.compress(ver, bin1)
        out.append((v + "-cutstream", g.au3(ver, [g.record(ver, bin1, stream=s[:len(s) // 2])]
                                           + good)))
        # a match reaching before the output: decoding stops there
        bits = g._Bits()
        mflag = 1 if ver == g.EA05 else 0
        for c in b"0123456789" + M:
            bits.put(mflag ^ 1, 1)
            bits.put(c, 8)
        bits.put(mflag, 1)
        bits.put(5000, 15)
        bits.put(0, 2)
        out.append((v + "-baddist", g.au3(ver, [g.record(
            ver, b"x" * 100, stream=ver.encode() + b"\0\0\0\x64" + bits.finish())] + good)))
        # the file ends inside the third record's data
        f = g.au3(ver, good + [g.record(ver, binary("late", 5000, 3), comp=False)])
        out.append((v + "-truncated", f[:-2000]))
        # two markers: both are read
        out.append((v + "-twice", g.au3(ver, good) + g.GUID + b"AU3!" + ver.encode() +
                    g.DEFAULT_HEAD + g.record(ver, binary("second", 800, 4))))
    # EA06 scripts: broken tokens keep the text before them
    ver = g.EA06
    scr = token_script()
    bad_op = scr[:-12] + b"\x99" + scr[-12:]
    out.append(("ea06-badtoken", g.au3(ver, [g.record(ver, bad_op, magic=g.SCRIPT_MAGIC)])))
    bad_kw = g.script([[g.name(g.STRING, M.decode())], [g.kw(45), g.kw(1)]])
    out.append(("ea06-badkeyword", g.au3(ver, [g.record(ver, bad_kw, magic=g.SCRIPT_MAGIC)])))
    bad_fn = g.script([[g.name(g.STRING, M.decode())], [g.fn(406)]])
    out.append(("ea06-badfunction", g.au3(ver, [g.record(ver, bad_fn, magic=g.SCRIPT_MAGIC)])))
    # the line count ends the text before the marker line
    few = g.script([[g.kw(4), g.name(g.VAR, "someVariable")], [g.name(g.STRING, M.decode())]],
                   count=1)
    out.append(("ea06-linecount", g.au3(ver, [g.record(ver, few, magic=g.SCRIPT_MAGIC)])))
    # a string token longer than the data
    long_ = g.script([[g.name(g.STRING, "text before it")]])[:-1] + b"\x36\xff\xff\x00\x00ab"
    out.append(("ea06-longstring", g.au3(ver, [g.record(ver, long_, magic=g.SCRIPT_MAGIC)])))
    # not the script magic: the tokens are scanned as they are
    out.append(("ea06-notscript", g.au3(ver, [g.record(ver, scr, magic=">>>AUTOIT SCRIPT<<!")])))
    return out


def extracted(work, path):
    """The autoit.NNN files clamscan extracts from path (--leave-temps)."""
    tmp = os.path.join(work.dir, "leave")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    subprocess.run(["clamscan", "--disable-cache", "--no-summary", "-z", "--leave-temps",
                    "--tempdir=" + tmp, "-d", work.db, path], capture_output=True, timeout=600)
    found = []
    for root, _, files in os.walk(tmp):
        for n in sorted(files):
            if n.startswith("autoit."):
                with open(os.path.join(root, n), "rb") as f:
                    found.append((n, f.read()))
    shutil.rmtree(tmp, ignore_errors=True)
    return found


def differential(work, items):
    """Hash every file clamscan extracts; vigil must report the same names."""
    hashes = {}
    per_file = {}
    for name, data in items:
        p = work.write(name + ".exe", data)
        got = extracted(work, p)
        per_file[p] = got
        for _, content in got:
            if content:
                hashes[hashlib.md5(content).hexdigest()] = len(content)
    with open(os.path.join(work.db, "au3.hdb"), "w") as f:
        for h, n in sorted(hashes.items()):
            f.write("%s:%d:Au3.Member.%s\n" % (h, n, h[:12]))
    paths = sorted(per_file)
    vig = cscan.scan(work, paths)
    clam = cscan.clamscan(work, paths)
    for p in paths:
        base = os.path.basename(p)
        want = {"Au3.Member.%s.UNOFFICIAL" % hashlib.md5(c).hexdigest()[:12]
                for _, c in per_file[p] if c}
        if any(M in c for _, c in per_file[p]):
            want.add(cscan.NAME)
        work.check(set(clam[p]) == want, "%s: clamscan finds its own %d members" %
                   (base, len(per_file[p])))
        work.check(cscan.names(vig[p]) == clam[p], "%s: vigil %s, clamscan %s" %
                   (base, cscan.names(vig[p]), clam[p]))
    return vig


def main():
    vigil = cscan.vigil()
    if not shutil.which("clamscan"):
        print("needs clamscan")
        return 1
    work = cscan.Work("vgau3-")
    try:
        items = cases()
        for name, data in items:
            work.check(M not in data, "%s: the marker is not in plain sight" % name)
        vig = differential(work, items)
        print("synthetic AutoIt: %d files compared" % len(items))

        # layer paths name the member as clamscan's temporary file
        rec = vig[work.path("ea06-basic.exe")]
        work.check(cscan.layers(rec, cscan.NAME) == ["AUTOIT:autoit.001", "AUTOIT:autoit.002"],
                   "ea06-basic: layers %s" % cscan.layers(rec, cscan.NAME))
        rec = vig[work.path("ea05-short.exe")]
        work.check(cscan.layers(rec) == ["AUTOIT:autoit.001", "AUTOIT:autoit.002"],
                   "ea05-short: too-short member not counted (%s)" % cscan.layers(rec))
        rec = vig[work.path("ea06-short.exe")]
        work.check(cscan.layers(rec) == ["AUTOIT:autoit.002", "AUTOIT:autoit.003"],
                   "ea06-short: too-short member counted (%s)" % cscan.layers(rec))

        # limits: never clean
        for ver in (g.EA05, g.EA06):
            v = ver.lower()
            big = b"A" * 300000 + M
            p = work.write(v + "-big.exe", g.au3(ver, [g.record(ver, big)]))
            rec = cscan.scan(work, [p], ["--max-filesize=200K"])[p]
            work.check(rec["status"] == "incomplete" and "MaxFileSize" in rec.get("incomplete", []),
                       "%s: member over max-filesize is incomplete (%s)" % (v, rec.get("incomplete")))
            rec = cscan.scan(work, [p], ["--max-scansize=100K"])[p]
            work.check(rec["status"] == "incomplete" and "MaxScanSize" in rec.get("incomplete", []),
                       "%s: member over max-scansize is incomplete (%s)" % (v, rec.get("incomplete")))
            rec = cscan.scan(work, [p])[p]
            work.check(cscan.names(rec) == [cscan.NAME], "%s: found without limits" % v)
            many = [g.record(ver, binary("m%d" % i, 300, i)) for i in range(5)]
            p = work.write(v + "-many.exe", g.au3(ver, many))
            rec = cscan.scan(work, [p], ["--max-files=2"])[p]
            work.check("MaxFiles" in rec.get("incomplete", []),
                       "%s: max-files is incomplete (%s)" % (v, rec.get("incomplete")))

        # random damage: a result for every file, never a crash
        rng = random.Random(11)
        damaged = []
        picked = [(n, d) for n, d in items
                  if n in ("ea05-basic", "ea05-stored", "ea06-basic", "ea06-stored")]
        for name, data in picked:
            for k in range(12):
                b = bytearray(data)
                start = len(g.small_pe())
                for _ in range(1 + k % 4):
                    b[rng.randrange(start, len(b))] = rng.randrange(256)
                damaged.append(work.write("dmg-%s-%d.exe" % (name, k), bytes(b)))
                cut = rng.randrange(start, len(data))
                damaged.append(work.write("cut-%s-%d.exe" % (name, k), data[:cut]))
        r = subprocess.run([vigil, "scan", "--json", "--no-summary", "-z", "-d", work.db] + damaged,
                           capture_output=True, timeout=600)
        work.check(r.returncode in (0, 1), "damaged files: exit %d, %s" %
                   (r.returncode, r.stderr.decode(errors="replace")[-300:]))
        seen = r.stdout.decode(errors="replace").count('"type":"file"')
        work.check(seen == len(damaged), "damaged files: %d results for %d" % (seen, len(damaged)))
        # truncated files give what clamscan gives
        cuts = [p for p in damaged if os.path.basename(p).startswith("cut-")]
        vig = cscan.scan(work, cuts)
        clam = cscan.clamscan(work, cuts)
        bad = [os.path.basename(p) for p in cuts if cscan.names(vig[p]) != clam[p]]
        work.check(not bad, "truncated files agree with clamscan (%d; differ: %s)" %
                   (len(cuts), bad))

        # the real samples, through the whole CLI
        src = os.path.join(os.environ.get("VG_SHARED", ""), "data", "clamav-test", "clamav.hdb")
        if os.path.isfile(src) and os.path.isdir(TESTFILES):
            hdb = cscan.Work("vgau3h-")
            try:
                shutil.copy(src, hdb.db)
                os.remove(os.path.join(hdb.db, "marker.ndb"))
                for n in ("clam.ea05.exe", "clam.ea06.exe"):
                    p = os.path.join(TESTFILES, n)
                    rec = cscan.scan(hdb, [p])[p]
                    got = [(m["name"], m["layer"]) for m in rec.get("matches", [])]
                    work.check(got == [("ClamAV-Test-File.UNOFFICIAL", "AUTOIT:autoit.002")],
                               "%s: %r" % (n, got))
            finally:
                hdb.close()
        else:
            print("clamav-testfiles or shared data missing: real samples not checked")
        if work.failures:
            print("%d failures" % work.failures)
            return 1
        print("ok")
        return 0
    finally:
        work.close()


sys.exit(main())
