"""gen_sigs.py - deterministic generator of random valid ClamAV signature
databases and of files with planted matches and near misses, for the
differential tests between vigil and clamscan 1.4.6.

A Suite holds what one family of tests needs: database files (name ->
lines) and scan files (name -> bytes), plus, for readable reports, which
signature was planted in which file and how. Families:

  hash    .hdb/.hsb (MD5, SHA-1, SHA-256; exact and `*` sizes) and
          .mdb/.msb (PE section hashes), with one-byte-off and wrong-size
          near misses
  ndb     .ndb: targets 0, 1, 6, 7, 9 (and types that never apply to the
          generated files), every offset form, every body syntax
  ldb     .ldb: target description blocks, logical expressions with counts
          and distinct counts, ::i ::w ::f ::a modifiers
  pcre    .ldb with PCRE sub-signatures (offsets, flags) and byte-compare
          sub-signatures
  allow   .fp/.sfp allow lists and .ign/.ign2 ignore lists over hash and
          body signatures

Usage as a program (for looking at a case by hand):
  gen_sigs.py FAMILY SEED NSIGS NFILES OUTDIR
writes OUTDIR/db/* and OUTDIR/files/*.

Cases deliberately NOT generated, each a documented clamscan 1.4.6 quirk
that vigil does not copy (clamav-compat.md section 9):
  - two signatures that differ only in an `[n-m]` range: ClamAV merges them
    internally and line order decides both verdicts. Every generated
    signature has its own random literal bytes, so no two bodies coincide.
  - in .ign2, a plain-name line after a `name:md5` line: 1.4.6 aborts the
    load. Plain names are always written first.
  - duplicate hash keys: two hash signatures with the same (hash type,
    size, digest) in the same table (.hdb and .hsb share the whole-file
    table, .mdb and .msb the section table; the digest's letter case does
    not matter) but different names. clamscan reports only one of them,
    the one where the binary search over its quicksorted (not stably
    sorted) hash array lands (matcher-hash.c hm_sort/hm_find): with five
    such lines for one file it reports the fourth, with two the second.
    That is an accident of the sort, not a rule vigil could follow
    (vigil keeps the last loaded one). The generator draws again when a
    key is taken. A sized entry and a `*` entry for the same digest are
    different keys (clamscan --allmatch reports both) and are still
    generated.

Normalised text. clamscan 1.4.6 matches text files a second time as
normalised text, in one of two ways chosen by the whole database: in
memory, or, when some target-7 body pattern has an EOF offset, as a layer
of its own (clamav-semantics.md, "Normalised text"). vigil does both, and
the families cover both: the ndb family has no target-7 EOF offsets (in
memory); ldb, allow and pcre have some (layer). The pcre family must:
in memory, clamscan runs PCREs on the normalised buffer cut
at its prefilter's first candidate position (matcher_run's `pos`), so a
PCRE match before that point is missed and absolute PCRE offsets count
from it. That is an artefact of the prefilter, not a rule vigil could
follow (the cut depends on every pattern of the root, the built-in ones
included); the first target-7 PCRE signature of the pcre family therefore
always has a trigger at an EOF offset.

Python 3 standard library only. The same (family, seed, sizes) always gives
byte-identical output.
"""

import hashlib
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import body as B  # noqa: E402
import exe_build as EB  # noqa: E402

TEXT_WORDS = (b"alpha beta gamma delta epsilon report system value table "
              b"user data file line mode kernel process memory index text "
              b"open close read write string number buffer signal").split()


# --------------------------------------------------------------------------
# Scan files ("canvases") and planting

class Canvas:
    """A scan file under construction. kind: 'bin', 'text' or an exe kind.
    Placements never overlap each other nor exe headers."""

    def __init__(self, name, kind, data, exe=None):
        self.name = name
        self.kind = kind
        self.data = data
        self.exe = exe
        self.used = []
        self.planted = []   # (signame, how)
        self.quiet = False  # receives near misses only
        if exe is not None:
            self.regions = [(o, o + s) for o, s in exe.sections if s > 0]
        else:
            self.regions = [(0, len(data))]

    @property
    def target(self):
        if self.exe is not None:
            return self.exe.target
        return 7 if self.kind == "text" else 0

    def free(self, start, n):
        if start < 0 or n > len(self.data) - start:
            return False
        if not any(lo <= start and start + n <= hi for lo, hi in self.regions):
            return False
        for a, b in self.used:
            if start < b and a < start + n:
                return False
        return True

    def put(self, start, b):
        if not self.free(start, len(b)):
            return False
        self.data[start:start + len(b)] = b
        self.used.append((start, start + len(b)))
        return True

    def put_anywhere(self, rng, b, lo=0, hi=None):
        """Place b at a random free spot whose start lies in [lo, hi]."""
        if hi is None:
            hi = len(self.data)
        hi = min(hi, len(self.data) - len(b))
        if hi < lo:
            return None
        for _ in range(30):
            s = rng.randint(lo, hi)
            if self.put(s, b):
                return s
        return None


def make_text(rng, size):
    out = bytearray()
    col = 0
    while len(out) < size:
        w = rng.choice(TEXT_WORDS)
        out += w
        col += len(w) + 1
        if col > 60 and rng.random() < 0.3:
            out += b"\n"
            col = 0
        else:
            out += b" "
    return bytearray(out[:size - 1] + b"\n")


def make_canvas(rng, name, kind):
    if kind == "bin":
        data = bytearray(rng.randbytes(rng.randint(256, 3000)))
        # Keep clear of the magic numbers of other file types.
        data[0] = rng.choice(range(0x80, 0x100))
        return Canvas(name, kind, data)
    if kind == "text":
        return Canvas(name, kind, make_text(rng, rng.randint(200, 2500)))
    exe = EB.build_random(rng, kind)
    return Canvas(name, kind, exe.data, exe)


KIND_OF_TARGET = {1: ("pe32", "pe64"), 6: ("elf32", "elf64"),
                  9: ("macho32", "macho64"), 7: ("text",),
                  0: ("bin", "text", "pe32", "pe64", "elf32", "elf64",
                      "macho32", "macho64")}


def canvases_for(canvases, target, alpha, quiet=False):
    kinds = KIND_OF_TARGET.get(target, ())
    out = [c for c in canvases if c.kind in kinds and (quiet or not c.quiet)]
    if alpha == "bin":
        out = [c for c in out if c.kind != "text"]
    return out


def wrong_canvases(canvases, target, alpha):
    kinds = KIND_OF_TARGET.get(target, ())
    out = [c for c in canvases if c.kind not in kinds]
    if alpha == "bin":
        out = [c for c in out if c.kind != "text"]
    return out


# --------------------------------------------------------------------------
# Offsets

EXE_TARGETS = (1, 6, 9)


class Offset:
    """An offset field and how to place an anchor for it in a canvas.
    kind: any, abs, eof, ep, sx, sl, se."""

    def __init__(self, kind, n=0, shift=None, sect=0, neg=False):
        self.kind, self.n, self.shift, self.sect, self.neg = kind, n, shift, sect, neg

    @property
    def text(self):
        k = self.kind
        if k == "any":
            return "*"
        if k == "abs":
            t = "%d" % self.n
        elif k == "eof":
            t = "EOF-%d" % self.n
        elif k == "ep":
            t = "EP%s%d" % ("-" if self.neg else "+", self.n)
        elif k == "sx":
            t = "S%d+%d" % (self.sect, self.n)
        elif k == "sl":
            t = "SL+%d" % self.n
        else:
            return "SE%d" % self.sect
        if self.shift is not None:
            t += ",%d" % self.shift
        return t

    def base(self, c):
        """File offset the field designates in canvas c, or None."""
        k = self.kind
        if k == "abs":
            return self.n
        if k == "eof":
            return len(c.data) - self.n
        if c.exe is None:
            return None
        secs = c.exe.sections
        if k == "ep":
            return c.exe.ep - self.n if self.neg else c.exe.ep + self.n
        if k == "sx":
            if self.sect >= len(secs):
                return None
            return secs[self.sect][0] + self.n
        if k == "sl":
            return secs[-1][0] + self.n
        return None

    def plant(self, rng, c, inst, anchor, wrong=False):
        """Put inst so that its anchor lies where the offset wants it (or,
        with wrong, just outside). Returns the start or None."""
        k = self.kind
        if k == "any":
            return c.put_anywhere(rng, inst)
        if k == "se":
            if c.exe is None or self.sect >= len(c.exe.sections):
                return None
            o, s = c.exe.sections[self.sect]
            if wrong:
                others = [i for i, (oo, ss) in enumerate(c.exe.sections)
                          if i != self.sect and ss >= len(inst)]
                if not others:
                    return None
                o, s = c.exe.sections[rng.choice(others)]
            return c.put_anywhere(rng, inst, o, o + s - len(inst))
        b = self.base(c)
        if b is None:
            return None
        shift = self.shift or 0
        if wrong:
            d = rng.choice([-1, -2, shift + 1, shift + 2, -5, shift + 7])
        else:
            d = rng.randint(0, shift)
        start = b + d - anchor
        return start if c.put(start, inst) else None


def random_offset(rng, target, home, maxlen):
    """A random offset field usable with target; home is a canvas the
    offset should fit (absolute values are drawn from it)."""
    kinds = ["any", "any", "abs", "eof"]
    if target in EXE_TARGETS:
        kinds += ["ep", "ep", "sx", "sx", "sl", "se"]
    k = rng.choice(kinds)
    shift = rng.choice([None, None, rng.randint(0, 40), rng.randint(100, 300)])
    size = len(home.data) if home else 1000
    if k == "any":
        return Offset("any")
    if k == "abs":
        lo = 0 if home is None or home.exe is None else home.regions[0][0]
        return Offset("abs", rng.randint(lo, max(lo, size - maxlen)), shift)
    if k == "eof":
        return Offset("eof", rng.randint(maxlen, max(maxlen, min(size, maxlen + 400))), shift)
    secs = home.exe.sections if home is not None and home.exe is not None else [(0, 512)]
    first = 1 if home is not None and home.kind.startswith("elf") else 0
    if k == "ep":
        neg = rng.random() < 0.3
        return Offset("ep", rng.randint(0, 64), shift, neg=neg)
    if k == "sx":
        x = rng.randint(first, len(secs) - 1) if len(secs) > first else 0
        room = max(0, secs[x][1] - maxlen)
        return Offset("sx", rng.randint(0, min(room, 200)), shift, sect=x)
    if k == "sl":
        room = max(0, secs[-1][1] - maxlen)
        return Offset("sl", rng.randint(0, min(room, 200)), shift)
    x = rng.randint(first, len(secs) - 1) if len(secs) > first else 0
    return Offset("se", sect=x)


# --------------------------------------------------------------------------
# Suites

class Suite:
    """Databases and files of one test family."""

    def __init__(self, family):
        self.family = family
        self.dbs = {}        # db file name -> list of lines
        self.files = {}      # file name -> bytes
        self.planted = {}    # file name -> [(signame, how)]
        self.lines = {}      # signame (without .UNOFFICIAL) -> (db, line)
        self.notes = []

    def add_sig(self, db, name, line):
        self.dbs.setdefault(db, []).append(line)
        self.lines[name] = (db, line)

    def write(self, outdir):
        """Write db/<name> and files/<name> under outdir; return (dbdir,
        filesdir)."""
        dbdir = os.path.join(outdir, "db")
        fdir = os.path.join(outdir, "files")
        os.makedirs(dbdir, exist_ok=True)
        os.makedirs(fdir, exist_ok=True)
        for name, lines in sorted(self.dbs.items()):
            with open(os.path.join(dbdir, name), "w") as f:
                f.write("\n".join(lines) + "\n")
        for name, data in sorted(self.files.items()):
            with open(os.path.join(fdir, name), "wb") as f:
                f.write(data)
        return dbdir, fdir

    def nsigs(self):
        return sum(len(v) for k, v in self.dbs.items()
                   if not k.endswith((".fp", ".sfp", ".ign", ".ign2")))


def _canvases(rng, n, kinds, prefix="f"):
    out = []
    for i in range(n):
        k = rng.choice(kinds)
        c = make_canvas(rng, "%s%04d.%s" % (prefix, i, k), k)
        c.quiet = rng.random() < 0.2
        out.append(c)
    return out


def _finish(suite, canvases):
    for c in canvases:
        suite.files[c.name] = bytes(c.data)
        suite.planted[c.name] = c.planted


ALL_KINDS = ("bin", "bin", "text", "text", "pe32", "pe64", "elf32", "elf64",
             "macho32", "macho64")


def _plant_body_sig(rng, name, target, off, body, alpha, canvases, ctxf=None):
    """Plant matches and near misses of one body signature into canvases."""
    ok = canvases_for(canvases, target, alpha)
    near = canvases_for(canvases, target, alpha, quiet=True)
    bad = wrong_canvases(canvases, target, alpha)
    ctx = ctxf() if ctxf else B.Ctx(alpha)
    for _ in range(rng.choice((1, 1, 2, 3))):
        if not ok:
            break
        c = rng.choice(ok)
        inst, anc = body.instance(rng, ctx)
        if off.plant(rng, c, inst, anc) is not None:
            c.planted.append((name, "match"))
    if near and rng.random() < 0.7:
        c = rng.choice(near)
        if rng.random() < 0.5 or off.kind == "any":
            inst, anc = body.instance(rng, ctx, miss=True)
            how = "near-miss(bytes)"
            s = off.plant(rng, c, inst, anc)
        else:
            inst, anc = body.instance(rng, ctx)
            how = "near-miss(offset)"
            s = off.plant(rng, c, inst, anc, wrong=True)
        if s is not None:
            c.planted.append((name, how))
    if bad and rng.random() < 0.3:
        c = rng.choice(bad)
        inst, anc = body.instance(rng, ctx)
        if off.kind in ("any", "abs", "eof") and off.plant(rng, c, inst, anc) is not None:
            c.planted.append((name, "wrong-target"))


def gen_ndb(seed, nsigs, nfiles, text_layer=False):
    """.ndb family: all targets that apply to the generated files, all
    offset forms, all body syntax. Without text_layer no target-7
    signature has an EOF offset, so clamscan matches the normalised text of
    text files in memory; with it, as a layer of its own (see "Normalised
    text" in the module comment)."""
    rng = random.Random("ndb-%d" % seed)
    suite = Suite("ndb")
    canvases = _canvases(rng, nfiles, ALL_KINDS)
    for i in range(nsigs):
        target = rng.choice((0, 0, 0, 0, 1, 1, 1, 6, 6, 7, 7, 9, 9, 0, 1, 6, 7) +
                            ((2, 3, 4, 5, 10, 11, 12) if rng.random() < 0.1 else ()))
        alpha = "text" if target == 7 or (target == 0 and rng.random() < 0.4) else "bin"
        body = B.make_body(rng, alpha, static_only=rng.random() < 0.15)
        homes = canvases_for(canvases, target, alpha)
        home = rng.choice(homes) if homes else None
        off = random_offset(rng, target if target in EXE_TARGETS else 0, home,
                            body.max_len())
        if rng.random() < 0.3 or (target == 7 and off.kind == "eof" and not text_layer):
            off = Offset("any")
        name = "Vg.Ndb.T%d-%05d" % (target, i)
        suite.add_sig("gen.ndb", name, "%s:%d:%s:%s" % (name, target, off.text, body.text))
        _plant_body_sig(rng, name, target, off, body, alpha, canvases)
    _finish(suite, canvases)
    return suite


# --------------------------------------------------------------------------
# Hash family

def _hashes(data):
    return {"md5": hashlib.md5(data).hexdigest(),
            "sha1": hashlib.sha1(data).hexdigest(),
            "sha256": hashlib.sha256(data).hexdigest()}


def gen_hash(seed, nsigs, nfiles):
    """.hdb/.hsb whole-file hashes and .mdb/.msb PE section hashes."""
    rng = random.Random("hash-%d" % seed)
    suite = Suite("hash")
    canvases = _canvases(rng, nfiles, ("bin", "bin", "text", "pe32", "pe32", "pe64",
                                       "elf32", "elf64", "macho32"))
    files = []
    for c in canvases:
        files.append((c.name, bytes(c.data), c.exe))
    # Near-miss twins: same size, one byte off (outside exe headers).
    for name, data, exe in list(files):
        if rng.random() < 0.3:
            d = bytearray(data)
            if exe is not None:
                o, s = exe.sections[-1]
                i = rng.randrange(o, o + s)
            else:
                i = rng.randrange(1, len(d))
            d[i] ^= 1 << rng.randrange(8)
            files.append((name + ".twin", bytes(d), exe))
    for name, data, exe in files:
        suite.files[name] = data
        suite.planted[name] = []
    originals = [f for f in files if not f[0].endswith(".twin")]
    pes = [f for f in originals if f[2] is not None and f[2].target == 1]
    # Keys already used: no two signatures share (table, hash type, size,
    # digest) - see the module comment (duplicate hash keys).
    used = set()
    i = 0
    draws = 0
    while i < nsigs and draws < 20 * nsigs:
        draws += 1
        r = rng.random()
        if r < 0.65 or not pes:
            name, data, exe = rng.choice(originals)
            alg = rng.choice(("md5", "sha1", "sha256"))
            h = _hashes(data)[alg]
            size = "%d" % len(data)
            extra = ""
            how = "match"
            q = rng.random()
            if q < 0.15:
                size, extra = "*", ":%d" % rng.choice((73, 80, 100, 210))
            elif q < 0.25:
                size = "%d" % (len(data) + rng.choice((-1, 1)))
                how = "near-miss(size)"
            elif q < 0.3:
                extra = ":%d:%d" % (rng.choice((0, 10, 51)), 255)
            if rng.random() < 0.15:
                h = h.upper()
            key = ("file", alg, size, h.lower())
            if key in used:
                continue
            used.add(key)
            db = rng.choice(("gen.hdb", "gen.hsb"))
            sig = "Vg.Hash.%s-%05d" % (alg, i)
            suite.add_sig(db, sig, "%s:%s:%s%s" % (h, size, sig, extra))
            suite.planted[name].append((sig, how))
            if name + ".twin" in suite.files:
                suite.planted[name + ".twin"].append((sig, "near-miss(byte)"))
        else:
            name, data, exe = rng.choice(pes)
            x = rng.randrange(len(exe.sections))
            sd = exe.section_data(x)
            alg = rng.choice(("md5", "md5", "sha1", "sha256"))
            h = _hashes(sd)[alg]
            size = "%d" % len(sd)
            extra = ""
            how = "match(section %d)" % x
            q = rng.random()
            if q < 0.15:
                size, extra = "*", ":%d" % rng.choice((73, 90, 210))
            elif q < 0.25:
                size = "%d" % (len(sd) + rng.choice((-1, 1)))
                how = "near-miss(size)"
            key = ("section", alg, size, h.lower())
            if key in used:
                continue
            used.add(key)
            db = rng.choice(("gen.mdb", "gen.msb"))
            sig = "Vg.Sect.%s-%05d" % (alg, i)
            suite.add_sig(db, sig, "%s:%s:%s%s" % (size, h, sig, extra))
            suite.planted[name].append((sig, how))
            if name + ".twin" in suite.files:
                suite.planted[name + ".twin"].append((sig, "near-miss(byte in last section)"))
        i += 1
    return suite


# --------------------------------------------------------------------------
# Logical signatures

MODS = ("i", "w", "f", "a", "wa", "iw", "fi", "fw", "iwa", "fwa", "ia", "fa")


class Sub:
    """One content sub-signature of an .ldb: offset, body, modifiers."""

    def __init__(self, off, body, mods, alpha):
        self.off, self.body, self.mods, self.alpha = off, body, mods, alpha

    @property
    def text(self):
        t = self.body.text
        if self.off.kind != "any":
            t = self.off.text + ":" + t
        if self.mods:
            t += "::" + self.mods
        return t

    def ctx(self, rng):
        wide = "w" in self.mods and ("a" not in self.mods or rng.random() < 0.5)
        return B.Ctx(self.alpha, wide=wide, nocase="i" in self.mods)

    def instance(self, rng, miss=False, variant=None):
        ctx = self.ctx(rng)
        if variant == "case":
            ctx.nocase = True
        elif variant == "wide":
            ctx.wide = not ctx.wide
        inst, anc = self.body.instance(rng, ctx, miss=miss)
        if ctx.wide:
            anc *= 2
        if "f" in self.mods:
            # ::f: the bytes around the match must be non-alphanumeric.
            good = bytes([rng.choice(b" .,;-\n")])
            bad = bytes([rng.choice(b"abcXYZ019")])
            left = bad if variant == "fword-left" else good
            right = bad if variant == "fword-right" else good
            inst = left + inst + right
            anc += 1
        return inst, anc


def _expr(rng, ids, depth=0):
    """A random logical expression using every id in ids at least once."""
    if len(ids) == 1:
        return "%d" % ids[0] + _count(rng, 0.15)
    # split ids into 2-3 groups
    rng.shuffle(ids)
    k = rng.randint(2, min(3, len(ids)))
    cuts = sorted(rng.sample(range(1, len(ids)), k - 1))
    groups = [ids[a:b] for a, b in zip([0] + cuts, cuts + [len(ids)])]
    subs = [_expr(rng, g, depth + 1) for g in groups]
    ops = [rng.choice("&|") for _ in range(len(subs) - 1)]
    if len(set(ops)) > 1 and rng.random() < 0.7:
        ops = [ops[0]] * len(ops)
    body = subs[0]
    for op, s in zip(ops, subs[1:]):
        body += op + s
    r = rng.random()
    if depth == 0 and r < 0.6:
        return body
    e = "(" + body + ")"
    r = rng.random()
    if r < 0.2:
        e += _count(rng, 1.0)
    elif r < 0.35:
        n = len(ids)
        e += "%s%d,%d" % (rng.choice("=>>"), rng.randint(0, 3), rng.randint(1, n))
    return e


def _count(rng, p):
    """An optional count suffix. `=0` and `<n` hold on files where nothing
    matched, so they are kept rare (else every file is detected)."""
    r = rng.random()
    if r >= p:
        return ""
    r = rng.random()
    if r < 0.45:
        return ">%d" % rng.randint(0, 2)
    if r < 0.9:
        return "=%d" % rng.randint(1, 3)
    if r < 0.95:
        return "=0"
    return "<%d" % rng.randint(1, 3)


def _tdb(rng, target, home, engine_min, pin_size=False):
    """A target description block. pin_size restricts FileSize to the home
    file's size +-20 (for expressions that also hold when nothing matched,
    `=0` and `<n`, which would otherwise detect every file)."""
    parts = []
    if pin_size:
        engine_min = max(engine_min, 51)
    if engine_min or rng.random() < 0.7:
        parts.append("Engine:%d-255" % max(engine_min, rng.choice((51, 51, 81, 100))))
        engine_ok = True
    else:
        engine_ok = False
    parts.append("Target:%d" % target)
    size = len(home.data) if home is not None else 1000
    if pin_size:
        parts.append("FileSize:%d-%d" % (max(0, size - 20), size + 20))
    elif engine_ok and rng.random() < 0.25:
        r = rng.random()
        if r < 0.4:
            parts.append("FileSize:%d-%d" % (size - rng.randint(0, 50), size + rng.randint(0, 50)))
        elif r < 0.6:
            parts.append("FileSize:%d-%d" % (size, size))
        elif r < 0.8:
            parts.append("FileSize:%d-%d" % (size + 1, size + 100))
        else:
            parts.append("FileSize:%d-%d" % (max(0, size - 100), size - 1))
    if engine_ok and home is not None and home.exe is not None and target in EXE_TARGETS:
        if rng.random() < 0.25:
            ep = home.exe.ep
            lo, hi = rng.choice(((ep, ep), (ep - 10, ep + 10), (ep + 1, ep + 50),
                                 (max(0, ep - 50), ep - 1)))
            parts.append("EntryPoint:%d-%d" % (max(0, lo), max(0, hi)))
        if rng.random() < 0.25:
            n = len(home.exe.sections)
            lo, hi = rng.choice(((n, n), (1, n), (n + 1, n + 3), (1, max(1, n - 1))))
            parts.append("NumberOfSections:%d-%d" % (lo, hi))
    return ",".join(parts)


def _ldb_plan(rng, nsub):
    r = rng.random()
    if r < 0.35:
        return [1] * nsub
    if r < 0.55:
        c = [1] * nsub
        c[rng.randrange(nsub)] = 0
        return c
    if r < 0.7:
        c = [1] * nsub
        c[rng.randrange(nsub)] = rng.randint(2, 4)
        return c
    return [rng.choice((0, 1, 1, 2, 3)) for _ in range(nsub)]


def _plant_ldb(rng, name, target, subs, canvases, alpha, home, extra=None):
    ok = canvases_for(canvases, target, alpha)
    if not ok:
        return
    near = [c for c in canvases_for(canvases, target, alpha, quiet=True) if c.quiet]
    targets = [home] if home is not None and home in ok else []
    targets += [rng.choice(ok) for _ in range(rng.choice((0, 1, 2)))]
    if near and rng.random() < 0.5:
        targets.append(rng.choice(near))
    for c in targets:
        plan = _ldb_plan(rng, len(subs))
        how = []
        starts = {}
        for j, (sub, cnt) in enumerate(zip(subs, plan)):
            if sub is None:
                continue
            placed = 0
            for _ in range(cnt):
                variant = None
                miss = False
                q = rng.random()
                if q < 0.06 or c.quiet:
                    miss = True
                elif q < 0.10 and "i" in sub.mods:
                    variant = "case"
                elif q < 0.12 and "w" in sub.mods:
                    variant = "wide"
                elif q < 0.14 and "f" in sub.mods:
                    variant = rng.choice(("fword-left", "fword-right"))
                inst, anc = sub.instance(rng, miss=miss, variant=variant)
                s = sub.off.plant(rng, c, inst, anc)
                if s is not None:
                    placed += 1
                    starts.setdefault(j, []).append(s + anc)
                    if variant or miss:
                        how.append("%d:%s" % (j, variant or "miss"))
            how.append("%d x%d" % (j, placed))
        if extra:
            how += extra(rng, c, starts)
        c.planted.append((name, "plan " + " ".join(how)))


def gen_ldb(seed, nsigs, nfiles):
    """.ldb family: TDB keys, expressions with counts, modifiers."""
    rng = random.Random("ldb-%d" % seed)
    suite = Suite("ldb")
    canvases = _canvases(rng, nfiles, ALL_KINDS)
    for i in range(nsigs):
        target = rng.choice((0, 0, 0, 1, 1, 6, 6, 7, 9))
        alpha = "text" if target == 7 or rng.random() < 0.5 else "bin"
        homes = canvases_for(canvases, target, alpha)
        home = rng.choice(homes) if homes else None
        nsub = rng.choice((1, 2, 2, 3, 3, 4, 5, 6))
        subs = []
        use_mods = alpha == "text" and rng.random() < 0.6
        for _ in range(nsub):
            mods = ""
            if use_mods and rng.random() < 0.6:
                mods = rng.choice(MODS)
            body = B.make_body(rng, alpha, split=not mods or rng.random() < 0.5,
                               ends=not mods, noneg=bool(mods), strict=bool(mods))
            off = Offset("any")
            if rng.random() < 0.35:
                off = random_offset(rng, target if target in EXE_TARGETS else 0,
                                    home, body.max_len() * 2)
            subs.append(Sub(off, body, mods, alpha))
        expr = _expr(rng, list(range(nsub)))
        tdb = _tdb(rng, target, home, 81 if use_mods else 0,
                   "=0" in expr or "<" in expr)
        name = "Vg.Ldb.T%d-%05d" % (target, i)
        line = ";".join([name, tdb, expr] + [s.text for s in subs])
        suite.add_sig("gen.ldb", name, line)
        _plant_ldb(rng, name, target, subs, canvases, alpha, home)
    _finish(suite, canvases)
    return suite


# --------------------------------------------------------------------------
# PCRE and byte-compare sub-signatures

RE_WORDS = ("alpha", "beta", "gamma", "delta", "omega", "kilo", "zulu", "echo")


def _regex(rng):
    """(regex text, generator of matching bytes). Regexes avoid `;`, `/`
    and `:`, which the .ldb syntax reserves."""
    pieces = []
    for _ in range(rng.randint(2, 4)):
        r = rng.random()
        if r < 0.3:
            w = rng.choice(RE_WORDS) + "%d" % rng.randint(0, 99)
            pieces.append((w, lambda rng, w=w: w.encode()))
        elif r < 0.45:
            n, m = sorted((rng.randint(1, 4), rng.randint(1, 6)))
            pieces.append(("[a-f]{%d,%d}" % (n, m),
                           lambda rng, n=n, m=m: bytes(rng.choice(b"abcdef")
                                                       for _ in range(rng.randint(n, m)))))
        elif r < 0.6:
            pieces.append((r"\d+", lambda rng: b"%d" % rng.randint(0, 99999)))
        elif r < 0.72:
            a, b = rng.sample(RE_WORDS, 2)
            pieces.append(("(%s|%s)" % (a, b), lambda rng, a=a, b=b: rng.choice((a, b)).encode()))
        elif r < 0.82:
            pieces.append((r"\x3B", lambda rng: b";"))
        elif r < 0.9:
            pieces.append(("=", lambda rng: b"="))
        else:
            pieces.append((r"\s", lambda rng: rng.choice((b" ", b"\n", b"\t"))))
    text = "".join(p[0] for p in pieces)
    gens = [p[1] for p in pieces]
    return text, (lambda rng: b"".join(g(rng) for g in gens))


def gen_pcre(seed, nsigs, nfiles):
    """.ldb with PCRE sub-signatures and byte-compare sub-signatures."""
    rng = random.Random("pcre-%d" % seed)
    suite = Suite("pcre")
    canvases = _canvases(rng, nfiles, ("bin", "bin", "text", "text", "text", "pe32",
                                       "elf64"))
    first7 = [True]
    for i in range(nsigs):
        if rng.random() < 0.6:
            if _gen_one_pcre(rng, suite, canvases, i, first7[0]) == 7:
                first7[0] = False
        else:
            _gen_one_bcomp(rng, suite, canvases, i)
    if first7[0]:
        raise ValueError("pcre family without a target-7 PCRE signature")
    _finish(suite, canvases)
    return suite


def _gen_one_pcre(rng, suite, canvases, i, first7):
    target = rng.choice((0, 0, 0, 7, 1))
    alpha = "text"
    homes = canvases_for(canvases, target, alpha)
    home = rng.choice(homes) if homes else None
    ntrig = rng.randint(1, 2)
    subs = []
    for k in range(ntrig):
        subs.append(Sub(Offset("any"), B.make_body(rng, alpha, split=k > 0 and rng.random() < 0.3,
                                                   ends=False), "", alpha))
    # Target-7 triggers at EOF offsets, always on the first target-7
    # signature: clamscan then scans normalised text as a layer of its own
    # (see "Normalised text" in the module comment).
    if target == 7 and (first7 or rng.random() < 0.25):
        subs[0].off = Offset("eof", rng.randint(subs[0].body.max_len(),
                                                subs[0].body.max_len() + 300),
                             rng.choice((None, rng.randint(0, 300))))
    re_text, re_gen = _regex(rng)
    trig = "%d" % 0 if ntrig == 1 else rng.choice(("0&1", "0|1", "1", "0"))
    flags = ""
    for f in "grei" + "smxAEU":
        if rng.random() < (0.3 if f in "gre" else 0.1):
            flags += f
    if "x" in flags and "\\s" not in re_text:
        pass
    if "x" in flags:
        flags = flags.replace("x", "")
    off = None
    r = rng.random()
    size = len(home.data) if home else 1000
    if r < 0.45:
        off = None
    elif r < 0.75:
        off = Offset("abs", rng.randint(0, max(0, size - 60)))
    else:
        off = Offset("abs", rng.randint(0, max(0, size - 120)), rng.randint(5, 60))
    if "e" in flags and (off is None or off.shift is None):
        flags = flags.replace("e", "")
    pcre_text = ("%s:" % off.text if off else "") + "%s/%s/%s" % (trig, re_text, flags)
    expr_ids = list(range(ntrig + 1))
    expr = _expr(rng, expr_ids)
    name = "Vg.Pcre.T%d-%05d" % (target, i)
    tdb = _tdb(rng, target, home, rng.choice((81, 100, 150)), "=0" in expr or "<" in expr)
    line = ";".join([name, tdb, expr] + [s.text for s in subs] + [pcre_text])
    suite.add_sig("gen.ldb", name, line)

    pcre_off = off or Offset("any")

    class PcreSub:
        mods = ""

        def __init__(self):
            self.off = pcre_off

        def instance(self, rng, miss=False, variant=None):
            b = re_gen(rng)
            if "i" in flags and rng.random() < 0.5:
                b = b.upper()
            if miss:
                b = b[:-1] + bytes([(b[-1] ^ 0x0F) | 0x40])
            return b, 0
    _plant_ldb(rng, name, target, subs + [PcreSub()], canvases, alpha, home)
    return target


def _bcomp_value(rng):
    """(options text, nbytes, value, encoder, comparison text, match?)."""
    base = rng.choice("hdai")
    endian = rng.choice("lb") if base == "i" or rng.random() < 0.3 else ""
    exact = "e" if rng.random() < 0.3 else ""
    if base == "i":
        n = rng.choice((1, 2, 4, 8))
        v = rng.randrange(0, 1 << min(8 * n, 31))

        def enc(x, n=n, endian=endian):
            return x.to_bytes(n, "big" if endian == "b" else "little")
    else:
        n = rng.randint(2, 6)
        if base == "h":
            v = rng.randrange(0, 16 ** n)

            def enc(x, n=n):
                return (b"%0*x" % (n, x))[-n:]
        else:
            v = rng.randrange(0, 10 ** n)

            def enc(x, n=n):
                return (b"%0*d" % (n, x))[-n:]
        if base == "a":
            def enc(x, n=n):  # noqa: F811 - auto base reads decimal text
                return (b"%0*d" % (n, x))[-n:]
    # ClamAV: endianness only applies to the binary base.
    if base != "i":
        endian = ""
    return base + endian + exact, n, v, enc


def _gen_one_bcomp(rng, suite, canvases, i):
    # Targets 7 and 1 too: clamscan runs their byte compares only when the
    # database has a split pattern of the same target (clamav-semantics.md),
    # which split triggers here and in _gen_one_pcre provide now and then.
    target = rng.choice((0, 0, 7, 1))
    alpha = "text"
    homes = canvases_for(canvases, target, alpha)
    home = rng.choice(homes) if homes else None
    trig = Sub(Offset("any"), B.make_body(rng, alpha, split=rng.random() < 0.25, ends=False,
                                          simple=True), "", alpha)
    opts, n, v, enc = _bcomp_value(rng)
    direction = rng.choice((">>", "<<"))
    dist = rng.randint(0, 30)
    comps = []
    for _ in range(rng.choice((1, 1, 2))):
        op = rng.choice("=<>")
        if op == "=":
            cv = v if rng.random() < 0.6 else v + 1
        else:
            cv = max(0, v + rng.randint(-5, 5))
        comps.append("%s%s" % (op, ("0x%x" % cv) if opts[0] in "hi" and rng.random() < 0.5 else "%d" % cv))
    bc = "0(%s%d#%s%d#%s)" % (direction, dist, opts, n, ",".join(comps))
    name = "Vg.Bcomp.T%d-%05d" % (target, i)
    tdb = "Engine:%d-255,Target:%d" % (rng.choice((101, 150, 200)), target)
    line = ";".join([name, tdb, rng.choice(("0&1", "1", "(0&1)", "1&0")), trig.text, bc])
    suite.add_sig("gen.ldb", name, line)

    def extra(rng, c, starts):
        out = []
        for s in starts.get(0, []):
            pos = s + len(trig.body.text) // 2 * 0  # start of the trigger match
            pos = s + dist if direction == ">>" else s - dist
            val = v if rng.random() < 0.7 else v + rng.choice((-1, 1))
            if val < 0:
                val = 0
            if c.put(pos, enc(val)):
                out.append("value %d at %d" % (val, pos))
        return out
    _plant_ldb(rng, name, target, [trig, None], canvases, alpha, home, extra)


# --------------------------------------------------------------------------
# Allow and ignore lists

def gen_allow(seed, nsigs, nfiles):
    """Hash and body signatures plus .fp/.sfp entries for some files and
    .ign/.ign2 entries for some signature names."""
    rng = random.Random("allow-%d" % seed)
    suite = gen_ndb(seed * 7 + 1, nsigs * 2 // 3, nfiles, text_layer=True)
    suite.family = "allow"
    hs = gen_hash(seed * 7 + 2, nsigs // 3, max(10, nfiles // 3))
    for db, lines in hs.dbs.items():
        suite.dbs.setdefault(db, []).extend(lines)
    suite.lines.update(hs.lines)
    suite.files.update({"h" + k: v for k, v in hs.files.items()})
    suite.planted.update({"h" + k: v for k, v in hs.planted.items()})
    fp, sfp = [], []
    for fname in sorted(suite.files):
        data = suite.files[fname]
        if rng.random() < 0.3:
            h = _hashes(data)
            alg = rng.choice(("md5", "sha1", "sha256"))
            size = len(data)
            how = "allow"
            if rng.random() < 0.15:
                size += 1
                how = "allow(wrong size)"
            if rng.random() < 0.1:
                line = "%s:*:Fp.%s:73" % (h[alg], fname)
            else:
                line = "%s:%d:Fp.%s" % (h[alg], size, fname)
            (fp if alg == "md5" and rng.random() < 0.7 else sfp).append(line)
            suite.planted[fname].append(("(allow list)", how))
    suite.dbs["gen.fp"] = fp or ["# none"]
    suite.dbs["gen.sfp"] = sfp or ["# none"]
    names = sorted(suite.lines)
    plain, md5s, ign = [], [], []
    for n in names:
        r = rng.random()
        db, line = suite.lines[n]
        if r < 0.08:
            plain.append(n)
        elif r < 0.14:
            good = rng.random() < 0.7
            text = line if good else line + "x"
            md5s.append("%s:%s" % (n, hashlib.md5(text.encode()).hexdigest()))
        elif r < 0.17:
            ign.append(rng.choice(("%s" % n, "gen.ndb:%d:%s" % (rng.randint(1, 9), n))))
        elif r < 0.19:
            # Near misses: a prefix of the name, and the .UNOFFICIAL name.
            plain.append(rng.choice((n[:-1], n + ".UNOFFICIAL")))
    # .ign2: plain names first (1.4.6 aborts on a plain name after name:md5).
    suite.dbs["gen.ign2"] = (plain + md5s) or ["Nothing.Ignored"]
    suite.dbs["gen.ign"] = ign or ["Nothing.Ignored"]
    return suite


FAMILIES = {"ndb": gen_ndb, "hash": gen_hash, "ldb": gen_ldb,
            "pcre": gen_pcre, "allow": gen_allow}


def generate(family, seed, nsigs, nfiles):
    """The Suite of a family for a seed and sizes."""
    return FAMILIES[family](seed, nsigs, nfiles)


def main(argv):
    if len(argv) != 6:
        sys.stderr.write("usage: gen_sigs.py FAMILY SEED NSIGS NFILES OUTDIR\n")
        return 2
    s = generate(argv[1], int(argv[2]), int(argv[3]), int(argv[4]))
    s.write(argv[5])
    print("%s: %d signatures, %d files" % (argv[1], s.nsigs(), len(s.files)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
