"""matchcases.py - read tests/data/match_cases.txt (shared by the C unit test
and the clamscan cross-check)."""

import os
import re


def decode_file(spec):
    """'x:4142 + t:hello\\n + x:{00*3}' -> bytes"""
    out = bytearray()
    for seg in spec.split(" + "):
        seg = seg.strip()
        if seg.startswith("x:"):
            h = seg[2:]
            h = re.sub(r"\{([0-9a-f]{2})\*(\d+)\}", lambda m: m.group(1) * int(m.group(2)), h)
            out += bytes.fromhex(h)
        elif seg.startswith("t:"):
            t = seg[2:].replace("\\n", "\n").replace("\\r", "\r").replace("\\0", "\0")
            out += t.encode()
        else:
            raise ValueError("bad file segment %r" % seg)
    return bytes(out)


def load(path=None):
    if path is None:
        path = os.path.join(os.environ["VG_SRCDIR"], "tests", "data", "match_cases.txt")
    cases = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split(" | ")
            if len(parts) != 4:
                raise ValueError("%s:%d: expected 4 fields" % (path, n))
            dbname, sig, spec, exp = parts
            cases.append((n, dbname.strip(), sig.strip(), decode_file(spec), exp.strip() == "1"))
    return cases
