#!/usr/bin/python3
"""test_scan_walk.py - walks that a case file cannot express:

  - a tree deeper than PATH_MAX (the walk opens each level relative to its
    parent, so depth is bounded by --max-dir-recursion only);
  - --cross-fs=no across a real mount point (a tmpfs mounted in a private
    mount namespace with unshare -m), compared with clamscan;
  - a fifo without a writer, also behind a link followed with
    --follow-file-symlinks=2, is reported and never opened (an open for
    reading would block forever).
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_cases"))
import scanlib  # noqa: E402

failures = []


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def deeper_than_path_max(vigil, tree):
    levels, name = 60, "d" * 100
    top = tree.path("deep")
    os.mkdir(top)
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.mkdir(name, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        wfd = os.open("eicar.com", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(wfd, scanlib.EICAR)
        os.close(wfd)
    finally:
        os.close(fd)
    expected = "deep/" + "/".join([name] * levels) + "/eicar.com: " + scanlib.FOUND
    check(len(expected) > 4096, "the deep path is longer than PATH_MAX (%d bytes)" % len(expected))
    res = scanlib.run([vigil, "scan", "--no-summary", "-r", "--max-dir-recursion=100",
                       "-d", tree.db, "deep"], tree.work)
    check(res.stdout.decode() == expected + "\n" and res.returncode == 1,
          "a file %d levels down is found under its full path" % levels)
    res = scanlib.run([vigil, "scan", "--no-summary", "-r", "-d", tree.db, "deep"], tree.work)
    lines = res.stdout.decode().splitlines()
    check(res.returncode == 0 and len(lines) == 1 and lines[0].endswith(": Excluded (MaxDirRecursion)")
          and lines[0].count("/") == 15,
          "with the default --max-dir-recursion the walk stops at level 15 and says so")


def cross_fs(vigil, clamscan, tree):
    tree.write("fs/a.txt", b"a\n")
    tree.write("fs/mnt/hidden.com", scanlib.EICAR)  # covered by the mount
    mnt = tree.path("fs/mnt")
    if subprocess.run(["unshare", "-m", "true"]).returncode != 0:
        check(False, "unshare -m works (needed to mount a file system for --cross-fs)")
        return
    results = {}
    for name, argv in (("vigil", [vigil, "scan", "-j", "1"]), ("clamscan", [clamscan])):
        for mode in ("no", "yes"):
            script = ('mount -t tmpfs vigiltest "$1" && printf "%s" "$2" > "$1/inner.com" && '
                      'shift 2 && exec "$@"')
            res = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", mnt, scanlib.EICAR.decode()]
                                 + argv + ["--no-summary", "-r", "--cross-fs=" + mode, "-d", tree.db, "fs"],
                                 cwd=tree.work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            results[(name, mode)] = (sorted(res.stdout.decode().splitlines()), res.returncode)
    check(results[("vigil", "no")] == (["fs/a.txt: OK", "fs/mnt: Excluded"], 0),
          "--cross-fs=no excludes the mount point: %r" % (results[("vigil", "no")],))
    check(results[("vigil", "yes")] == (["fs/a.txt: OK", "fs/mnt/inner.com: " + scanlib.FOUND], 1),
          "--cross-fs=yes enters it: %r" % (results[("vigil", "yes")],))
    check(results[("vigil", "no")] == results[("clamscan", "no")] and
          results[("vigil", "yes")] == results[("clamscan", "yes")],
          "clamscan agrees on both")


def fifo_via_link(vigil, tree):
    os.makedirs(tree.path("swap"))
    os.mkfifo(tree.path("swap/fifo"))
    os.symlink("fifo", tree.path("swap/link"))
    # no writer ever opens the fifo: a blocking open would hang until the timeout
    res = scanlib.run([vigil, "scan", "--no-summary", "-j", "1", "--follow-file-symlinks=2",
                       "-d", tree.db, "swap"], tree.work, timeout=60)
    check(sorted(res.stdout.decode().splitlines()) ==
          ["swap/fifo: Not supported file type", "swap/link: Symbolic link"] and res.returncode == 0,
          "fifos are reported, not opened: %r" % res.stdout)


def main():
    vigil = scanlib.vigil_path()
    clamscan = scanlib.clamscan_path()
    for test in (lambda t: deeper_than_path_max(vigil, t),
                 lambda t: cross_fs(vigil, clamscan, t),
                 lambda t: fifo_via_link(vigil, t)):
        tree = scanlib.Tree()
        try:
            test(tree)
        finally:
            tree.cleanup()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
