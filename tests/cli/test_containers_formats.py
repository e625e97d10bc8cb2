"""test_containers_formats.py - archives and compressed streams built here
with the standard tools (zip, 7z, tar, gzip, bzip2, xz, zstd, gcab,
genisoimage, cpio, ar, arj) or, where no free tool writes the format, a small
generator (RPM, RAR 4 stored): each hides the test marker at depth 1..4.
vigil must find it under the right name, in the layer that holds it
(container chain in the layer path); where clamscan 1.4.6 opens the same
format, clamscan must report the same names.
"""
import gzip
import io
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cscan  # noqa: E402

# formats clamscan 1.4.6 (Debian) opens: compare names with it for these
CLAM_OPENS = ("zip", "7z", "tar", "gz", "bz2", "xz", "cab", "iso", "cpio", "arj")


def rpm(payload_cpio_gz):
    """A minimal RPM: lead, empty signature and main headers, payload."""
    lead = struct.pack(">4sBBhh66shh16s", b"\xed\xab\xee\xdb", 3, 0, 0, 1, b"vigil-test", 1, 5,
                       b"")
    hdr = b"\x8e\xad\xe8\x01" + b"\0" * 4 + struct.pack(">II", 0, 0)
    return lead + hdr + hdr + payload_cpio_gz


def rar4(name, data, encrypted=False):
    """A RAR 4 archive with one stored member."""
    def block(htype, flags, body):
        size = 7 + len(body)
        head = struct.pack("<BHH", htype, flags, size) + body
        return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head

    out = b"Rar!\x1a\x07\x00"
    out += block(0x73, 0, b"\0" * 6)
    name = name.encode()
    flags = 0x8000 | (0x0004 if encrypted else 0)
    body = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), 0x5A210000, 20,
                       0x30, len(name), 0x20) + name
    out += block(0x74, flags, body) + data
    out += block(0x7B, 0x4000, b"")
    return out


def build(w):
    """Returns [(file, kind, expected layer suffix, clam compares)]."""
    cases = []
    w.write("src/m.txt", cscan.payload("member"))
    src = w.path("src")

    def add(fname, kind, layer):
        cases.append((w.path(fname), kind, layer))

    w.run(["zip", "-q", "-9", "../m.zip", "m.txt"], cwd=src)
    add("m.zip", "zip", "ZIP:m.txt")
    w.run(["zip", "-q", "-0", "../stored.zip", "m.txt"], cwd=src)
    add("stored.zip", "zip", "ZIP:m.txt")
    w.run(["zip", "-q", "-Z", "bzip2", "../bz.zip", "m.txt"], cwd=src)
    add("bz.zip", "zip", "ZIP:m.txt")
    w.run(["7z", "a", "-bd", "-bso0", "../m.7z", "m.txt"], cwd=src)
    add("m.7z", "7z", "7Z:m.txt")
    w.run(["tar", "--format=ustar", "-cf", "../m.tar", "m.txt"], cwd=src)
    add("m.tar", "tar", "TAR:m.txt")
    w.run(["tar", "--format=gnu", "-czf", "../m.tar.gz", "m.txt"], cwd=src)
    add("m.tar.gz", "gz", "GZIP:!TAR:m.txt")
    w.run(["tar", "-cjf", "../m.tar.bz2", "m.txt"], cwd=src)
    add("m.tar.bz2", "bz2", "BZIP2:!TAR:m.txt")
    w.run(["tar", "-cJf", "../m.tar.xz", "m.txt"], cwd=src)
    add("m.tar.xz", "xz", "XZ:!TAR:m.txt")
    w.run(["tar", "--zstd", "-cf", "../m.tar.zst", "m.txt"], cwd=src)
    add("m.tar.zst", "zst", "ZSTD:!TAR:m.txt")
    w.run(["gzip", "-k", "-9", "m.txt"], cwd=src)
    os.rename(w.path("src/m.txt.gz"), w.path("m.txt.gz"))
    add("m.txt.gz", "gz", "GZIP:m.txt")
    for tool, ext, tag in (("bzip2", "bz2", "BZIP2"), ("xz", "xz", "XZ"), ("zstd", "zst", "ZSTD")):
        r = w.run([tool, "-c", "m.txt"], cwd=src)
        w.write("m.txt." + ext, r.stdout)
        add("m.txt." + ext, ext, tag + ":")
    w.run(["gcab", "-c", "-z", "../m.cab", "m.txt"], cwd=src)
    add("m.cab", "cab", "CAB:m.txt")
    w.run(["genisoimage", "-quiet", "-R", "-J", "-o", "../m.iso", "."], cwd=src)
    add("m.iso", "iso", "ISO9660:m.txt")
    w.run(["genisoimage", "-quiet", "-o", "../plain.iso", "."], cwd=src)
    add("plain.iso", "iso", "ISO9660:M.TXT")
    for fmt in ("newc", "odc", "bin"):
        r = w.run(["cpio", "--quiet", "-o", "-H", fmt], cwd=src, input=b"m.txt\n")
        w.write("m.%s.cpio" % fmt, r.stdout)
        add("m.%s.cpio" % fmt, "cpio", "CPIO:m.txt")
    for m in range(5):
        w.run(["arj", "a", "-m%d" % m, "-y", "../m%d.arj" % m, "m.txt"], cwd=src)
        add("m%d.arj" % m, "arj", "ARJ:m.txt")
    w.run(["ar", "rc", "../m.a", "m.txt"], cwd=src)
    add("m.a", "ar", "AR:m.txt")
    # a .deb: ar holding data.tar.gz
    w.run(["tar", "-czf", "data.tar.gz", "m.txt"], cwd=src)
    with open(os.path.join(src, "debian-binary"), "w") as f:
        f.write("2.0\n")
    w.run(["ar", "rc", "../m.deb", "debian-binary", "data.tar.gz"], cwd=src)
    os.unlink(os.path.join(src, "data.tar.gz"))
    os.unlink(os.path.join(src, "debian-binary"))
    add("m.deb", "ar", "AR:data.tar.gz!GZIP:!TAR:m.txt")
    r = w.run(["cpio", "--quiet", "-o", "-H", "newc"], cwd=src, input=b"m.txt\n")
    w.write("m.rpm", rpm(gzip.compress(r.stdout)))
    add("m.rpm", "rpm", "RPM:m.txt")
    with open(os.path.join(src, "m.txt"), "rb") as f:
        w.write("m.rar", rar4("m.txt", f.read()))
    add("m.rar", "rar", "RAR:m.txt")
    # depth 2..4: containers inside containers
    w.run(["zip", "-q", "../nest2.zip", "../m.7z"], cwd=src)
    add("nest2.zip", "zip", "ZIP:../m.7z!7Z:m.txt")
    w.run(["7z", "a", "-bd", "-bso0", "nest3.7z", "nest2.zip"])
    add("nest3.7z", "7z", "7Z:nest2.zip!ZIP:../m.7z!7Z:m.txt")
    w.run(["tar", "-czf", "nest4.tgz", "nest3.7z"])
    add("nest4.tgz", "gz", "GZIP:!TAR:nest3.7z!7Z:nest2.zip!ZIP:../m.7z!7Z:m.txt")
    return cases


def main():
    w = cscan.Work("vgfmt-")
    try:
        cases = build(w)
        paths = [c[0] for c in cases]
        vig = cscan.scan(w, paths)
        clam = cscan.clamscan(w, [p for p, k, _ in cases if k in CLAM_OPENS])
        for path, kind, layer in cases:
            rec = vig[path]
            base = os.path.basename(path)
            w.check(cscan.NAME in cscan.names(rec), "%s: %s found" % (base, cscan.NAME))
            w.check(layer in cscan.layers(rec, cscan.NAME),
                    "%s: found in layer %s (layers: %s)" % (base, layer, cscan.layers(rec)))
            if path in clam:
                w.check(clam[path] == cscan.names(rec),
                        "%s: same names as clamscan (%s / %s)" % (base, clam[path],
                                                                   cscan.names(rec)))
        # an encrypted RAR member is reported, not opened
        with open(w.path("src/m.txt"), "rb") as f:
            enc = w.write("enc.rar", rar4("m.txt", f.read(), encrypted=True))
        rec = cscan.scan(w, [enc], ["--alert-encrypted"])[enc]
        w.check("Encrypted" in rec.get("incomplete", []), "enc.rar: incomplete (Encrypted)")
        w.check("Heuristics.Encrypted.RAR" in cscan.names(rec),
                "enc.rar: Heuristics.Encrypted.RAR with --alert-encrypted")
        # --scan-archive=no leaves containers closed
        rec = cscan.scan(w, [w.path("m.tar.gz")], ["--scan-archive=no"])[w.path("m.tar.gz")]
        w.check(cscan.names(rec) == [], "m.tar.gz with --scan-archive=no: not opened")
    finally:
        w.close()
    print("formats: %d failures" % w.failures)
    return 1 if w.failures else 0


sys.exit(main())
