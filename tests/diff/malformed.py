"""malformed.py - the malformed-signature suite: every case of
malformed/cases.txt must be rejected by clamscan 1.4.6 (exit 2; checked at
test time, so the table cannot drift from the reference) and by vigil with
exit 2 and an error message that names the database file and the line.

Library use: load_cases(path) -> [Case]; run(vigil) -> exit code.
"""

import os
import re
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REP_RE = re.compile(r"\{\{([0-9A-Za-z]+)\*(\d+)\}\}")


class Case:
    def __init__(self, name, fname, line):
        self.name, self.fname, self.line = name, fname, line
        self.lines = []

    def content(self):
        out = [REP_RE.sub(lambda m: m.group(1) * int(m.group(2)), l) for l in self.lines]
        return "".join(l + "\n" for l in out)


def load_cases(path=None):
    """Parse the case table."""
    path = path or os.path.join(HERE, "malformed", "cases.txt")
    cases = []
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("=== "):
                name, fname, ln = line[4:].split()
                cases.append(Case(name, fname, int(ln)))
            elif cases:
                cases[-1].lines.append(line)
    return cases


def _names_place(text, fname, line):
    """Does some line of text name the file and (when line > 0) the line?"""
    for l in text.splitlines():
        if fname not in l:
            continue
        if line == 0 or re.search(r"(?<![0-9])%d(?![0-9])" % line, l.replace(fname, "")):
            return True
    return False


def run(vigil, log=print):
    """Check every case against clamscan and vigil; return an exit code."""
    cases = load_cases()
    work = tempfile.mkdtemp(prefix="vgmal-")
    failures = 0
    try:
        probe = os.path.join(work, "probe.txt")
        with open(probe, "w") as f:
            f.write("nothing to see here\n")
        for c in cases:
            d = os.path.join(work, c.name)
            os.makedirs(d)
            db = os.path.join(d, c.fname)
            with open(db, "w") as f:
                f.write(c.content())
            r = subprocess.run(["clamscan", "--no-summary", "-d", d, probe],
                               capture_output=True, text=True)
            problems = []
            if r.returncode != 2:
                problems.append("clamscan accepts it (exit %d): the case is not malformed"
                                % r.returncode)
            else:
                m = re.search(r"at line (\d+)", r.stderr)
                # clamscan reads lines in 8 KiB pieces and so counts an
                # overlong line as several; the table keeps the real number.
                overlong = any(len(l) > 8000 for l in c.content().splitlines())
                if m and c.line and int(m.group(1)) != c.line and not overlong:
                    problems.append("table says line %d, clamscan says line %s"
                                    % (c.line, m.group(1)))
            v = subprocess.run([vigil, "scan", "--no-summary", "-d", d, probe],
                               capture_output=True, text=True)
            out = v.stderr + v.stdout
            if v.returncode != 2:
                problems.append("vigil exits %d, not 2" % v.returncode)
            elif not _names_place(out, c.fname, c.line):
                problems.append("vigil's message does not name %s%s" %
                                (c.fname, " line %d" % c.line if c.line else ""))
            if problems:
                failures += 1
                log("FAIL %s (%s line %d):" % (c.name, c.fname, c.line))
                for l in c.lines[:3]:
                    log("    | " + (l[:120] + "..." if len(l) > 120 else l))
                for p in problems:
                    log("    - " + p)
                log("    vigil said: " + " / ".join(out.strip().splitlines()[-3:])[:300])
            else:
                log("ok   %s" % c.name)
        log("malformed: %d cases, %d failures" % (len(cases), failures))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures or len(cases) < 40 else 0
