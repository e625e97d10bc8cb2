"""isgen.py - small InstallShield setups for the InstallShield tests.

No InstallShield runs on Linux, so the tests build what its setup.exe
stubs carry, the two layouts clamscan reads (libclamav/ishield.c):

- msi_setup(): an "InstallShield\\0" stream in the PE overlay (MSI-based
  setups): a 32-byte header (file count, zeros from offset 8), and per
  file a 312-byte block (name in 260 bytes, 6, 0, compressed size,
  0, 1, ...) and the file's zlib stream, each byte XORed with the name
  XORed with ec ca 79 f8 and its nibbles swapped;
- cab_setup(): the files of an older setup one after the other in the
  overlay ("name\\0path\\0version\\0size\\0" and the data), among them
  data1.hdr (an "ISc(" header listing files, internal ones with their
  offset in a data<N>.cab) and data<N>.cab (per file, 16-bit sized chunks,
  each a raw deflate stream of its own).

Every builder takes the bytes and knobs the tests need to break things
(sizes, flags, offsets). Library only (imported by tests/cli/test_ishield.py
and tests/fuzz/make_ishield_seeds.py). Python 3 standard library only.
"""

import struct
import zlib

import pepack

SKEY = bytes([0xEC, 0xCA, 0x79, 0xF8])
ITEM = struct.Struct("<HQQQ16sQIIIHIIIIIBH")  # one data1.hdr file entry, 87 bytes
assert ITEM.size == 87


def stub_pe(overlay, pdb=b""):
    """A 32-bit PE (two sections, so that the overlay starts after the
    second one) followed by overlay."""
    text = bytearray(0x200)
    text[0] = 0xC3  # ret
    data = bytearray(0x200)
    data[:len(pdb)] = pdb[:0x200]
    hdr = pepack.pe_header([(b".text", 0x1000, 0x1000, 0x400, 0x200, 0x60000020),
                            (b".data", 0x2000, 0x1000, 0x600, 0x200, 0xC0000040)], 0x1000)
    return hdr + bytes(0x400 - len(hdr)) + bytes(text) + bytes(data) + overlay


# ---- MSI stream ---------------------------------------------------------------


def msi_encode(name, payload):
    """The stored form of one file: zlib, then XOR with the name's key and
    a nibble swap (what clamscan undoes)."""
    key = bytes(c ^ SKEY[i & 3] for i, c in enumerate(name))
    out = bytearray(payload)
    for i, c in enumerate(out):
        p = c ^ key[(i & 0x3FF) % len(key)]
        out[i] = ((p << 4) | (p >> 4)) & 0xFF
    return bytes(out)


def msi_block(name, csize, unk=(6, 0, 0, 1)):
    """A 312-byte file block: name (NUL-padded to 260 bytes), 6, 0, the
    compressed size, then 0, 1 and zeros."""
    u1, u2, u3, u4 = unk
    return (name.ljust(0x104, b"\0")[:0x104] + struct.pack("<IIQII", u1, u2, csize, u3, u4) +
            bytes(7 * 4))


def msi_stream(files, count=None, hdr_tail=b""):
    """"InstallShield\\0", the header and the files: [(name, content)] or
    [(name, content, dict)] with keys raw (stored bytes as given), csize
    (the size written in the block)."""
    body = b""
    for f in files:
        name, content = f[0], f[1]
        opt = f[2] if len(f) > 2 else {}
        stored = opt.get("raw")
        if stored is None:
            stored = msi_encode(name, zlib.compress(content))
        csize = opt.get("csize", len(stored))
        body += msi_block(name, csize) + stored
    n = len(files) if count is None else count
    hdr = struct.pack("<II", n, 0) + bytes(24)
    hdr = (hdr[:8] + hdr_tail + hdr[8 + len(hdr_tail):])[:0x20]
    return b"InstallShield\0" + hdr + body


def msi_setup(files, **kw):
    """A setup.exe stub whose overlay is the MSI stream of files (the
    stub's debug path ends with "InstallShield\\0" as the real ones do)."""
    return stub_pe(b"NB10\0\0\0\0setupW.pdb\0" + msi_stream(files, **kw))


# ---- ISc( cabinets ------------------------------------------------------------


def cab_stream(content, chunk=0x8000):
    """One file as stored in data<N>.cab: 16-bit size, raw deflate chunk."""
    out = b""
    for i in range(0, max(len(content), 1), chunk):
        z = zlib.compressobj(9, zlib.DEFLATED, -15)
        c = z.compress(content[i:i + chunk]) + z.flush()
        out += struct.pack("<H", len(c)) + c
    return out


def cab_file(streams):
    """data<N>.cab: an "ISc(" header block and the streams; returns the
    bytes and each stream's offset."""
    out = bytearray(b"ISc(" + bytes(0x1FC))
    offs = []
    for s in streams:
        offs.append(len(out))
        out += s
    return bytes(out), offs


def hdr_file(files, dirs=(b"",), magic=b"ISc(", data_off=0x200, count=None):
    """data1.hdr listing files: dicts with name, size, csize, off (in its
    cabinet), cab (N), flags (4 internal, 0 external), dup, dir."""
    dirs_off = 0x100
    base = data_off + dirs_off
    ntab = 4 * len(dirs)
    items_at = ntab
    strings_at = items_at + ITEM.size * len(files)
    strings = b""
    dir_ptr = []
    for d in dirs:
        dir_ptr.append(strings_at + len(strings))
        strings += d + b"\0"
    name_ptr = []
    for f in files:
        name_ptr.append(strings_at + len(strings))
        strings += f["name"] + b"\0"
    tab = b"".join(struct.pack("<I", p) for p in dir_ptr)
    items = b""
    for f, np_ in zip(files, name_ptr):
        items += ITEM.pack(f.get("flags", 4), f["size"], f["csize"], f.get("off", 0), bytes(16),
                           0, 0, 0, np_, f.get("dir", 0), 0, 0, 1, 0, 0, f.get("dup", 0),
                           f.get("cab", 1))
    n = len(files) if count is None else count
    objs = struct.pack("<IIIIIIIIIIII", 0, 0, 0, dirs_off, 0, 0, 0, len(dirs), 0, ntab, n, ntab)
    objs += bytes(74 - len(objs))
    h1 = magic + struct.pack("<IIII", 0x00010095, 0, data_off, 0)
    out = bytearray(h1 + bytes(data_off - len(h1)))
    out += objs + bytes(dirs_off - len(objs))
    assert len(out) == base
    out += tab + items + strings
    return bytes(out)


def entry(name, data, size=None, version=b"0.0.0.0"):
    """One overlay entry: name, path, version, decimal size, data."""
    sz = str(len(data)).encode() if size is None else size
    return name + b"\0" + b"Disk1\\" + name + b"\0" + version + b"\0" + sz + b"\0" + data


def cab_parts(internal, external=()):
    """data1.hdr and data1.cab for internal [(name, content)] files, and
    the overlay entries of external [(name, content)] ones (listed with
    flags 0 in the header, as InstallShield does)."""
    streams = [cab_stream(c) for _, c in internal]
    cab, offs = cab_file(streams)
    files = []
    for (name, c), s, o in zip(internal, streams, offs):
        files.append({"name": name, "size": len(c), "csize": len(s), "off": o})
    for name, c in external:
        files.append({"name": name, "size": len(c), "csize": len(c), "flags": 0})
    return hdr_file(files), cab


def cab_setup(entries):
    """A setup.exe stub whose overlay is entries (bytes from entry())."""
    return stub_pe(b"".join(entries))
