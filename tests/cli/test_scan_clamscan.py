#!/usr/bin/python3
"""test_scan_clamscan.py - differential test of `vigil scan` against the real
clamscan: one generated tree (fixed seed) with infected, clean, empty and
larger files, nested directories, symbolic links to files, directories,
/dev/null and nowhere, fifos and sockets; many option combinations (walk,
filters, output, file lists, missing paths); both scanners run with the same
.hdb database, vigil with -j 1. stdout must agree line by line (modulo the
lines only vigil prints, docs/CLI.md "Differences from clamscan", and the
summary lines that depend on clock and engine), as must the warnings on
stderr and the exit code."""
import os
import random
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_cases"))
import scanlib  # noqa: E402

failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def build_tree(tree, rng):
    """A tree under t/ and the list of its directories."""
    dirs = ["t"]
    for _ in range(14):
        parent = rng.choice(dirs)
        if parent.count("/") < 4:
            dirs.append("%s/%s%d" % (parent, rng.choice(["d", "sub", "cache", "x"]), len(dirs)))
    for d in dirs:
        os.makedirs(tree.path(d), exist_ok=True)
    leaf_dirs = [d for d in dirs if not any(o.startswith(d + "/") for o in dirs)]
    n = 0
    for d in dirs:
        for _ in range(rng.randint(1, 6)):
            n += 1
            kind = rng.random()
            name = "%s/%s%d%s" % (d, rng.choice(["f", "doc", "bin", "e"]), n,
                                  rng.choice(["", ".txt", ".com", ".log"]))
            if kind < 0.2:
                tree.write(name, scanlib.EICAR)
            elif kind < 0.3:
                tree.write(name, b"")
            elif kind < 0.4:
                tree.write(name, os.urandom(rng.randint(4096, 20000)))
            else:
                tree.write(name, b"text %d\n" % n * rng.randint(1, 50))
        r = rng.random()
        if r < 0.15:
            os.symlink("/dev/null", tree.path("%s/null%d" % (d, n)))
        elif r < 0.3:
            os.symlink("nowhere", tree.path("%s/dangling%d" % (d, n)))
        elif r < 0.45:
            os.mkfifo(tree.path("%s/fifo%d" % (d, n)))
        elif r < 0.55:
            s = socket.socket(socket.AF_UNIX)
            s.bind(tree.path("%s/sock%d" % (d, n)))
            tree.sockets.append(s)
    # links to files and to leaf directories only: following them never loops
    files = sorted(os.path.relpath(os.path.join(p, f), tree.work)
                   for p, _, fs in os.walk(tree.path("t")) for f in fs
                   if os.path.isfile(os.path.join(p, f)) and not os.path.islink(os.path.join(p, f)))
    inner_dirs = [d for d in dirs if d not in leaf_dirs]
    for i in range(6):
        d = rng.choice(dirs)
        os.symlink(os.path.relpath(tree.path(rng.choice(files)), tree.path(d)),
                   tree.path("%s/flink%d" % (d, i)))
        # only inner directories get directory links, only to leaves
        d = rng.choice(inner_dirs)
        target = rng.choice(leaf_dirs)
        os.symlink(os.path.relpath(tree.path(target), tree.path(d)), tree.path("%s/dlink%d" % (d, i)))
    return dirs, files


def combos(dirs, files):
    walks = [["t"], ["-r", "t"], ["-r", "t/", dirs[1]], ["-r", files[0], "t", "missing"],
             ["-r", "--max-dir-recursion=2", "t"], ["-r", "--max-dir-recursion=1", "t"]]
    filters = [[], ["--exclude=\\.com$"], ["--include=\\.txt$"], ["--exclude-dir=/d[0-9]+$"],
               ["--include-dir=^t$", "--include-dir=/sub"], ["--exclude-dir=/cache/", "--exclude=e"],
               ["--exclude=doc", "--exclude=bin", "--include=[0-9]"]]
    links = [[], ["--follow-dir-symlinks=0"], ["--follow-file-symlinks=0"],
             ["--follow-file-symlinks=2"], ["--follow-dir-symlinks=2", "--follow-file-symlinks=2"]]
    outputs = [[], ["-i"], ["-o"], ["--no-summary"], ["-z"]]
    out = []
    for i, w in enumerate(walks):
        for j, f in enumerate(filters):
            out.append(f + outputs[(i + j) % len(outputs)] + links[(i * 3 + j) % len(links)] + w)
    return out


def main():
    vigil = scanlib.vigil_path()
    clamscan = scanlib.clamscan_path()
    rng = random.Random(int(os.environ.get("VG_SCAN_SEED", "20261122")))
    tree = scanlib.Tree()
    try:
        dirs, files = build_tree(tree, rng)
        with open(tree.path("list.txt"), "w") as f:
            f.write("\n".join(files[:5] + ["missing-from-list", dirs[-1], "t/" + os.path.basename(dirs[1])]) + "\n")
        runs = combos(dirs, files) + [["-f", "list.txt"], ["-r", "-f", "list.txt"],
                                      ["-r", "-i", "-f", "list.txt", "t"]]
        for args in runs:
            v = scanlib.run([vigil, "scan", "-j", "1", "-d", tree.db] + args, tree.work)
            c = scanlib.run([clamscan, "-d", tree.db] + args, tree.work)
            vo, co = scanlib.normalise(v.stdout, True), scanlib.normalise(c.stdout, False)
            ve, ce = scanlib.stderr_key_lines(v.stderr), scanlib.stderr_key_lines(c.stderr)
            same = vo == co and sorted(ve) == sorted(ce) and v.returncode == c.returncode
            check(same, "%s (%d lines, exit %d)" % (" ".join(args), len(co), c.returncode))
            if not same:
                import difflib
                for line in difflib.unified_diff([l.decode("utf-8", "replace") for l in co],
                                                 [l.decode("utf-8", "replace") for l in vo],
                                                 "clamscan", "vigil", lineterm="", n=1):
                    print("    " + line)
                print("    stderr: clamscan %r vigil %r; exit: clamscan %d vigil %d"
                      % (ce, ve, c.returncode, v.returncode))
    finally:
        tree.cleanup()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
