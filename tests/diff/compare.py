"""compare.py - run clamscan and vigil on the same files with the same
databases and report every difference in verdict or signature names.

Two modes, both with --no-summary:
  allmatch  (-z) the SET of names per file must be identical;
  first     (no -z) the verdicts must be identical, and the one name vigil
            reports must be one clamscan reports for that file under
            allmatch; when clamscan's allmatch set has a single name the
            names must be equal. (Which of several matching signatures is
            reported first is an accident of ClamAV's internal matcher
            order; vigil is not asked to copy it.)

A vigil line `<path>: OK (incomplete: <Limit>, ...)` (a scan that a limit
cut short, docs/CLI.md) counts as a clean verdict, like clamscan's plain OK
for the same file; it is a difference only where clamscan detects.

For each difference the report shows the file, both answers, the signature
lines involved and what the generator planted; minimize() then looks for the
smallest reproducer: the single signature line (plus allow/ignore lines)
that still shows the difference, and the file cut and zeroed as far as the
difference survives. Reproducers print as signature line + file bytes in
hex.

Library use: compare_suite(suite, vigil) -> Report. Program use:
  compare.py VIGIL DBDIR FILE...      (prints differences, exit 1 if any)
Python 3 standard library only.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

CHUNK = 300
LINE_RE = re.compile(r"^(.*): (.+) FOUND$")
# vigil marks a scan that a limit cut short `<path>: OK (incomplete: ...)`
# (docs/CLI.md); clamscan prints plain OK there. Both are a clean verdict:
# an empty name list, which differs from clamscan only when clamscan
# reports a detection for that file.
OK_RE = re.compile(r"^(.*): (OK|Empty file|OK \(incomplete: [A-Za-z, ]+\))$")
LIST_EXTS = (".fp", ".sfp", ".ign", ".ign2")


class ScanError(Exception):
    pass


def scan(cmd, dbdir, paths, allmatch, timeout=600):
    """Run a clamscan-compatible scanner; return ({path: [names]}, rc,
    stderr). Every path gets an entry (an empty list when OK)."""
    out = {p: None for p in paths}
    rcs = []
    errs = []
    for i in range(0, len(paths), CHUNK):
        part = paths[i:i + CHUNK]
        argv = list(cmd) + ["--no-summary", "-d", dbdir]
        if allmatch:
            argv.append("-z")
        argv += part
        try:
            r = subprocess.run(argv, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ScanError("%s timed out after %ds" % (cmd[0], timeout))
        rcs.append(r.returncode)
        errs.append(r.stderr.decode(errors="replace"))
        for line in r.stdout.decode(errors="replace").splitlines():
            m = LINE_RE.match(line)
            if m and m.group(1) in out:
                if out[m.group(1)] is None:
                    out[m.group(1)] = []
                out[m.group(1)].append(m.group(2))
                continue
            m = OK_RE.match(line)
            if m and m.group(1) in out:
                if out[m.group(1)] is None:
                    out[m.group(1)] = []
    rc = max(rcs) if rcs else 0
    if 1 in rcs:
        rc = 1
    for p in paths:
        if out[p] is None:
            out[p] = ["<no result line>"]
    return out, rc, "".join(errs)


def clamscan_cmd():
    return ["clamscan", "--disable-cache"]


def vigil_cmd(vigil):
    return [vigil, "scan"]


class Diff:
    def __init__(self, mode, path, clam, vig, clam_all):
        self.mode, self.path, self.clam, self.vig, self.clam_all = mode, path, clam, vig, clam_all
        self.repro = None


def diff_results(mode, clam, vig, clam_all):
    """Differences between clamscan's and vigil's answers for one mode."""
    out = []
    for p in sorted(clam):
        c, v = clam[p], vig.get(p, ["<missing>"])
        if mode == "allmatch":
            if set(c) != set(v):
                out.append(Diff(mode, p, c, v, clam_all[p]))
        else:
            ca = set(clam_all[p])
            bad = bool(c) != bool(v) or len(v) > 1
            if not bad and v:
                if len(ca) == 1:
                    bad = v != c
                else:
                    bad = v[0] not in ca
            if bad:
                out.append(Diff(mode, p, c, v, clam_all[p]))
    return out


def load_check(dbdir, probe):
    """clamscan must load the databases: returns an error text or None."""
    r = subprocess.run(["clamscan", "--no-summary", "-d", dbdir, probe],
                       capture_output=True)
    err = r.stderr.decode(errors="replace")
    if r.returncode == 2 or "LibClamAV Error" in err:
        return err.strip()
    return None


def _base(name):
    return name[:-len(".UNOFFICIAL")] if name.endswith(".UNOFFICIAL") else name


def _hexdump(data):
    """Hex of data, with runs of 16 or more zero bytes written {00*N}."""
    out = []
    i = 0
    while i < len(data):
        j = i
        while j < len(data) and data[j] == 0:
            j += 1
        if j - i >= 16:
            out.append("{00*%d}" % (j - i))
            i = j
            continue
        out.append("%02x" % data[i])
        i += 1
    return "".join(out)


class Report:
    def __init__(self):
        self.diffs = []
        self.nfiles = 0
        self.clam_detected = 0
        self.clam_names = set()
        self.minimized = 0

    def ok(self):
        return not self.diffs


def _sig_lines_for(suite, names):
    out = []
    for n in names:
        b = _base(n)
        if b in suite.lines:
            db, line = suite.lines[b]
            out.append("%s: %s" % (db, line))
    return out


def format_diff(suite, d, fdir):
    lines = ["DIFF [%s] %s" % (d.mode, os.path.basename(d.path)),
             "  clamscan: %s" % (sorted(d.clam) or "OK"),
             "  vigil:    %s" % (sorted(d.vig) or "OK")]
    if d.mode == "first":
        lines.append("  clamscan -z: %s" % (sorted(d.clam_all) or "OK"))
    involved = set(d.clam) ^ set(d.vig) if d.mode == "allmatch" else set(d.clam) | set(d.vig)
    for l in _sig_lines_for(suite, sorted(involved)):
        lines.append("  sig  " + l)
    pl = suite.planted.get(os.path.basename(d.path), [])
    for name, how in pl[:12]:
        lines.append("  planted %s %s" % (name, how))
    if d.repro:
        lines.append("  REPRODUCER (%s):" % d.repro["what"])
        for db, l in d.repro["db"]:
            lines.append("    %s: %s" % (db, l))
        lines.append("    file (%d bytes; {00*N} = N zero bytes): %s" %
                     (len(d.repro["data"]), _hexdump(d.repro["data"])))
        lines.append("    clamscan: %s   vigil: %s" % (d.repro["clam"], d.repro["vig"]))
    return "\n".join(lines)


def _write_db(dbdir, entries):
    os.makedirs(dbdir, exist_ok=True)
    for f in os.listdir(dbdir):
        os.unlink(os.path.join(dbdir, f))
    by = {}
    for db, l in entries:
        by.setdefault(db, []).append(l)
    for db, ls in by.items():
        with open(os.path.join(dbdir, db), "w") as f:
            f.write("\n".join(ls) + "\n")


def _differs(vigil, dbdir, path, allmatch):
    c, _, _ = scan(clamscan_cmd(), dbdir, [path], allmatch)
    v, _, _ = scan(vigil_cmd(vigil), dbdir, [path], allmatch)
    c, v = c[path], v[path]
    if allmatch:
        return set(c) != set(v), c, v
    return (bool(c) != bool(v)) or (c and v and c != v), c, v


def minimize(suite, d, vigil, work, budget=80):
    """Shrink one difference to a single signature line and a small file.
    Sets d.repro; returns True when a reproducer was found."""
    allmatch = d.mode == "allmatch"
    involved = sorted(set(d.clam) ^ set(d.vig)) or sorted(set(d.clam) | set(d.vig))
    lists = []
    for db, lines in suite.dbs.items():
        if db.endswith(LIST_EXTS):
            lists += [(db, l) for l in lines]
    with open(d.path, "rb") as f:
        data = f.read()
    dbdir = os.path.join(work, "mdb")
    fpath = os.path.join(work, "mfile")
    with open(fpath, "wb") as f:
        f.write(data)
    runs = 0
    chosen = None
    for n in involved:
        b = _base(n)
        if b not in suite.lines:
            continue
        entry = [suite.lines[b]]
        for cand in (entry, entry + lists):
            _write_db(dbdir, cand)
            runs += 1
            bad, c, v = _differs(vigil, dbdir, fpath, allmatch)
            if bad:
                chosen = cand
                break
        if chosen:
            break
    if chosen is None:
        return False
    # Shrink the file: cut the tail, then zero chunks, while it still differs.
    cur = bytearray(data)
    step = max(1, len(cur) // 2)
    while step >= 1 and runs < budget:
        changed = False
        # try cutting the tail by step
        if len(cur) > step:
            trial = cur[:len(cur) - step]
            with open(fpath, "wb") as f:
                f.write(trial)
            runs += 1
            bad, c, v = _differs(vigil, dbdir, fpath, allmatch)
            if bad:
                cur = trial
                changed = True
        if not changed:
            step //= 2
    # Zero chunks (keeps offsets, so executables stay parseable as far as
    # the difference needs them).
    size = 512
    while size >= 32 and runs < budget:
        for start in range(0, len(cur), size):
            if runs >= budget:
                break
            chunk = cur[start:start + size]
            if not any(chunk):
                continue
            trial = bytearray(cur)
            trial[start:start + size] = bytes(len(chunk))
            with open(fpath, "wb") as f:
                f.write(trial)
            runs += 1
            if _differs(vigil, dbdir, fpath, allmatch)[0]:
                cur = trial
        size //= 2
    with open(fpath, "wb") as f:
        f.write(cur)
    _, c, v = _differs(vigil, dbdir, fpath, allmatch)
    d.repro = {"what": "%s, %d runs" % (d.mode, runs), "db": chosen,
               "data": bytes(cur), "clam": c or "OK", "vig": v or "OK"}
    return True


def compare_suite(suite, vigil, dbdir, fdir, modes=("allmatch", "first"),
                  max_minimize=10, log=print):
    """Scan every file of the suite with both scanners in each mode."""
    rep = Report()
    paths = [os.path.join(fdir, n) for n in sorted(suite.files)]
    rep.nfiles = len(paths)
    clam_all, _, err = scan(clamscan_cmd(), dbdir, paths, True)
    if "LibClamAV Error" in err:
        raise ScanError("clamscan reports errors while scanning the generated "
                        "files (a generator bug):\n" + err[-2000:])
    rep.clam_detected = sum(1 for p in paths if clam_all[p])
    for p in paths:
        rep.clam_names.update(_base(n) for n in clam_all[p])
    for mode in modes:
        if mode == "allmatch":
            clam = clam_all
        else:
            clam, _, _ = scan(clamscan_cmd(), dbdir, paths, False)
        vig, rc, err = scan(vigil_cmd(vigil), dbdir, paths, mode == "allmatch")
        if rc == 2 and all(v == ["<no result line>"] for v in vig.values()):
            raise ScanError("vigil failed to run (exit 2):\n" + err[-3000:])
        rep.diffs += diff_results(mode, clam, vig, clam_all)
    if rep.diffs and max_minimize:
        work = tempfile.mkdtemp(prefix="vgmin-")
        try:
            seen = set()
            for d in rep.diffs:
                key = (d.mode, tuple(sorted(set(d.clam) ^ set(d.vig))))
                if key in seen or rep.minimized >= max_minimize:
                    continue
                seen.add(key)
                if minimize(suite, d, vigil, work):
                    rep.minimized += 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return rep


def print_report(suite, rep, fdir, log=print, max_show=40):
    log("%s: %d signatures, %d files; clamscan detects %d files, %d distinct "
        "signatures fire" % (suite.family, suite.nsigs(), rep.nfiles,
                             rep.clam_detected, len(rep.clam_names)))
    if rep.ok():
        log("%s: no differences" % suite.family)
        return
    log("%s: %d differences (first %d shown, reproducers first)" %
        (suite.family, len(rep.diffs), min(max_show, len(rep.diffs))))
    shown = sorted(rep.diffs, key=lambda d: d.repro is None)[:max_show]
    for d in shown:
        log(format_diff(suite, d, fdir))


def main(argv):
    if len(argv) < 4:
        sys.stderr.write("usage: compare.py VIGIL DBDIR FILE...\n")
        return 2
    vigil, dbdir, paths = argv[1], argv[2], argv[3:]
    n = 0
    for mode in ("allmatch", "first"):
        clam_all, _, _ = scan(clamscan_cmd(), dbdir, paths, True)
        clam = clam_all if mode == "allmatch" else scan(clamscan_cmd(), dbdir, paths, False)[0]
        vig, _, _ = scan(vigil_cmd(vigil), dbdir, paths, mode == "allmatch")
        for d in diff_results(mode, clam, vig, clam_all):
            n += 1
            print("DIFF [%s] %s\n  clamscan: %s\n  vigil:    %s" % (mode, d.path, d.clam, d.vig))
    print("%d differences" % n)
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
