#!/usr/bin/python3
"""test_scan_progress.py - the progress line: on a terminal (stderr is a
pty) a "scanning: N/M files, ..." line is drawn and erased ("\\r", ESC[K),
and stdout carries only the report; when stderr is not a terminal nothing
extra is written; --progress=no turns it off on a terminal, --quiet too.
No timing is asserted: the first line is drawn at start, so it is always
there, and the count is checked only for being well-formed."""
import os
import pty
import re
import select
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_cases"))
import scanlib  # noqa: E402

failures = []
DRAW = re.compile(rb"\rscanning: \d+/\d+\+? files, [0-9.]+/[0-9.]+\+? MiB, [0-9.]+ MiB/s, ETA \S+\x1b\[K")


def check(cond, msg):
    print(("ok   " if cond else "FAIL ") + msg)
    if not cond:
        failures.append(msg)


def run_on_pty(argv, cwd):
    """Run argv with stderr on a new pty; returns (rc, stdout, what the pty got)."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=slave)
        os.close(slave)
        slave = -1
        term = b""
        while True:
            r, _, _ = select.select([master], [], [], 60)
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the pty
                break
            if not chunk:
                break
            term += chunk
        out = proc.stdout.read()
        proc.stdout.close()
        rc = proc.wait(timeout=120)
        return rc, out, term
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)


def main():
    vigil = scanlib.vigil_path()
    tree = scanlib.Tree()
    try:
        for n in range(200):
            tree.write("t/f%03d" % n, b"x" * (n * 100 + 1))
        tree.write("t/eicar.com", scanlib.EICAR)
        argv = [vigil, "scan", "-r", "-d", tree.db, "t"]

        rc, out, term = run_on_pty(argv, tree.work)
        check(rc == 1, "exit code 1")
        check(DRAW.search(term) is not None, "a progress line is drawn on the terminal: %r" % term[:120])
        check(term.endswith(b"\r\x1b[K"), "the line is erased at the end")
        check(b"\x1b" not in out and b"\r" not in out, "stdout carries no terminal control")
        check(out.count(b"\n") > 200 and b"SCAN SUMMARY" in out, "stdout has the whole report")

        res = scanlib.run(argv, tree.work)
        check(res.stderr == b"" and res.returncode == 1, "stderr not a terminal: nothing extra on it")

        for extra in (["--progress=no"], ["--quiet"]):
            rc, out, term = run_on_pty(argv[:2] + extra + argv[2:], tree.work)
            check(term == b"" and rc == 1, "%s: nothing on the terminal" % extra[0])

        res = scanlib.run(argv[:2] + ["--progress=yes"] + argv[2:], tree.work)
        check(DRAW.search(res.stderr) is not None, "--progress=yes draws even when not a terminal")
    finally:
        tree.cleanup()
    print("%d failures" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
