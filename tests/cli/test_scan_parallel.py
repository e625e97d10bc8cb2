#!/usr/bin/python3
"""test_scan_parallel.py - parallel scanning gives the same report as one
worker: the same set of lines (order aside), each line whole (never two
files' output interleaved), the same summary counts; with -j 1 the order is
clamscan's, line for line; a large directory is walked completely."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_cases"))
import scanlib  # noqa: E402

failures = []
LINE = re.compile(r"^t/d\d+/(f\d+|e\d+\.com|empty\d+|link\d+): "
                  r"(OK|Empty file|Symbolic link|" + re.escape(scanlib.FOUND) + r")$")
COUNTS = re.compile(r"^(Scanned directories|Scanned files|Infected files|Total errors): ")


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def split(stdout):
    """(per-file lines, summary count lines) of a text report."""
    files, counts = [], []
    for line in stdout.decode("utf-8", "replace").splitlines():
        if COUNTS.match(line):
            counts.append(line)
        elif line and not line.startswith(("Known", "Engine", "Data", "Time", "Start", "End", "---")):
            files.append(line)
    return files, counts


def main():
    vigil = scanlib.vigil_path()
    clamscan = scanlib.clamscan_path()
    tree = scanlib.Tree()
    try:
        infected = 0
        for d in range(30):
            for f in range(30):
                n = d * 30 + f
                if n % 37 == 0:
                    tree.write("t/d%d/e%d.com" % (d, n), scanlib.EICAR)
                    infected += 1
                elif n % 53 == 0:
                    tree.write("t/d%d/empty%d" % (d, n), b"")
                elif n % 61 == 0:
                    os.makedirs(tree.path("t/d%d" % d), exist_ok=True)
                    os.symlink("x", tree.path("t/d%d/link%d" % (d, n)))
                else:
                    tree.write("t/d%d/f%d" % (d, n), (b"file %d\n" % n) * (n % 200 + 1))
        runs = {}
        for jobs in ("1", "2", "8"):
            res = scanlib.run([vigil, "scan", "-r", "-j", jobs, "-d", tree.db, "t"], tree.work)
            runs[jobs] = (res.returncode,) + split(res.stdout)
        base = runs["1"]
        check(base[0] == 1 and len(base[1]) == 900 and
              sum(l.endswith("FOUND") for l in base[1]) == infected,
              "-j 1: 900 lines, %d infected, exit code 1" % infected)
        for jobs, (rc, files, counts) in runs.items():
            bad = [l for l in files if not LINE.match(l)]
            check(not bad, "-j %s: every line is whole and well-formed %r" % (jobs, bad[:3]))
            check(sorted(files) == sorted(base[1]) and counts == base[2] and rc == base[0],
                  "-j %s: same lines, counts and exit code as -j 1" % jobs)

        ref = scanlib.run([clamscan, "-r", "-d", tree.db, "t"], tree.work)
        rfiles, rcounts = split(ref.stdout)
        check(rfiles == base[1] and rcounts == base[2] and ref.returncode == base[0],
              "-j 1 prints clamscan's lines in clamscan's order, with its counts")

        for n in range(3000):
            tree.write("big/f%05d" % n, b"%d\n" % n)
        res = scanlib.run([vigil, "scan", "-r", "-o", "-d", tree.db, "big"], tree.work)
        files, counts = split(res.stdout)
        check(res.returncode == 0 and files == [] and "Scanned files: 3000" in counts and
              "Scanned directories: 1" in counts, "a directory of 3000 files is walked completely")
    finally:
        tree.cleanup()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
