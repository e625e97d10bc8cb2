"""test_chm.py - CHM help files (ITSF directory, stored and LZX members)
built by tests/cli/lib/chmgen.py: the test marker hidden in stored
members, in LZX members across frames and reset intervals, behind the
decoder, in a many-chunk directory and inside a zip; a .cdb rule on a
member's name; malformed and truncated files (broken directory, bad LZX
frames, lying sizes and tables). vigil must report what clamscan 1.4.6
reports on the same files (names, with a Container: rule telling whether
the marker was found inside a CHM member), the member in the layer path,
and a limit that stops extraction as incomplete, never clean.

ctest-labels: containers
"""
import io
import os
import random
import struct
import sys
import zipfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import chmgen  # noqa: E402
import cscan  # noqa: E402

FRAME = chmgen.FRAME
MARK = cscan.NAME                      # the marker anywhere
INSIDE = "Vg.Chm.Member.UNOFFICIAL"    # the marker in a layer whose container is a CHM
BYNAME = "Vg.Chm.Name.UNOFFICIAL"      # .cdb: a CHM member named /secret/evil.htm


def filler(rng, n):
    """n bytes of text from a small vocabulary: LZX finds matches in it."""
    words = [b"help", b"topic", b"index", b"<p>", b"</p>", b"window", b"button", b"the", b"of",
             b"and", b"contents", b"search", b"%d" % rng.randrange(1000)]
    out = bytearray()
    while len(out) < n:
        out += rng.choice(words) + b" "
    return bytes(out[:n])


def page(tag):
    """A member holding the marker (plain text: HTML pages are matched only
    once normalised, in lower case)."""
    return cscan.payload(tag)


def put16(data, off, value):
    b = bytearray(data)
    struct.pack_into("<H", b, off, value)
    return bytes(b)


def cases(rng):
    """[(file name, bytes, expected names, expected CHM layers (a subset of
    the reported ones), layers that must not be reported)]."""
    out = []
    idx = b"<html>index</html>"

    def add(name, data, want, layers=(), absent=()):
        out.append((name, data, sorted(want), set(layers), set(absent)))

    # stored members (section 0): the marker is in the file's own bytes too
    add("stored.chm", chmgen.build([("/index.htm", idx), ("/sub/page.htm", page("stored"))], []),
        {MARK, INSIDE}, {"CHM:/sub/page.htm"})
    # LZX members in one frame, the middle one holds the marker
    add("lzx.chm", chmgen.build([("/index.htm", idx)],
                                [("/a.htm", filler(rng, 3000)), ("/b/evil.htm", page("lzx")),
                                 ("/c.htm", filler(rng, 2000))]),
        {MARK, INSIDE}, {"CHM:/b/evil.htm"})
    # the marker across a frame boundary (the member spans frames 0 and 1)
    add("span.chm", chmgen.build([], [("/a.htm", filler(rng, FRAME - 200)),
                                      ("/span.htm", page("span"))]),
        {MARK, INSIDE}, {"CHM:/span.htm"})
    # the marker in frame 5 (reset interval 2: the decoder starts at frame 4
    # through the reset table), with reset intervals of 1, 2 and 4 frames
    far = [("/a.htm", filler(rng, 5 * FRAME + 100)), ("/far.htm", page("far")),
           ("/z.htm", filler(rng, 500))]
    for rf in (1, 2, 4):
        add("far-reset%d.chm" % rf, chmgen.build([], far, reset_frames=rf),
            {MARK, INSIDE}, {"CHM:/far.htm"})
    # only the marker member is listed: decoding starts at its reset point
    add("far-only.chm", chmgen.build([], [("::Filler", filler(rng, 3 * FRAME)),
                                          ("/far.htm", page("only"))]),
        {MARK, INSIDE}, {"CHM:/far.htm"})
    # no reset table: decoded from the start, SpanInfo giving the length
    add("no-rtable.chm", chmgen.build([], far, rtable=False), {MARK, INSIDE}, {"CHM:/far.htm"})
    # a member listed after one further on: the decoder starts over
    plain = [("/a.htm", filler(rng, 1000)), ("/b.htm", page("again")),
             ("/c.htm", filler(rng, 3 * FRAME))]
    add("restart.chm", chmgen.build([], plain, extra_entries=[("/again.htm", 1, 1000,
                                                               len(page("again")))]),
        {MARK, INSIDE}, {"CHM:/b.htm", "CHM:/again.htm"})
    # a directory of many PMGL chunks; the marker in the last member
    many = [("/p%03d.htm" % i, filler(rng, 300)) for i in range(80)]
    add("chunks.chm", chmgen.build(many[:20], many[20:] + [("/zlast.htm", page("chunks"))],
                                   chunk_size=512),
        {MARK, INSIDE}, {"CHM:/zlast.htm"})
    # a .cdb rule on the member's name (nothing in its content)
    add("name.chm", chmgen.build([("/index.htm", idx)],
                                 [("/secret/evil.htm", filler(rng, 500))]),
        {BYNAME}, ())
    # inside a zip
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("help/inner.chm", out[1][1])
    add("nested.zip", z.getvalue(), {MARK, INSIDE}, {"ZIP:help/inner.chm!CHM:/b/evil.htm"})

    # ---- malformed ----
    lay = {}
    base = chmgen.build([("/index.htm", idx)], [("/a.htm", filler(rng, 3000)),
                                                ("/b/evil.htm", page("bad"))], layout=lay)
    end = lay["dir"] + lay["chunk_size"] - 2
    count = struct.unpack_from("<H", base, end)[0]
    # entries running past their chunk: the entries read before are kept
    # (libmspack opens a damaged directory with what it found)
    add("bad-count.chm", put16(base, end, 0xFFFF), {MARK, INSIDE}, {"CHM:/b/evil.htm"})
    # the only chunk broken at its first entry: nothing is kept, nothing opened
    b = bytearray(base)
    b[lay["dir"] + 0x14] = 0xFF
    add("bad-entry.chm", bytes(b), set(), (), {"CHM:/b/evil.htm"})
    # the first of several chunks broken at its first entry: the others are read
    cl = {}
    b = bytearray(chmgen.build(many[:20], many[20:] + [("/zlast.htm", page("chunk2"))],
                               chunk_size=512, layout=cl))
    b[cl["dir"] + 0x14] = 0xFF
    add("bad-chunk0.chm", bytes(b), {MARK, INSIDE}, {"CHM:/zlast.htm"})
    # a chunk size the reader refuses
    add("bad-chunksize.chm", put16(base, lay["dir"] - 0x54 + 0x10 + 2, 1), set())
    # header section 0 says the file is shorter than where its content starts
    b = bytearray(base)
    struct.pack_into("<Q", b, 0x60 + 8, 16)
    add("bad-length.chm", bytes(b), set())
    # a cut directory
    add("cut-dir.chm", base[:lay["dir"] + 100], set())
    # ControlData with a window LZX does not have: stored members only
    cl = {}
    b = bytearray(chmgen.build([("/s.htm", page("ctl-stored"))], [("/c.htm", page("ctl-lzx"))],
                               layout=cl))
    struct.pack_into("<I", b, cl["control"] + 0x10, 3)
    add("bad-window.chm", bytes(b), {MARK, INSIDE}, {"CHM:/s.htm"}, {"CHM:/c.htm"})
    # bad LZX frames (an invalid block type where a frame starts)
    members = [("/a.htm", filler(rng, 3 * FRAME + 1000)), ("/b.htm", page("frame3")),
               ("/z.htm", filler(rng, 100))]
    lay = {}
    multi = chmgen.build([], members, layout=lay)
    stream, frames = lay["stream"], lay["frames"]
    # frame 1 broken: /a.htm fails, /b.htm (frame 3) starts at frame 2's reset point
    add("bad-frame1.chm", put16(multi, stream + frames[1], 0), {MARK, INSIDE}, {"CHM:/b.htm"})
    # frame 2 (the reset point before /b.htm) broken: /b.htm cannot be decoded
    add("bad-frame2.chm", put16(multi, stream + frames[2], 0), set(), (), {"CHM:/b.htm"})
    # cut in frame 3: what was decoded before the cut is there, /b.htm is not
    add("cut-frame3.chm", multi[:stream + frames[3] + 50], set(), (), {"CHM:/b.htm"})
    fl = {}
    first = chmgen.build([], [("/first.htm", page("first"))] + members, layout=fl)
    add("cut-after-first.chm", first[:fl["stream"] + fl["frames"][1] + 50], {MARK, INSIDE},
        {"CHM:/first.htm"})
    # a member claiming far more than the section holds: what decodes is scanned
    add("long-member.chm", chmgen.build([], [("/a.htm", filler(rng, 500)), ("/m.htm", page("long"))],
                                        extra_entries=[("/huge.htm", 1, 0, 1 << 40)]),
        {MARK, INSIDE}, {"CHM:/m.htm", "CHM:/huge.htm"})
    # a member past the end of the section
    add("past-end.chm", chmgen.build([], [("/a.htm", filler(rng, 500))],
                                     extra_entries=[("/past.htm", 1, 10 * FRAME, 100)]), set())
    # a stored member longer than the file: its last short 512-byte run is dropped
    add("stored-lie.chm", chmgen.build([("/index.htm", idx)], [], extra_entries=[
        ("/lie.htm", 0, len(idx), 100000)]) + page("tail"), {MARK}, (), {"CHM:/lie.htm"})
    big_tail = page("bigtail") + filler(rng, 1200)
    add("stored-lie512.chm", chmgen.build([("/index.htm", idx)], [], extra_entries=[
        ("/lie.htm", 0, len(idx), 100000)]) + big_tail, {MARK, INSIDE}, {"CHM:/lie.htm"})
    # a reset table whose entries point past the stream
    b = bytearray(multi)
    rt = lay["rtable"]
    for k in range(len(frames)):
        struct.pack_into("<Q", b, rt + 0x28 + 8 * k, 1 << 40)
    add("rtable-lie.chm", bytes(b), set(), (), {"CHM:/b.htm"})
    # a reset table with an entry size the reader does not know: decoded from 0
    b = bytearray(multi)
    struct.pack_into("<I", b, rt + 8, 3)
    add("rtable-size.chm", bytes(b), {MARK, INSIDE}, {"CHM:/b.htm"})
    # an uncompressed length far beyond the stream
    b = bytearray(multi)
    struct.pack_into("<Q", b, rt + 0x10, 1 << 40)
    add("rtable-ulen.chm", bytes(b), {MARK, INSIDE}, {"CHM:/b.htm"})
    return out


def main():
    w = cscan.Work("vgchm-")
    try:
        rng = random.Random(7)
        w.add_sig("chm.ldb", "Vg.Chm.Member;Engine:81-255,Container:CL_TYPE_MSCHM,Target:0;0;%s"
                  % cscan.MARKER.hex())
        w.add_sig("chm.cdb", "Vg.Chm.Name:CL_TYPE_MSCHM:*:/secret/evil\\.htm$:*:*:*:*:*:*")
        todo = cases(rng)
        paths = []
        for name, data, want, layers, absent in todo:
            paths.append(w.write(name, data))
        clam = cscan.clamscan(w, paths, ["--allmatch"])
        vig = cscan.scan(w, paths, ["--allmatch"])
        for path, (name, data, want, layers, absent) in zip(paths, todo):
            rec = vig[path]
            got = cscan.names(rec)
            w.check(rec["status"] in ("clean", "infected"), "%s: status %s" % (name, rec["status"]))
            w.check(got == clam[path], "%s: same names as clamscan (clamscan %s, vigil %s)" %
                    (name, clam[path], got))
            w.check(got == want, "%s: names %s (want %s)" % (name, got, want))
            have = set(cscan.layers(rec))
            w.check(layers <= have and not (absent & have),
                    "%s: layers %s (want %s, not %s)" % (name, sorted(have), sorted(layers),
                                                         sorted(absent)))
        # LZX members hide the marker from the file's own bytes
        for name, data, *_ in todo:
            if name in ("lzx.chm", "far-reset2.chm", "bad-frame1.chm"):
                w.check(cscan.MARKER not in data, "%s: marker only in decoded bytes" % name)

        # limits: a member cut by max-filesize, a skip past max-scansize, max-files
        # (repeated text: the files stay far below the limits, their members do not)
        rep = filler(rng, 1000)
        big = chmgen.build([], [("/big.htm", rep * 200 + page("big"))])
        w.check(len(big) < 64 << 10, "limit-big.chm is smaller than the limit")
        p = w.write("limit-big.chm", big)
        rec = cscan.scan(w, [p], ["--max-filesize=64K"])[p]
        w.check(rec["status"] == "incomplete" and "MaxFileSize" in rec.get("incomplete", []),
                "max-filesize: %s %s" % (rec["status"], rec.get("incomplete")))
        skip = chmgen.build([], [("::Filler", rep * 200), ("/far.htm", page("skip"))],
                            rtable=False)
        p = w.write("limit-skip.chm", skip)
        rec = cscan.scan(w, [p], ["--max-scansize=100K"])[p]
        w.check(rec["status"] == "incomplete" and "MaxScanSize" in rec.get("incomplete", []),
                "max-scansize (skipping): %s %s" % (rec["status"], rec.get("incomplete")))
        rec = cscan.scan(w, [p])[p]
        w.check(rec["status"] == "infected", "no limit: the skipped-to member is found")
        p = w.path("chunks.chm")
        rec = cscan.scan(w, [p], ["--max-files=10"])[p]
        w.check(rec["status"] == "incomplete" and "MaxFiles" in rec.get("incomplete", []),
                "max-files: %s %s" % (rec["status"], rec.get("incomplete")))
        if w.failures:
            print("%d failures" % w.failures)
            return 1
        print("all CHM checks passed (%d files)" % len(paths))
        return 0
    finally:
        w.close()


if __name__ == "__main__":
    sys.exit(main())
