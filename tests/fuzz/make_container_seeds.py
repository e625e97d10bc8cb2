"""make_container_seeds.py - writes the seed corpora of the container fuzz
targets (tests/fuzz/corpus/fuzz_{zip,ole2,vba,pdf,mime,htmlnorm,archive,
decoders,walk}/) from the test generators and the standard tools; each
container reader has seeds in its own target or, for those fuzz_walk
reaches (CHM, self-extractors found by embedded.c), in fuzz_walk. Run it
from the repository root; it only adds seeds (named seed-*), it never
touches crash regressions kept beside them.
"""
import base64
import binascii
import gzip
import io
import os
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli", "lib"))
import bombs  # noqa: E402
import chmgen  # noqa: E402
import ole2gen  # noqa: E402

MARK = b"VIGIL-CONTAINER-TEST"
BODY = b"seed " + MARK + b" " + b"." * 100


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def tool(argv, data=None):
    return subprocess.run(argv, input=data, capture_output=True, check=True).stdout


def small_zip(method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        z.writestr("a/m.exe", BODY)
        z.writestr("b.txt", b"hello " * 20)
    return b.getvalue()


def binhex(name, data):
    """BinHex 4.0: header, data fork, CRCs, run-length coded, 6-bit text."""
    def crc(b):
        return struct.pack(">H", binascii.crc_hqx(b + b"\0\0", 0))
    head = bytes([len(name)]) + name + b"\0" + b"TEXTvgil" + b"\0\0" + struct.pack(">II", len(data), 0)
    raw = head + crc(head) + data + crc(data) + crc(b"")
    rle = bytearray()
    i = 0
    while i < len(raw):
        j = i
        while j < len(raw) and raw[j] == raw[i] and j - i < 255:
            j += 1
        if raw[i] == 0x90:
            rle += b"\x90\x00"
            i += 1
        elif j - i >= 3:
            rle += bytes([raw[i], 0x90, j - i])
            i = j
        else:
            rle.append(raw[i])
            i += 1
    alphabet = b"!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr"
    bits, acc, out = 0, 0, bytearray()
    for c in bytes(rle):
        acc = acc << 8 | c
        bits += 8
        while bits >= 6:
            bits -= 6
            out.append(alphabet[(acc >> bits) & 63])
    if bits:
        out.append(alphabet[(acc << (6 - bits)) & 63])
    lines = b"\n".join(bytes(out[k:k + 64]) for k in range(0, len(out), 64))
    return b"(This file must be converted with BinHex 4.0)\n\n:" + lines + b":\n"


def rar4(name, data):
    """A RAR 4 archive with one stored member."""
    def block(htype, flags, body):
        head = struct.pack("<BHH", htype, flags, 7 + len(body)) + body
        return struct.pack("<H", zlib.crc32(head) & 0xFFFF) + head
    body = struct.pack("<IIBIIBBHI", len(data), len(data), 2, zlib.crc32(data), 0x5A210000, 20,
                       0x30, len(name), 0x20) + name
    return (b"Rar!\x1a\x07\x00" + block(0x73, 0, b"\0" * 6) + block(0x74, 0x8000, body) + data +
            block(0x7B, 0x4000, b""))


def pdf(objs):
    out = bytearray(b"%PDF-1.4\n")
    for i, (d, s) in enumerate(objs, 1):
        out += b"%d 0 obj\n" % i + d
        if s is not None:
            out += b"\nstream\n" + s + b"\nendstream"
        out += b"\nendobj\n"
    out += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    return bytes(out)


def main():
    # zip
    put("fuzz_zip", "deflate.zip", small_zip())
    put("fuzz_zip", "stored.zip", small_zip(zipfile.ZIP_STORED))
    put("fuzz_zip", "bzip2.zip", small_zip(zipfile.ZIP_BZIP2))
    put("fuzz_zip", "lzma.zip", small_zip(zipfile.ZIP_LZMA))
    put("fuzz_zip", "overlap.zip", bombs.overlap_zip(8, 256))
    put("fuzz_zip", "quine.zip", bombs.quine_zip())
    put("fuzz_zip", "zip64.zip", bombs.zip_bytes([bombs.Entry("z.bin", comp=bombs.zeros_deflate(1 << 16),
                                                              crc=bombs.zeros_crc(1 << 16),
                                                              usize=0xFFFFFFFF + 1)]))
    # OLE2 and VBA
    src = 'Attribute VB_Name = "M"\r\nSub AutoOpen()\r\n MsgBox "%s"\r\nEnd Sub\r\n' % MARK.decode()
    st = ole2gen.vba_project({"M": src})
    st["WordDocument"] = b"\xec\xa5" + b"\0" * 600
    macro = ole2gen.compound(st)
    put("fuzz_ole2", "macro.doc", macro)
    pkg = (struct.pack("<H", 2) + b"m\0C:\\m\0" + struct.pack("<HH", 0, 3) + struct.pack("<I", 5) +
           b"C:\\m\0" + struct.pack("<I", len(BODY)) + BODY)
    ole10 = ole2gen.compound({"\x01Ole10Native": struct.pack("<I", len(pkg)) + pkg})
    put("fuzz_ole2", "ole10.doc", ole10)
    obj = zlib.compress(ole10)
    rec = struct.pack("<HHI", 0x10, 0x1011, 4 + len(obj)) + struct.pack("<I", len(ole10)) + obj
    put("fuzz_ole2", "object.ppt", ole2gen.compound({"PowerPoint Document": rec}))
    put("fuzz_ole2", "bigstream.doc", ole2gen.compound({"Big": BODY * 40, "Small": BODY}))
    put("fuzz_vba", "module", ole2gen.ovba_compress(src.encode() + b"aaaaaaaaaaaaaaa"))
    put("fuzz_vba", "dir", st["Macros/VBA/dir"])
    # PDF
    cat = (b"<< /Type /Catalog >>", None)
    put("fuzz_pdf", "flate.pdf", pdf([cat, (b"<< /Length %d /Filter /FlateDecode >>" %
                                            len(zlib.compress(BODY)), zlib.compress(BODY))]))
    put("fuzz_pdf", "chain.pdf", pdf([cat, (b"<< /Filter [/AHx /Fl] >>",
                                            zlib.compress(BODY).hex().encode() + b">")]))
    put("fuzz_pdf", "a85.pdf", pdf([cat, (b"<< /Filter /A85 >>", base64.a85encode(BODY, adobe=True)[2:])]))
    put("fuzz_pdf", "js.pdf", pdf([cat, (b"<< /S /JavaScript /JS (app.alert\\('x'\\)\\101) >>", None),
                                   (b"<< /JS <41424344> >>", None)]))
    put("fuzz_pdf", "objstm.pdf", pdf([cat, (b"<< /Type /ObjStm /Length 4 0 R >>",
                                             b"1 0 << /JS (x) >>"), (b"17", None)]))
    put("fuzz_pdf", "encrypt.pdf", pdf([cat]) + b"trailer\n<< /Encrypt 2 0 R >>\n")
    put("fuzz_pdf", "escaped.pdf", pdf([cat, (b"<< /Fl#61teDecode 1 >>", None)]))
    # mail
    b64 = base64.encodebytes(BODY)
    mail = (b"From: a@b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n"
            b"--XX\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
            b"soft=\nbreak =41\n--XX\nContent-Type: application/octet-stream; name=\"a.exe\"\n"
            b"Content-Transfer-Encoding: base64\n\n" + b64 +
            b"--XX\nContent-Type: message/rfc822\n\nFrom: c@d\n\nbegin 644 u.bin\n" +
            __import__("binascii").b2a_uu(BODY[:45]) + b"`\nend\n--XX--\n")
    put("fuzz_mime", "multipart.eml", mail)
    put("fuzz_mime", "mbox", b"From x Thu Jan  1 00:00:00 2026\n" + mail +
        b"\nFrom y Thu Jan  1 00:00:00 2026\nSubject: s\n\nbody\n")
    # HTML
    page = (b"<HTML><!-- c --><body onload='x()'>Text &amp; &#65;<a href=\"data:text/plain;base64," +
            base64.b64encode(BODY) + b"\">x</a><script>var a='b';</script><img src=data:,%41%42>"
            b"</body></html>")
    put("fuzz_htmlnorm", "page.html", page)
    put("fuzz_htmlnorm", "unterminated.html", b"<a href='x <script> if (a<b) { x('</sc') }")
    # archives (first byte picks the kind, see fuzz_archive.c)
    with tempfile.TemporaryDirectory() as t:
        p = os.path.join(t, "m.txt")
        with open(p, "wb") as f:
            f.write(BODY)
        tb = io.BytesIO()
        with tarfile.open(fileobj=tb, mode="w", format=tarfile.USTAR_FORMAT) as tf:
            tf.add(p, "m.txt")
        tarb = tb.getvalue()
        put("fuzz_archive", "gz", b"\x00" + gzip.compress(tarb))
        put("fuzz_archive", "bz2", b"\x01" + tool(["bzip2", "-c"], BODY))
        put("fuzz_archive", "xz", b"\x02" + tool(["xz", "-c"], BODY))
        put("fuzz_archive", "zst", b"\x03" + tool(["zstd", "-c", "-q"], BODY))
        tool(["7z", "a", "-bd", "-bso0", os.path.join(t, "m.7z"), p])
        with open(os.path.join(t, "m.7z"), "rb") as f:
            put("fuzz_archive", "7z", b"\x04" + f.read())
        put("fuzz_archive", "tar", b"\x06" + tarb)
        cpio = subprocess.run(["cpio", "--quiet", "-o", "-H", "newc"], input=b"m.txt\n", cwd=t,
                              capture_output=True, check=True).stdout
        put("fuzz_archive", "cpio", b"\x09" + cpio)
        put("fuzz_archive", "ar", b"\x0a!<arch>\nm.txt/          0           0     0     644     %-10d`\n"
            % len(BODY) + BODY)
        put("fuzz_walk", "tar.gz", gzip.compress(tarb))
        for m in (1, 4):
            a = os.path.join(t, "m%d.arj" % m)
            subprocess.run(["arj", "a", "-m%d" % m, "-y", a, "m.txt"], cwd=t, capture_output=True,
                           check=True)
            with open(a, "rb") as f:
                put("fuzz_archive", "arj%d" % m, bytes([17]) + f.read())
    szdd = b"SZDD\x88\xf0\x27\x33A\0" + struct.pack("<I", 16) + b"\xff" + b"ABCDEFGH" + b"\x00\x00\xf0"
    put("fuzz_archive", "szdd", bytes([12]) + szdd)
    tnef = struct.pack("<IH", 0x223E9F78, 1) + b"\x02" + struct.pack("<II", 0x00018010, 4) + b"a.ex" + \
        b"\0\0" + b"\x02" + struct.pack("<II", 0x0006800F, len(BODY)) + BODY + b"\0\0"
    put("fuzz_archive", "tnef", bytes([14]) + tnef)
    put("fuzz_archive", "rtf", bytes([15]) + b"{\\rtf1{\\object{\\*\\objdata 01050000020000000800000050616"
        b"36b616765000000000000000000050000004142434445}}}")
    sis = bytearray(0x100)
    struct.pack_into("<IIII", sis, 0, 0x10000000, 0x10003A12, 0x10000419, 0)
    struct.pack_into("<HH", sis, 0x12, 1, 1)
    struct.pack_into("<H", sis, 0x24, 9)
    struct.pack_into("<I", sis, 0x34, 0x60)
    struct.pack_into("<IIIIIIIIIII", sis, 0x60, 0, 0, 0, 2, 0xA0, 0, 0, 8, 0xC0, 8, 0)
    sis[0xA0:0xA2] = b"m\0"
    sis[0xC0:0xC8] = b"12345678"
    put("fuzz_archive", "sis", bytes([16]) + bytes(sis))
    put("fuzz_archive", "binhex", bytes([13]) + binhex(b"m.txt", BODY + b"\x90" + b"z" * 20))
    put("fuzz_archive", "rar", bytes([5]) + rar4(b"m.txt", BODY))
    put("fuzz_archive", "rpm", bytes([11]) + struct.pack(">4sBBhh66shh16s", b"\xed\xab\xee\xdb", 3, 0, 0,
                                                           1, b"vigil-test", 1, 5, b"") +
        (b"\x8e\xad\xe8\x01" + b"\0" * 12) * 2 + gzip.compress(cpio, mtime=0))
    with tempfile.TemporaryDirectory() as t:
        with open(os.path.join(t, "m.txt"), "wb") as f:
            f.write(BODY)
        subprocess.run(["gcab", "-c", "-z", os.path.join(t, "m.cab"), "m.txt"], cwd=t,
                       capture_output=True, check=True)
        with open(os.path.join(t, "m.cab"), "rb") as f:
            cab = f.read()
        put("fuzz_archive", "cab", bytes([7]) + cab)
        subprocess.run(["genisoimage", "-quiet", "-no-pad", "-o", os.path.join(t, "m.iso"), "m.txt"],
                       cwd=t, capture_output=True, check=True)
        with open(os.path.join(t, "m.iso"), "rb") as f:
            put("fuzz_archive", "iso", bytes([8]) + f.read())
        arjb = open(os.path.join(HERE, "corpus", "fuzz_archive", "seed-arj1"), "rb").read()[1:]
    # decoders (first byte picks the decoder, see fuzz_decoders.c)
    put("fuzz_decoders", "ahx", b"\x02" + BODY.hex().encode() + b">")
    put("fuzz_decoders", "a85", b"\x03" + base64.a85encode(BODY, adobe=True))
    put("fuzz_decoders", "b64", b"\x06" + b64)
    put("fuzz_decoders", "uu", b"\x08" + __import__("binascii").b2a_uu(BODY[:45]) + b"`\nend\n")
    put("fuzz_decoders", "zlib", b"\x0a" + zlib.compress(BODY))
    put("fuzz_decoders", "deflate", b"\x00" + zlib.compress(BODY * 50)[2:-4])
    # the whole pipeline
    put("fuzz_walk", "zip", small_zip())
    put("fuzz_walk", "macro.doc", macro)
    put("fuzz_walk", "mail.eml", mail)
    put("fuzz_walk", "page.html", page)
    put("fuzz_walk", "flate.pdf", pdf([cat, (b"<< /Filter /FlateDecode >>", zlib.compress(small_zip()))]))
    put("fuzz_walk", "szdd", szdd)
    put("fuzz_walk", "tnef", tnef)
    # readers fuzz_walk reaches by type: CHM (and CHM in a zip), and the
    # objects embedded.c finds in a binary layer (ZIP, CAB, ARJ, RAR SFX, a PDF)
    small_chm = chmgen.build([("/index.htm", b"<html>index</html>")],
                             [("/a.htm", b"help topic " * 40), ("/b.htm", BODY)])
    put("fuzz_walk", "help.chm", small_chm)
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("h/help.chm", small_chm)
    put("fuzz_walk", "chm.zip", zb.getvalue())
    # (a stub of no known type: the layer is plain binary data, which
    # embedded.c searches; an ELF or PE stub would be typed and read as such)
    stub = b"\x00\x01\x02\x03\x04\x05\x06\x07binary stub\xff\xfe" * 8
    put("fuzz_walk", "sfx-zip", stub + small_zip())
    put("fuzz_walk", "sfx-cab", stub + cab)
    put("fuzz_walk", "sfx-arj", stub + arjb)
    put("fuzz_walk", "sfx-rar", stub + rar4(b"m.txt", BODY))
    put("fuzz_walk", "in-pdf", stub + pdf([cat, (b"<< /Filter /FlateDecode >>", zlib.compress(BODY))]))
    put("fuzz_walk", "binhex", binhex(b"m.exe", BODY))


main()
