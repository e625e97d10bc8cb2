"""test_containers_limits.py - limits, heuristics and container-dependent
signatures, checked against clamscan where clamscan reports the same thing:

  limits       --max-filesize/--max-files/--max-recursion/--max-scansize on
               members: vigil reports the limit (incomplete), clamscan says
               OK; with --alert-exceeds-max both name the same heuristic
  encrypted    zip (ZipCrypto), 7z (with and without header encryption),
               PDFs encrypted by qpdf with a user password: incomplete, and
               Heuristics.Encrypted.* with --alert-encrypted, as clamscan;
               PDFs with an owner password only are decrypted and scanned
  overlap      a small overlapping-files zip: Heuristics.Zip.OverlappingFiles,
               OK with --heuristic-alerts=no (both)
  broken       a truncated PE: Heuristics.Broken.Executable with --alert-broken
  .cdb         name regex, container type, encryption flag, CRC, sizes
  Container:   and Intermediates: in .ldb logical signatures
"""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import bombs  # noqa: E402
import cscan  # noqa: E402

MARK_HEX = cscan.MARKER.hex()


def compare(w, label, path, args=(), want_names=None, want_limits=(), exact=True):
    rec = cscan.scan(w, [path], args)[path]
    clam = cscan.clamscan(w, [path], args)[path]
    nm = cscan.names(rec)
    lim = rec.get("incomplete", [])
    if exact:
        w.check(nm == clam, "%s: same names as clamscan (%s / %s)" % (label, clam, nm))
    if want_names is not None:
        w.check(nm == sorted(want_names), "%s: names %s (got %s)" % (label, sorted(want_names), nm))
    for l in want_limits:
        w.check(l in lim, "%s: incomplete %s (got %s)" % (label, l, lim))
    w.check(rec["status"] != "clean" or not want_limits, "%s: not reported clean" % label)
    return rec


def nested_zip(w, name, depth):
    cur = w.write("n0.txt", cscan.payload("deep"))
    for i in range(depth):
        nxt = w.path("%s.%d.zip" % (name, i + 1))
        w.run(["zip", "-q", "-j", nxt, cur])
        cur = nxt
    return cur


def plain_pdf(w):
    body = zlib.compress(cscan.payload("encpdf"))
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R >>",
            b"<< /Length " + str(len(body)).encode() + b" /Filter /FlateDecode >>\nstream\n" +
            body + b"\nendstream"]
    out = b"%PDF-1.7\n"
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return w.write("plain.pdf", out)


def encrypted_pdfs(w):
    """PDFs encrypted by qpdf: with an owner password only (anyone may open
    them: RC4 revisions 2 and 3, AES-128 revision 4, AES-256 revision 6)
    and with a user password too."""
    src = plain_pdf(w)
    out = []
    for bits, extra, tag in (("40", [], "r2"), ("128", [], "r3"), ("128", ["--use-aes=y"], "r4"),
                             ("256", [], "r6")):
        for user in ("", "secret"):
            name = "%s-%s.pdf" % ("user" if user else "owner", tag)
            w.run(["qpdf", "--allow-weak-crypto", "--encrypt", user, "owner", bits] + extra +
                  ["--", src, w.path(name)])
            out.append((w.path(name), bool(user)))
    return out


def main():
    w = cscan.Work("vglim-")
    try:
        big = w.write("big.txt", cscan.payload("big", 4000))
        w.run(["zip", "-q", "-j", "big.zip", big])
        bz = w.path("big.zip")
        compare(w, "member over --max-filesize", bz, ["--max-filesize=2K"], [], ["MaxFileSize"])
        # clamscan 1.4.6 skips a member over the limit without a word even with
        # --alert-exceeds-max (it alerts only for the input file): vigil alerts
        compare(w, "same, --alert-exceeds-max", bz, ["--max-filesize=2K", "--alert-exceeds-max"],
                ["Heuristics.Limits.Exceeded.MaxFileSize"], ["MaxFileSize"], exact=False)
        for i in range(10):
            w.write("many/f%d.txt" % i, cscan.payload("m%d" % i))
        w.run(["zip", "-q", "-r", "many.zip", "many"])
        mz = w.path("many.zip")
        # the members that fit are scanned and alert; the limit is reported too
        compare(w, "--max-files=3", mz, ["--max-files=3"], [cscan.NAME], ["MaxFiles"])
        deep = nested_zip(w, "deep", 4)
        compare(w, "--max-recursion=2", deep, ["--max-recursion=2"], [], ["MaxRecursion"])
        compare(w, "--max-recursion=2 --alert-exceeds-max", deep,
                ["--max-recursion=2", "--alert-exceeds-max"],
                ["Heuristics.Limits.Exceeded.MaxRecursion"], ["MaxRecursion"])
        compare(w, "--max-scansize=3K", bz, ["--max-scansize=3K"], [], ["MaxScanSize"])

        # encrypted content
        w.run(["zip", "-q", "-j", "-P", "secret", "enc.zip", w.path("many/f0.txt")])
        ez = w.path("enc.zip")
        compare(w, "encrypted zip", ez, [], [], ["Encrypted"])
        compare(w, "encrypted zip --alert-encrypted", ez, ["--alert-encrypted"],
                ["Heuristics.Encrypted.Zip"], ["Encrypted"])
        w.run(["7z", "a", "-bd", "-bso0", "-psecret", "enc.7z", w.path("many/f0.txt")])
        compare(w, "encrypted 7z --alert-encrypted", w.path("enc.7z"), ["--alert-encrypted"],
                ["Heuristics.Encrypted.7Zip"], ["Encrypted"])
        w.run(["7z", "a", "-bd", "-bso0", "-psecret", "-mhe=on", "hdr.7z", w.path("many/f0.txt")])
        compare(w, "7z with encrypted headers --alert-encrypted", w.path("hdr.7z"),
                ["--alert-encrypted"], ["Heuristics.Encrypted.7Zip"], ["Encrypted"])
        for path, needs_password in encrypted_pdfs(w):
            label = "%s --alert-encrypted" % os.path.basename(path)
            if needs_password:
                compare(w, label, path, ["--alert-encrypted"], ["Heuristics.Encrypted.PDF"],
                        ["Encrypted"])
            else:
                rec = compare(w, label, path, ["--alert-encrypted"], [cscan.NAME])
                w.check(rec.get("incomplete") == [], "%s: decrypted, complete" % label)

        # overlapping entries, small (not a bomb)
        ov = w.write("overlap.zip", bombs.overlap_zip(8, 4096))
        compare(w, "overlapping zip", ov, [], ["Heuristics.Zip.OverlappingFiles"])
        compare(w, "overlapping zip --heuristic-alerts=no", ov, ["--heuristic-alerts=no"], [])
        dup = bombs.zip_bytes([bombs.Entry("a.txt", b"hello world\n" * 20)])
        compare(w, "zip of one member", w.write("one.zip", dup), [], [])

        # broken executables
        clam_exe = "/usr/share/clamav-testfiles/clam.exe"
        if os.path.exists(clam_exe):
            with open(clam_exe, "rb") as f:
                exe = f.read()
            tr = w.write("trunc.exe", exe[:300])
            compare(w, "truncated PE --alert-broken", tr, ["--alert-broken"],
                    ["Heuristics.Broken.Executable"])
            compare(w, "truncated PE", tr, [], [])
            ok = w.write("ok.exe", exe)
            compare(w, "valid PE --alert-broken", ok, ["--alert-broken"], [])

        # .cdb: container metadata
        w.add_sig("t.cdb", "\n".join([
            "Vg.Cdb.Name:CL_TYPE_ZIP:*:(?i)f[0-9]\\.TXT$:*:*:*:*:*:*",
            "Vg.Cdb.Enc:*:*:*:*:*:1:*:*:*",
            "Vg.Cdb.Size:*:*:*:*:4000:*:*:*:*",
            "Vg.Cdb.Crc:CL_TYPE_ZIP:*:*:*:*:*:*:%08x:*" % zlib.crc32(cscan.payload("m3")),
            "Vg.Cdb.Never:CL_TYPE_ZIP:1-10:*:*:*:*:*:*:*",
        ]))
        for path in (mz, ez, bz):
            compare(w, ".cdb on %s" % os.path.basename(path), path)

        # Container: and Intermediates: (tar.gz inside a zip)
        w.add_sig("c.ldb", "\n".join([
            "Vg.Ldb.InTar;Engine:81-255,Container:CL_TYPE_POSIX_TAR,Target:0;0;%s" % MARK_HEX,
            "Vg.Ldb.InZip;Engine:81-255,Container:CL_TYPE_ZIP,Target:0;0;%s" % MARK_HEX,
            "Vg.Ldb.Root;Engine:81-255,Container:CL_TYPE_ANY,Target:0;0;%s" % MARK_HEX,
            "Vg.Ldb.Chain;Engine:81-255,Intermediates:CL_TYPE_ZIP>CL_TYPE_GZ>CL_TYPE_POSIX_TAR,"
            "Target:0;0;%s" % MARK_HEX,
            "Vg.Ldb.AnyChain;Engine:81-255,Intermediates:CL_TYPE_ANY>CL_TYPE_POSIX_TAR,"
            "Target:0;0;%s" % MARK_HEX,
        ]))
        w.write("ct/m.txt", cscan.payload("ct"))
        w.run(["tar", "--format=ustar", "-czf", "m.tar.gz", "m.txt"], cwd=w.path("ct"))
        w.run(["zip", "-q", "-0", "-j", "ct.zip", w.path("ct/m.tar.gz")])
        rec = compare(w, "Container:/Intermediates:", w.path("ct.zip"))
        w.check("Vg.Ldb.Chain.UNOFFICIAL" in cscan.names(rec), "Intermediates chain matched")
        w.check("Vg.Ldb.InTar.UNOFFICIAL" in cscan.names(rec), "Container:CL_TYPE_POSIX_TAR")
        rec = compare(w, "Container:CL_TYPE_ANY on a plain file", w.path("ct/m.txt"))
        w.check("Vg.Ldb.Root.UNOFFICIAL" in cscan.names(rec), "Container:CL_TYPE_ANY = root")
    finally:
        w.close()
    print("limits: %d failures" % w.failures)
    return 1 if w.failures else 0


sys.exit(main())
