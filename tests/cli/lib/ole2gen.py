"""ole2gen.py - write OLE2 compound files (version 3, 512-byte sectors)
and the pieces of a VBA project, for tests. Standard library only.

  compound({"WordDocument": b"...", "Macros/VBA/dir": b"..."})
      paths name streams; storages are made for the directories; streams
      under 4096 bytes go to the mini stream, as the format requires.
  ovba_compress(data)   MS-OVBA compression (literal tokens and, where a
                        run of 3+ equal bytes allows, copy tokens)
  vba_project(modules)  {"Macros/VBA/dir": ..., "_VBA_PROJECT": ..., module
                        streams...} for {module name: source text}
"""

import struct

FREE, END, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
SS = 512
MINI = 64
CUTOFF = 4096


def _key(name):
    return (len(name), name.upper())


def compound(streams):
    # the tree of storages
    root = {"name": "Root Entry", "type": 5, "kids": {}}
    for path, data in streams.items():
        node = root
        parts = path.split("/")
        for p in parts[:-1]:
            node = node["kids"].setdefault(p, {"name": p, "type": 1, "kids": {}})
        node["kids"][parts[-1]] = {"name": parts[-1], "type": 2, "data": data}
    entries = []

    def number(node):
        node["id"] = len(entries)
        entries.append(node)
        for k in sorted(node.get("kids", {}).values(), key=lambda n: _key(n["name"])):
            number(k)
    number(root)
    # mini stream and big streams
    mini = bytearray()
    minifat = []
    big = []
    for e in entries:
        if e["type"] != 2:
            continue
        d = e["data"]
        if len(d) < CUTOFF:
            e["start"] = len(mini) // MINI if d else END
            n = (len(d) + MINI - 1) // MINI
            for i in range(n):
                minifat.append(len(minifat) + 1 if i + 1 < n else END)
            mini += d + b"\0" * (n * MINI - len(d))
        else:
            big.append(e)
    # sector layout after the FAT: directory, mini FAT, mini stream, big streams
    dirdata = bytearray()
    for e in entries:
        dirdata += _dirent(e)
    while len(dirdata) % SS:
        dirdata += _empty_dirent()
    mfdata = b"".join(struct.pack("<I", v) for v in minifat)
    mfdata += b"\xff" * ((-len(mfdata)) % SS)
    ministream = bytes(mini) + b"\0" * ((-len(mini)) % SS)
    blobs = [("dir", bytes(dirdata)), ("minifat", mfdata), ("mini", ministream)]
    for e in big:
        blobs.append((e["id"], e["data"] + b"\0" * ((-len(e["data"])) % SS)))
    nsect = sum(len(b) // SS for _, b in blobs)
    nfat = 1
    while nfat * (SS // 4) < nsect + nfat:
        nfat += 1
    fat = [FATSECT] * nfat
    starts = {}
    for key, b in blobs:
        n = len(b) // SS
        starts[key] = len(fat) if n else END
        for i in range(n):
            fat.append(len(fat) + 1 if i + 1 < n else END)
    fat += [FREE] * (nfat * (SS // 4) - len(fat))
    root["start"] = starts["mini"]
    root["size"] = len(mini)
    for e in big:
        e["start"] = starts[e["id"]]
    # rewrite the directory now that starts are known
    dirdata = bytearray()
    for e in entries:
        dirdata += _dirent(e)
    while len(dirdata) % SS:
        dirdata += _empty_dirent()
    blobs[0] = ("dir", bytes(dirdata))
    hdr = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16)
    hdr += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
    hdr += b"\0" * 6
    hdr += struct.pack("<IIIIIIIII", 0, nfat, starts["dir"], 0, CUTOFF,
                       starts["minifat"] if minifat else END, len(mfdata) // SS if minifat else 0,
                       END, 0)
    difat = list(range(nfat)) + [FREE] * (109 - nfat)
    hdr += b"".join(struct.pack("<I", v) for v in difat)
    fatbytes = b"".join(struct.pack("<I", v) for v in fat)
    return bytes(hdr) + fatbytes + b"".join(b for _, b in blobs)


def _dirent(e):
    name = e["name"].encode("utf-16-le") + b"\0\0"
    kids = sorted(e.get("kids", {}).values(), key=lambda n: _key(n["name"]))
    child = kids[0]["id"] if kids else NOSTREAM
    # siblings: a right-leaning chain in name order
    right = e.get("right", NOSTREAM)
    for a, b in zip(kids, kids[1:]):
        a["right"] = b["id"]
    size = len(e["data"]) if e["type"] == 2 else e.get("size", 0)
    start = e.get("start", END)
    return (name + b"\0" * (64 - len(name)) +
            struct.pack("<HBBIII", len(name), e["type"], 1, NOSTREAM, right, child) +
            b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16 + struct.pack("<III", start, size, 0))


def _empty_dirent():
    return b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 52


def ovba_compress(data):
    out = bytearray(b"\x01")
    for c in range(0, len(data), 4096):
        chunk = data[c:c + 4096]
        body = bytearray()
        i = 0
        while i < len(chunk):
            flags = 0
            toks = bytearray()
            for t in range(8):
                if i >= len(chunk):
                    break
                run = 0
                while i > 0 and i + run < len(chunk) and chunk[i + run] == chunk[i - 1] and run < 18:
                    run += 1
                if run >= 3:
                    bits = 4
                    while (1 << bits) < i:
                        bits += 1
                    bits = min(bits, 12)
                    # offset 1 (the previous byte), length run
                    tok = ((1 - 1) << (16 - bits)) | (run - 3)
                    toks += struct.pack("<H", tok)
                    flags |= 1 << t
                    i += run
                else:
                    toks.append(chunk[i])
                    i += 1
            body.append(flags)
            body += toks
        if len(body) > 4096:
            raise ValueError("chunk does not compress")
        out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def _rec(rid, data):
    return struct.pack("<HI", rid, len(data)) + data


def vba_project(modules, storage="Macros/VBA"):
    """Streams of a VBA project with the given modules ({name: source})."""
    d = bytearray()
    d += _rec(0x01, struct.pack("<I", 1))
    d += _rec(0x02, struct.pack("<I", 0x409))
    d += _rec(0x14, struct.pack("<I", 0x409))
    d += _rec(0x03, struct.pack("<H", 1252))
    d += _rec(0x04, b"VBAProject")
    d += _rec(0x05, b"") + _rec(0x40, b"")
    d += _rec(0x06, b"") + _rec(0x3D, b"")
    d += _rec(0x07, struct.pack("<I", 0))
    d += _rec(0x08, struct.pack("<I", 0))
    d += struct.pack("<HIIH", 0x09, 4, 1, 0)
    d += _rec(0x0C, b"") + _rec(0x3C, b"")
    d += _rec(0x0F, struct.pack("<H", len(modules)))
    d += _rec(0x13, struct.pack("<H", 0xFFFF))
    streams = {}
    for name in modules:
        n = name.encode()
        u = name.encode("utf-16-le")
        d += _rec(0x19, n) + _rec(0x47, u)
        d += _rec(0x1A, n) + _rec(0x32, u)
        d += _rec(0x1C, b"") + _rec(0x48, b"")
        d += _rec(0x31, struct.pack("<I", 0))
        d += _rec(0x1E, struct.pack("<I", 0))
        d += _rec(0x2C, struct.pack("<H", 0xFFFF))
        d += _rec(0x21, b"")
        d += _rec(0x2B, b"")
        streams[storage + "/" + name] = ovba_compress(modules[name].encode())
    d += _rec(0x10, b"")
    streams[storage + "/dir"] = ovba_compress(bytes(d))
    streams[storage + "/_VBA_PROJECT"] = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0, 0)
    top = storage.rsplit("/", 1)[0]
    streams[top + "/PROJECT"] = ("ID=\"{00000000-0000-0000-0000-000000000000}\"\r\n" +
                                 "".join("Module=%s\r\n" % m for m in modules) +
                                 "Name=\"VBAProject\"\r\n").encode()
    return streams
