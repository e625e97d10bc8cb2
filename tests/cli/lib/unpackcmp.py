"""unpackcmp.py - what the packed-executable tests share: a failure list,
the names a clamscan-like scanner reports per file (allmatch), and the
JSON result `vigil scan --json` gives for one file.

Library only (tests/cli/test_unpack*.py). Python 3 standard library only.
"""
import json
import subprocess

failures = []


def check(cond, what):
    """Record a failure (the test exits 1 at the end if any)."""
    if not cond:
        failures.append(what)
        print("FAIL " + what)


def names(cmd, dbdir, paths, strict=False):
    """{path: set of names} from a clamscan-like scanner, -z. strict: an
    exit other than 0 (clean) or 1 (found) is a failure too."""
    r = subprocess.run(cmd + ["--no-summary", "-z", "-d", dbdir] + paths,
                       capture_output=True, timeout=600)
    if strict and r.returncode not in (0, 1):
        failures.append("%s exited %d: %s" % (cmd[0], r.returncode, r.stderr[-500:]))
    out = {p: set() for p in paths}
    for line in r.stdout.decode(errors="replace").splitlines():
        path, _, rest = line.rpartition(": ")
        if rest.endswith(" FOUND") and path in out:
            out[path].add(rest[:-6])
    return out


def vigil_json(vigil, dbdir, path, *opts):
    """The "file" JSON object of `vigil scan --json` for one path."""
    r = subprocess.run([vigil, "scan", "--no-summary", "--json", "-d", dbdir] + list(opts) +
                       [path], capture_output=True, timeout=600)
    for line in r.stdout.decode().splitlines():
        obj = json.loads(line)
        if obj.get("type") == "file":
            return obj
    raise AssertionError("no JSON line for %s: %r" % (path, r.stdout))
