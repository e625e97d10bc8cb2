"""cscan.py - helpers for the container tests: a scratch directory, the
test signatures, running `vigil scan --json` (and clamscan) on files, and
measuring a scan's time and peak memory.

The test signature is a plain string, so any layer that holds the marker
bytes alerts: Vg.Test.Marker (.ndb, any target). Tests hide the marker at
some depth inside containers and check the name, the layer path, and that
clamscan agrees where it opens the same formats.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

MARKER = b"VIGIL-CONTAINER-TEST"
NAME = "Vg.Test.Marker.UNOFFICIAL"
TIME = "/usr/bin/time"


def payload(tag="x", size=400):
    """Bytes holding the marker, `size` long (text; nothing else matches)."""
    head = b"payload " + tag.encode() + b" " + MARKER + b" "
    return (head + b"." * max(0, size - len(head)))[:max(size, len(head))]


class Work:
    """A scratch directory with a signature database in db/."""

    def __init__(self, prefix="vgct-"):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.db = os.path.join(self.dir, "db")
        os.makedirs(self.db)
        self.files = os.path.join(self.dir, "files")
        os.makedirs(self.files)
        with open(os.path.join(self.db, "marker.ndb"), "w") as f:
            f.write("Vg.Test.Marker:0:*:%s\n" % MARKER.hex())
        self.failures = 0

    def add_sig(self, name, text):
        with open(os.path.join(self.db, name), "a") as f:
            f.write(text if text.endswith("\n") else text + "\n")

    def path(self, name):
        return os.path.join(self.files, name)

    def write(self, name, data):
        p = self.path(name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def run(self, argv, cwd=None, **kw):
        r = subprocess.run(argv, cwd=cwd or self.files, capture_output=True, **kw)
        if r.returncode != 0:
            raise RuntimeError("%s failed (%d): %s" % (argv[0], r.returncode,
                                                        r.stderr.decode(errors="replace")[-400:]))
        return r

    def check(self, cond, what):
        if cond:
            print("ok    %s" % what)
        else:
            print("FAIL  %s" % what)
            self.failures += 1

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def vigil():
    v = os.environ.get("VIGIL")
    if not v:
        print("VIGIL is not set")
        sys.exit(1)
    return v


def scan(work, paths, args=(), env=None):
    """vigil scan --json -z on paths: {path: record}."""
    argv = [vigil(), "scan", "--json", "--no-summary", "-z", "-d", work.db] + list(args) + list(paths)
    r = subprocess.run(argv, capture_output=True, env=env, timeout=600)
    out = {}
    for line in r.stdout.decode(errors="replace").splitlines():
        if not line.strip():
            continue
        rec = json.loads(line)
        if rec.get("type") == "file":
            out[rec["path"]] = rec
    for p in paths:
        if p not in out:
            raise RuntimeError("no result for %s; stderr: %s" % (p, r.stderr.decode()[-400:]))
    return out


def names(rec):
    return sorted({m["name"] for m in rec.get("matches", [])})


def layers(rec, name=None):
    return sorted({m["layer"] for m in rec.get("matches", []) if name is None or m["name"] == name})


def clamscan(work, paths, args=()):
    """clamscan -z: {path: sorted names} ([] when OK)."""
    argv = ["clamscan", "--disable-cache", "--no-summary", "-z", "-d", work.db] + list(args) + list(paths)
    r = subprocess.run(argv, capture_output=True, timeout=600)
    out = {p: [] for p in paths}
    for line in r.stdout.decode(errors="replace").splitlines():
        for p in paths:
            if line.startswith(p + ": ") and line.endswith(" FOUND"):
                out[p].append(line[len(p) + 2:-6])
    return {p: sorted(set(v)) for p, v in out.items()}


def measured_scan(work, path, args=()):
    """Scan one file under /usr/bin/time with an empty private TMPDIR:
    (record, seconds, peak RSS in KiB, files left in TMPDIR)."""
    tmp = tempfile.mkdtemp(prefix="vgtmp-", dir=work.dir)
    env = dict(os.environ, TMPDIR=tmp)
    tfile = os.path.join(work.dir, "time.out")
    argv = [TIME, "-o", tfile, "-f", "%e %M", vigil(), "scan", "--json", "--no-summary", "-z",
            "-d", work.db] + list(args) + [path]
    r = subprocess.run(argv, capture_output=True, env=env, timeout=600)
    rec = None
    for line in r.stdout.decode(errors="replace").splitlines():
        if line.strip():
            d = json.loads(line)
            if d.get("type") == "file":
                rec = d
    with open(tfile) as f:
        secs, rss = f.read().split()[-2:]
    left = []
    for root, dirs, files in os.walk(tmp):
        left += dirs + files
    shutil.rmtree(tmp, ignore_errors=True)
    if rec is None:
        raise RuntimeError("no result for %s (rc %d): %s" % (path, r.returncode,
                                                              r.stderr.decode()[-400:]))
    return rec, float(secs), int(rss), left
