"""body.py - random ClamAV body ("hex") signatures and byte strings that
match them or just miss them.

A body signature is built as a list of tokens. Each token knows its text in
signature syntax and how to produce bytes that match it (gen) or that fail
it in exactly that token (miss). Body.instance() concatenates the tokens'
bytes into one planted string and returns where the signature's offset
applies inside it (the anchor: after a leading (B)/(L) byte or a leading
`aa[n-m]` byte, see clamav-semantics.md).

The generator only writes syntax that clamscan 1.4.6 loads: every part of a
split pattern (split at `*`, `{n-}`, `{-n}`, `{n-m}`, `{n>=128}`) holds a run
of at least two literal bytes, purely static patterns have at least three,
`[n-m]` sits only at an end next to a single byte with m <= 32, alternations
hold no ranges, and (B)/(L) appear only at the ends.

Python 3 standard library only; deterministic given the random.Random.
"""

TEXT_LIT = b"abcdefghijklmnopqrstuvwxyz0123456789"
TEXT_FILL = b"abcdefghijklmnopqrstuvwxyz      "
# (B): the fixed boundary table of ClamAV 1.4.6 (clamav-compat.md 9.6).
B_LEFT = b".@ -/_<"
B_RIGHT = b"\n\r\"'= -/_>"
B_LEFT_TEXT = b".@ -/_"
B_RIGHT_TEXT = b"\n\"'= -/_"


class Ctx:
    """How to render an instance: alphabet ('bin' or 'text'), wide (::w),
    nocase (::i, flip letter case at random)."""

    def __init__(self, alpha="bin", wide=False, nocase=False):
        self.alpha = alpha
        self.wide = wide
        self.nocase = nocase


def fill(rng, ctx, n):
    """n filler bytes of the context's alphabet (never widened: ranges are
    byte counts even under ::w)."""
    if ctx.alpha == "bin":
        return rng.randbytes(n)
    return bytes(rng.choice(TEXT_FILL) for _ in range(n))


def lit_bytes(rng, alpha, n):
    if alpha == "bin":
        return rng.randbytes(n)
    return bytes(rng.choice(TEXT_LIT) for _ in range(n))


def _widen(ctx, b):
    if not ctx.wide:
        return b
    out = bytearray()
    for c in b:
        out += bytes([c, 0])
    return bytes(out)


def _case(rng, ctx, b):
    if not ctx.nocase:
        return b
    out = bytearray(b)
    for i, c in enumerate(out):
        if 0x61 <= c <= 0x7A and rng.random() < 0.5:
            out[i] = c - 32
        elif 0x41 <= c <= 0x5A and rng.random() < 0.5:
            out[i] = c + 32
    return bytes(out)


def _other_byte(rng, ctx, avoid):
    """A byte of the alphabet not in avoid (case-insensitively for text)."""
    pool = range(256) if ctx.alpha == "bin" else TEXT_LIT
    cand = [c for c in pool if c not in avoid and
            not (ctx.nocase and 0x41 <= c <= 0x5A and c + 32 in avoid)]
    return rng.choice(cand)


class Tok:
    text = ""
    split = False      # splits the pattern into parts
    static = False     # a literal byte run
    has_miss = False

    def gen(self, rng, ctx):
        raise NotImplementedError

    def miss(self, rng, ctx):
        return self.gen(rng, ctx)


class Lit(Tok):
    static = True
    has_miss = True

    def __init__(self, b):
        self.b = b
        self.text = b.hex()

    def gen(self, rng, ctx):
        return _widen(ctx, _case(rng, ctx, self.b))

    def miss(self, rng, ctx):
        b = bytearray(self.b)
        i = rng.randrange(len(b))
        b[i] = _other_byte(rng, ctx, {b[i], b[i] ^ 0x20} if ctx.nocase else {b[i]})
        return _widen(ctx, bytes(b))


class Wild(Tok):
    text = "??"

    def gen(self, rng, ctx):
        return _widen(ctx, fill(rng, ctx, 1))


class Nib(Tok):
    """a? (high nibble) or ?a (low nibble), chosen from a real byte c."""
    has_miss = True

    def __init__(self, c, high):
        self.c = c
        self.high = high
        self.text = ("%x?" % (c >> 4)) if high else ("?%x" % (c & 15))

    def _ok(self, x):
        return (x >> 4) == (self.c >> 4) if self.high else (x & 15) == (self.c & 15)

    def gen(self, rng, ctx):
        pool = range(256) if ctx.alpha == "bin" else TEXT_LIT
        return _widen(ctx, bytes([rng.choice([x for x in pool if self._ok(x)] or [self.c])]))

    def miss(self, rng, ctx):
        pool = range(256) if ctx.alpha == "bin" else TEXT_LIT
        bad = [x for x in pool if not self._ok(x) and
               not (ctx.nocase and 0x61 <= x <= 0x7A and self._ok(x - 32))]
        return _widen(ctx, bytes([rng.choice(bad)]))


class Alt(Tok):
    """(aa|bb|..) single bytes, or !(aa|bb|..) when neg."""
    has_miss = True

    def __init__(self, choices, neg):
        self.choices = choices
        self.neg = neg
        self.text = ("!" if neg else "") + "(" + "|".join("%02x" % c for c in choices) + ")"

    def gen(self, rng, ctx):
        if self.neg:
            return _widen(ctx, bytes([_other_byte(rng, ctx, set(self.choices))]))
        return _widen(ctx, bytes([rng.choice(self.choices)]))

    def miss(self, rng, ctx):
        if self.neg:
            return _widen(ctx, bytes([rng.choice(self.choices)]))
        return _widen(ctx, bytes([_other_byte(rng, ctx, set(self.choices))]))


class MAlt(Tok):
    """(aabb|ccdd) fixed-length multi-byte, or negated."""
    has_miss = True

    def __init__(self, choices, neg):
        self.choices = choices
        self.neg = neg
        self.text = ("!" if neg else "") + "(" + "|".join(c.hex() for c in choices) + ")"

    def _mutate(self, rng, ctx, b):
        b = bytearray(b)
        i = rng.randrange(len(b))
        b[i] = _other_byte(rng, ctx, {b[i]})
        return bytes(b)

    def gen(self, rng, ctx):
        if self.neg:
            for _ in range(20):
                b = self._mutate(rng, ctx, rng.choice(self.choices))
                if b not in self.choices:
                    return _widen(ctx, b)
        return _widen(ctx, rng.choice(self.choices))

    def miss(self, rng, ctx):
        if self.neg:
            return _widen(ctx, rng.choice(self.choices))
        for _ in range(20):
            b = self._mutate(rng, ctx, rng.choice(self.choices))
            if b not in self.choices:
                return _widen(ctx, b)
        return _widen(ctx, rng.choice(self.choices))


class GAlt(Tok):
    """Generic alternation: alternatives of different lengths made of
    literal bytes, ?? and nibble wildcards."""
    has_miss = True

    def __init__(self, alts):
        self.alts = alts  # list of token lists (Lit/Wild/Nib)
        self.text = "(" + "|".join("".join(t.text for t in a) for a in alts) + ")"

    def gen(self, rng, ctx):
        return b"".join(t.gen(rng, ctx) for t in rng.choice(self.alts))

    def miss(self, rng, ctx):
        a = rng.choice(self.alts)
        lits = [i for i, t in enumerate(a) if t.has_miss]
        k = rng.choice(lits) if lits else -1
        return b"".join(t.miss(rng, ctx) if i == k else t.gen(rng, ctx)
                        for i, t in enumerate(a))


class Gap(Tok):
    """{n} (n < 128: expanded, no split; n >= 128: split), {n-m}, {-n},
    {n-} and *. lo/hi in bytes; hi None means unbounded."""
    has_miss = True

    def __init__(self, kind, lo, hi):
        self.kind = kind
        self.lo, self.hi = lo, hi
        if kind == "fix":
            self.text = "{%d}" % lo
            self.split = lo >= 128
        elif kind == "range":
            self.text = "{%d-%d}" % (lo, hi)
            self.split = True
        elif kind == "upto":
            self.text = "{-%d}" % hi
            self.split = True
        elif kind == "atleast":
            self.text = "{%d-}" % lo
            self.split = True
        else:
            self.text = "*"
            self.split = True
            self.has_miss = False

    def gen(self, rng, ctx):
        hi = self.hi if self.hi is not None else self.lo + 24
        return fill(rng, ctx, rng.randint(self.lo, hi))

    def miss(self, rng, ctx):
        opts = []
        if self.lo > 0:
            opts.append(self.lo - 1)
        if self.hi is not None:
            opts.append(self.hi + 1)
        if not opts:
            return self.gen(rng, ctx)
        return fill(rng, ctx, rng.choice(opts))


class Brk(Tok):
    """[n-m] between a single byte and the rest of the pattern."""
    has_miss = True

    def __init__(self, lo, hi):
        self.lo, self.hi = lo, hi
        self.text = "[%d-%d]" % (lo, hi)

    def gen(self, rng, ctx):
        return fill(rng, ctx, rng.randint(self.lo, self.hi))

    def miss(self, rng, ctx):
        opts = [self.hi + 1] + ([self.lo - 1] if self.lo > 0 else [])
        return fill(rng, ctx, rng.choice(opts))


class Cls(Tok):
    """(B) or (L) at the left or right end of a pattern."""
    has_miss = True

    def __init__(self, cls, side):
        self.cls, self.side = cls, side
        self.text = "(%s)" % cls

    def _table(self, ctx):
        if self.cls == "L":
            return [b"\n", b"\r\n"] if self.side == "left" else [b"\n", b"\r\n"]
        if self.side == "left":
            t = B_LEFT_TEXT if ctx.alpha == "text" else B_LEFT
        else:
            t = B_RIGHT_TEXT if ctx.alpha == "text" else B_RIGHT
        return [bytes([c]) for c in t]

    def gen(self, rng, ctx):
        return rng.choice(self._table(ctx))

    def miss(self, rng, ctx):
        # An alphanumeric byte is never a boundary nor a line end; for (B)
        # also try the bytes that are boundaries only on the other side.
        opts = [b"k", b"Q", b"7"]
        if self.cls == "B":
            opts += [b">"] if self.side == "left" and ctx.alpha == "bin" else []
            opts += [b"."] if self.side == "right" else []
            if ctx.alpha == "bin":
                opts += [b"\0", b"\t"]
        else:
            opts += [b"\r", b" "]
        return rng.choice(opts)


def _small_tok(rng, alpha, multi=True, noneg=False):
    """A one-position token for the body of a part; multi allows multi-byte
    and generic alternations (clamscan rejects them when no run of two
    literal bytes precedes them in their part, unless they open the part)."""
    r = rng.random()
    if not multi and 0.72 <= r < 0.92:
        r = 0.30
    if r < 0.25:
        return Lit(lit_bytes(rng, alpha, rng.randint(1, 3)))
    if r < 0.40:
        return Wild()
    if r < 0.52:
        c = lit_bytes(rng, alpha, 1)[0]
        return Nib(c, rng.random() < 0.5)
    if r < 0.64:
        n = rng.randint(2, 4)
        return Alt(sorted(set(lit_bytes(rng, alpha, n))), False)
    if r < 0.72:
        n = rng.randint(1, 3)
        return Alt(sorted(set(lit_bytes(rng, alpha, n))), not noneg)
    if r < 0.82:
        ln = rng.randint(2, 3)
        ch = list({lit_bytes(rng, alpha, ln) for _ in range(rng.randint(2, 3))})
        return MAlt(sorted(ch), rng.random() < 0.3 and not noneg)
    if r < 0.92 and noneg:
        # Generic alternations under ::i/::w make clamscan 1.4.6 fail at scan
        # time ("ac_findmatch: Unknown metatype"): not generated with
        # modifiers (noneg is set exactly for modified sub-signatures).
        ln = rng.randint(2, 3)
        ch = list({lit_bytes(rng, alpha, ln) for _ in range(rng.randint(2, 3))})
        return MAlt(sorted(ch), False)
    if r < 0.92:
        alts = []
        for _ in range(rng.randint(2, 3)):
            a = [Lit(lit_bytes(rng, alpha, rng.randint(1, 3)))]
            if rng.random() < 0.4:
                a.append(Wild())
            if rng.random() < 0.3:
                c = lit_bytes(rng, alpha, 1)[0]
                a.append(Nib(c, rng.random() < 0.5))
            if rng.random() < 0.5:
                a.append(Lit(lit_bytes(rng, alpha, 1)))
            alts.append(a)
        # No alternative may start like another: with one a prefix of
        # another (`(6d6d??75|6d6d)`), clamscan 1.4.6 fails at scan time
        # ("ac_findmatch: Unknown metatype") - a ClamAV bug, not generated.
        firsts = {a[0].b[:1] for a in alts}
        if len(firsts) < len(alts):
            return Wild()
        return GAlt(alts)
    return Gap("fix", rng.randint(1, 12), None)


def _splitter(rng):
    r = rng.random()
    if r < 0.3:
        return Gap("star", 0, 24)
    if r < 0.55:
        lo = rng.randint(0, 10)
        return Gap("range", lo, lo + rng.randint(1, 12))
    if r < 0.75:
        return Gap("upto", 0, rng.randint(1, 16))
    if r < 0.93:
        return Gap("atleast", rng.randint(1, 10), None)
    return Gap("fix", rng.randint(128, 160), None)


class Body:
    """A body signature: tokens and their text."""

    def __init__(self, toks, alpha):
        self.toks = toks
        self.alpha = alpha
        self.text = "".join(t.text for t in toks)

    def anchor_tokens(self):
        """Number of leading tokens that lie before the offset anchor."""
        if self.toks and isinstance(self.toks[0], Cls):
            return 1
        if len(self.toks) > 1 and isinstance(self.toks[1], Brk):
            return 2
        return 0

    def instance(self, rng, ctx, miss=False, miss_kinds=None):
        """(bytes, anchor) of a planted string; with miss, exactly one token
        (of a class in miss_kinds, if given) produces a near miss."""
        k = -1
        if miss:
            cands = [i for i, t in enumerate(self.toks) if t.has_miss and
                     (miss_kinds is None or isinstance(t, miss_kinds))]
            if cands:
                k = rng.choice(cands)
        out = b""
        anchor = 0
        na = self.anchor_tokens()
        for i, t in enumerate(self.toks):
            if i == na:
                anchor = len(out)
            out += t.miss(rng, ctx) if i == k else t.gen(rng, ctx)
        return out, anchor

    def max_len(self):
        return len(self.instance(_MaxRng(), Ctx(self.alpha))[0]) + 48


class _MaxRng:
    """A stand-in rng that always picks the largest option (for sizes)."""

    def randint(self, a, b):
        return b

    def randrange(self, a, b=None):
        return 0 if b is None else a

    def choice(self, s):
        s = list(s)
        return max(s, key=lambda x: len(x) if isinstance(x, (bytes, list)) else 0)

    def random(self):
        return 0.0

    def randbytes(self, n):
        return bytes(n)


def make_body(rng, alpha="bin", split=True, ends=True, simple=False,
              static_only=False, noneg=False, strict=False):
    """A random valid body signature. split allows several parts; ends
    allows (B)/(L)/[n-m] at the ends; simple keeps to literals and ??
    (for triggers whose match start must be known); static_only makes a
    plain literal (a Boyer-Moore pattern, >= 3 bytes); noneg leaves out
    negated alternations (clamscan rejects them in a sub-signature with any
    ::modifier: "Can't apply negation operation to generic alternate
    strings"); strict starts every part with a run of >= 3 literal bytes
    (sub-signatures with ::modifiers: under ::w every alternation becomes a
    multi-byte one and under ::f a (W) is prepended, and clamscan rejects
    such alternations when no literal run precedes them)."""
    if static_only:
        return Body([Lit(lit_bytes(rng, alpha, rng.randint(3, 8)))], alpha)
    toks = []
    nparts = 1
    if split and rng.random() < 0.4:
        nparts = rng.randint(2, 3)
    for p in range(nparts):
        if p:
            toks.append(_splitter(rng))
        part = []
        if strict:
            pass
        elif not simple:
            if rng.random() < 0.1:
                part.append(_small_tok(rng, alpha, True, noneg))
                while not isinstance(part[0], (MAlt, GAlt)):
                    part[0] = _small_tok(rng, alpha, True, noneg)
            else:
                for _ in range(rng.choice((0, 0, 1, 2))):
                    part.append(_small_tok(rng, alpha, False, noneg))
        part.append(Lit(lit_bytes(rng, alpha, rng.choice((3, 4, 5, 6)) if strict
                                  else rng.choice((2, 3, 3, 4, 4, 5, 6)))))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            if simple:
                part.append(Wild() if rng.random() < 0.5 else
                            Lit(lit_bytes(rng, alpha, rng.randint(1, 3))))
            else:
                part.append(_small_tok(rng, alpha, True, noneg))
        if rng.random() < 0.3:
            part.append(Lit(lit_bytes(rng, alpha, rng.randint(2, 4))))
        if not part[-1].static and rng.random() < 0.5:
            part.append(Lit(lit_bytes(rng, alpha, rng.randint(1, 2))))
        toks += part
    toks = _merge_lits(toks)
    # `{n}` (n < 128) is expanded into `??` only while no other brace range
    # came before it (ClamAV looks at the first `{` only); later ones split
    # the pattern. Keep the meaning and write them as `??` runs instead.
    out = []
    braced = False
    for t in toks:
        if isinstance(t, Gap) and t.kind == "fix" and t.lo < 128 and braced:
            out += [Wild() for _ in range(t.lo)]
            continue
        if isinstance(t, Gap) and t.kind != "star":
            braced = True
        out.append(t)
    toks = out
    if len(toks) == 1 and len(toks[0].b) < 3:
        # A purely static pattern goes to Boyer-Moore: three bytes minimum.
        toks[0] = Lit(toks[0].b + lit_bytes(rng, alpha, 3 - len(toks[0].b)))
    if ends and not simple:
        r = rng.random()
        if r < 0.12:
            toks.insert(0, Cls(rng.choice("BL"), "left"))
        elif r < 0.24:
            toks.append(Cls(rng.choice("BL"), "right"))
        elif r < 0.30:
            toks.insert(0, Cls(rng.choice("BL"), "left"))
            toks.append(Cls(rng.choice("BL"), "right"))
        elif r < 0.38 and isinstance(toks[0], Lit) and len(toks[0].b) >= 2:
            lo = rng.randint(0, 6)
            toks[0:0] = [Lit(lit_bytes(rng, alpha, 1)), Brk(lo, lo + rng.randint(0, 8))]
        elif r < 0.46 and isinstance(toks[-1], Lit) and len(toks[-1].b) >= 2:
            lo = rng.randint(0, 6)
            toks += [Brk(lo, lo + rng.randint(0, 8)), Lit(lit_bytes(rng, alpha, 1))]
    return Body(toks, alpha)


def _merge_lits(toks):
    out = []
    for t in toks:
        if out and isinstance(t, Lit) and isinstance(out[-1], Lit):
            out[-1] = Lit(out[-1].b + t.b)
        else:
            out.append(t)
    return out
