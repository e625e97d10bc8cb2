"""test_containers_docs.py - documents and mail built here with Python
generators, each hiding the test marker where only the right parser finds
it: OLE2 streams, Ole10Native packages, PowerPoint's compressed objects,
VBA macro source (MS-OVBA compressed), PDF streams through each filter
and filter chains, PDF JavaScript strings, MIME (base64, quoted-printable,
uuencode, nested message/rfc822, mbox), HTML (normalised text for Target:3,
data: URIs), RTF objects and OOXML parts. vigil must find the marker in
the expected layer and report the same names as clamscan.
"""
import base64
import email.mime.application
import email.mime.base
import email.mime.message
import email.mime.multipart
import email.mime.text
import io
import os
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import cscan  # noqa: E402
import ole2gen  # noqa: E402

MARK = cscan.MARKER.decode()

# Where vigil finds more than clamscan 1.4.6 does (checked by hand with
# clamscan --debug): clamscan must then report a subset of vigil's names.
BEYOND_CLAMSCAN = {
    "lzw.pdf": "clamscan 1.4.6 finds the LZWDecode stream but does not decode it",
    "jsoctal.pdf": "clamscan 1.4.6 does not decode octal escapes in /JS strings",
}


# ---- PDF -------------------------------------------------------------------

def lzw(data):
    """PDF LZWDecode encoder (EarlyChange 1)."""
    out, acc, nb = bytearray(), 0, 0
    width, table, nxt = 9, {bytes([i]): i for i in range(256)}, 258

    def put(code):
        nonlocal acc, nb
        acc = (acc << width) | code
        nb += width
        while nb >= 8:
            nb -= 8
            out.append((acc >> nb) & 0xFF)

    put(256)
    w = b""
    for c in data:
        wc = w + bytes([c])
        if wc in table:
            w = wc
            continue
        put(table[w])
        if nxt < 4096:
            table[wc] = nxt
            nxt += 1
            if nxt >= (1 << width) and width < 12:
                width += 1
        w = bytes([c])
    if w:
        put(table[w])
    put(257)
    if nb:
        out.append((acc << (8 - nb)) & 0xFF)
    return bytes(out)


def runlength(data):
    out = bytearray()
    for i in range(0, len(data), 128):
        chunk = data[i:i + 128]
        out.append(len(chunk) - 1)
        out += chunk
    out.append(128)
    return bytes(out)


def pdf(objs):
    """objs: list of (dict text, stream bytes or None)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for i, (d, stream) in enumerate(objs, 1):
        out += b"%d 0 obj\n" % i
        if stream is None:
            out += d.encode() + b"\nendobj\n"
        else:
            out += d.encode() + b"\nstream\n" + stream + b"\nendstream\nendobj\n"
    out += b"trailer\n<< /Root 1 0 R /Size %d >>\n%%%%EOF\n" % (len(objs) + 1)
    return bytes(out)


def pdf_cases(w):
    body = cscan.payload("pdf", 600)
    cat = ("<< /Type /Catalog /Pages 2 0 R >>", None)
    pages = ("<< /Type /Pages /Kids [] /Count 0 >>", None)
    flt = {
        "flate": ("/FlateDecode", zlib.compress(body)),
        "ahx": ("/ASCIIHexDecode", body.hex().encode() + b">"),
        "a85": ("/ASCII85Decode", base64.a85encode(body, adobe=True)[2:]),
        "lzw": ("/LZWDecode", lzw(body)),
        "rl": ("/RunLengthDecode", runlength(zlib.compress(body))),
        "chain": ("[/ASCIIHexDecode /FlateDecode]", zlib.compress(body).hex().encode()),
        "escaped": ("/Fl#61teDecode", zlib.compress(body)),
    }
    cases = []
    for name, (f, data) in flt.items():
        if name == "rl":
            f = "[/RunLengthDecode /FlateDecode]"
        obj = ("<< /Length %d /Filter %s >>" % (len(data), f), data)
        cases.append((w.write("%s.pdf" % name, pdf([cat, pages, obj])), "PDF:obj3"))
    # /Length given as an indirect object
    data = zlib.compress(body)
    cases.append((w.write("indirect.pdf", pdf([cat, pages, ("<< /Length 4 0 R /Filter /FlateDecode >>",
                                                            data), (str(len(data)), None)])),
                  "PDF:obj3"))
    # JavaScript in a string (escapes and octal)
    js = "app.alert('%s');" % MARK
    cases.append((w.write("js.pdf", pdf([cat, pages, ("<< /S /JavaScript /JS <%s> >>" %
                                                      js.encode().hex(), None)])),
                  "PDF:obj3.js0"))
    lit = js.replace("(", "\\(").replace(")", "\\)").replace("V", "\\126")
    cases.append((w.write("jsoctal.pdf", pdf([cat, pages, ("<< /S /JavaScript /JS (%s) >>" % lit,
                                                           None)])), "PDF:obj3.js0"))
    # an embedded zip file holding the marker (depth 2)
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("inner.txt", body)
    emb = zlib.compress(zb.getvalue())
    cases.append((w.write("embedded.pdf", pdf([cat, pages, (
        "<< /Type /EmbeddedFile /Length %d /Filter /FlateDecode >>" % len(emb), emb)])),
        "PDF:obj3!ZIP:inner.txt"))
    return cases


# ---- OLE2 ------------------------------------------------------------------

def ole10native(payload):
    pkg = struct.pack("<H", 2) + b"m.txt\0" + b"C:\\m.txt\0" + struct.pack("<HH", 0, 3)
    pkg += struct.pack("<I", 9) + b"C:\\m.txt\0" + struct.pack("<I", len(payload)) + payload
    return struct.pack("<I", len(pkg)) + pkg


def ole_cases(w):
    cases = []
    src = ('Attribute VB_Name = "Module1"\r\nSub AutoOpen()\r\n  MsgBox "%s"\r\n' % MARK +
           "  x = \"" + "z" * 40 + "\"\r\nEnd Sub\r\n")
    streams = ole2gen.vba_project({"Module1": src})
    streams["WordDocument"] = b"\xec\xa5" + b"\0" * 5000
    cases.append((w.write("macro.doc", ole2gen.compound(streams)), "OLE2:Macros/VBA/Module1/source"))
    pkg = zlib.compress(cscan.payload("ole10"))  # compressed: only the payload shows it
    inner = ole2gen.compound({"\x01Ole10Native": ole10native(cscan.payload("ole10")),
                              "\x01CompObj": b"c" * 80})
    cases.append((w.write("ole10.doc", inner), "OLE2:_1_Ole10Native/payload"))
    del pkg
    # PowerPoint: a compressed embedded object (record 0x1011) holding an OLE2 file
    obj = zlib.compress(inner)
    rec = struct.pack("<HHI", 0x10, 0x1011, 4 + len(obj)) + struct.pack("<I", len(inner)) + obj
    ppt = ole2gen.compound({"PowerPoint Document": rec + struct.pack("<HHI", 0x0F, 0x03E8, 8) +
                            b"\0" * 8,
                            "Current User": b"u" * 40})
    cases.append((w.write("object.ppt", ppt),
                  "OLE2:PowerPoint Document/object0!OLE2:_1_Ole10Native/payload"))
    return cases


# ---- mail ------------------------------------------------------------------

def mail_cases(w):
    cases = []
    body = cscan.payload("mail", 500)
    m = email.mime.multipart.MIMEMultipart()
    m["From"] = "a@example.com"
    m["To"] = "b@example.com"
    m["Subject"] = "test"
    m.attach(email.mime.text.MIMEText("hello\n"))
    m.attach(email.mime.application.MIMEApplication(body, Name="b64.bin"))
    cases.append((w.write("b64.eml", m.as_bytes()), "MAIL:b64.bin"))
    qp = ("From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain\n"
          "Content-Transfer-Encoding: quoted-printable\n\nsome text VIGIL-CONTA=\nINER-TEST=20more\n")
    cases.append((w.write("qp.eml", qp.encode()), "MAIL:part0"))
    uu = io.BytesIO()
    import binascii
    uu.write(b"From: a@example.com\nSubject: uu\n\nHere it is:\n\nbegin 644 uu.bin\n")
    for i in range(0, len(body), 45):
        uu.write(binascii.b2a_uu(body[i:i + 45]))
    uu.write(b"`\nend\n")
    cases.append((w.write("uu.eml", uu.getvalue()), "MAIL:uu.bin"))
    inner = email.mime.multipart.MIMEMultipart()
    inner["From"] = "c@example.com"
    inner["Subject"] = "inner"
    inner.attach(email.mime.application.MIMEApplication(body, Name="deep.bin"))
    outer = email.mime.multipart.MIMEMultipart()
    outer["From"] = "a@example.com"
    outer["Subject"] = "outer"
    outer.attach(email.mime.text.MIMEText("see attached message\n"))
    outer.attach(email.mime.message.MIMEMessage(inner))
    cases.append((w.write("nested.eml", outer.as_bytes()), "MAIL:part2!MAIL:deep.bin"))
    mbox = (b"From x@example.com Thu Jan  1 00:00:00 2026\n" +
            b"From: x@example.com\nSubject: one\n\nnothing here\n\n" +
            b"From y@example.com Thu Jan  1 00:00:00 2026\n" + m.as_bytes() + b"\n")
    cases.append((w.write("two.mbox", mbox), "MAIL:b64.bin"))
    return cases


# ---- HTML, RTF, OOXML --------------------------------------------------------

def html_cases(w):
    w.add_sig("html.ndb", "Vg.Test.Html:3:*:%s" % MARK.lower().encode().hex())
    cases = []
    page = "<html><body><p>VIGIL-<!-- hidden -->CONTAINER-TEST</p></body></html>\n"
    cases.append((w.write("norm.html", page.encode()), "HTML:nocomment", "Vg.Test.Html.UNOFFICIAL"))
    data = base64.b64encode(cscan.payload("datauri")).decode()
    page = '<html><body><a href="data:application/octet-stream;base64,%s">x</a></body></html>\n' % data
    cases.append((w.write("datauri.html", page.encode()), "HTML:data0", cscan.NAME))
    return cases


def rtf_case(w):
    payload = cscan.payload("rtf")
    pkg = struct.pack("<H", 2) + b"m.txt\0" + b"C:\\m.txt\0" + struct.pack("<HH", 0, 3)
    pkg += struct.pack("<I", 9) + b"C:\\m.txt\0" + struct.pack("<I", len(payload)) + payload
    ole1 = struct.pack("<II", 0x0501, 2) + struct.pack("<I", 8) + b"Package\0"
    ole1 += struct.pack("<I", 0) + struct.pack("<I", 0) + struct.pack("<I", len(pkg)) + pkg
    hexd = ole1.hex()
    lines = "\r\n".join(hexd[i:i + 64] for i in range(0, len(hexd), 64))
    doc = ("{\\rtf1\\ansi{\\object\\objemb\\objw1\\objh1{\\*\\objclass Package}"
           "{\\*\\objdata %s\r\n}}}\r\n" % lines)
    return w.write("object.rtf", doc.encode()), "RTF:object0/payload"


def ooxml_case(w):
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Override PartName="/word/'
                   'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document><w:body><w:p><w:t>%s</w:t></w:p></w:body>"
                   "</w:document>" % MARK)
    return w.write("doc.docx", zb.getvalue()), "ZIP:word/document.xml"


def main():
    w = cscan.Work("vgdoc-")
    try:
        cases = [(p, l, cscan.NAME) for p, l in
                 pdf_cases(w) + ole_cases(w) + mail_cases(w) + [rtf_case(w), ooxml_case(w)]]
        cases += html_cases(w)
        paths = [c[0] for c in cases]
        vig = cscan.scan(w, paths)
        clam = cscan.clamscan(w, paths)
        for path, layer, name in cases:
            rec = vig[path]
            base = os.path.basename(path)
            w.check(name in cscan.names(rec), "%s: %s found" % (base, name))
            w.check(layer in cscan.layers(rec, name),
                    "%s: found in layer %s (layers: %s)" % (base, layer, cscan.layers(rec, name)))
            if base in BEYOND_CLAMSCAN:
                w.check(set(clam[path]) <= set(cscan.names(rec)),
                        "%s: clamscan's names are a subset (%s / %s; %s)" %
                        (base, clam[path], cscan.names(rec), BEYOND_CLAMSCAN[base]))
            else:
                w.check(clam[path] == cscan.names(rec), "%s: same names as clamscan (%s / %s)" %
                        (base, clam[path], cscan.names(rec)))
        # raw HTML is not matched (clamscan matches only the normalised page)
        raw = w.write("raw.html", ("<html><body>%s</body></html>\n" % MARK).encode())
        rec = cscan.scan(w, [raw])[raw]
        c = cscan.clamscan(w, [raw])[raw]
        w.check(cscan.names(rec) == c, "raw.html: same names as clamscan (%s / %s)" %
                (c, cscan.names(rec)))
        # macros: the heuristic, as clamscan
        mac = w.path("macro.doc")
        rec = cscan.scan(w, [mac], ["--alert-macros"])[mac]
        c = cscan.clamscan(w, [mac], ["--alert-macros"])[mac]
        w.check("Heuristics.OLE2.ContainsMacros.VBA" in cscan.names(rec),
                "macro.doc: Heuristics.OLE2.ContainsMacros.VBA with --alert-macros")
        w.check(cscan.names(rec) == c, "macro.doc --alert-macros: same names as clamscan (%s / %s)"
                % (c, cscan.names(rec)))
    finally:
        w.close()
    print("docs: %d failures" % w.failures)
    return 1 if w.failures else 0


sys.exit(main())
