#!/usr/bin/python3
"""test_scan_cases.py - data-driven tests of `vigil scan`, in the style of
curl's tests/data: each tests/cli/scan_cases/*.case file names the files to
create, the arguments, the expected stdout/stderr/log lines and exit code,
and optionally asks for the real clamscan to be run on the same inputs with
the same database and compared line by line.

Sections of a case (all optional except <args>):

  <name>one line</name>
  <setup>commands of scanlib.setup, one per line</setup>
  <args>arguments for `vigil scan` (shell-quoted; may span lines)</args>
  <stdin>bytes for standard input (placeholders and escapes)</stdin>
  <user>run as this unprivileged user (e.g. nobody)</user>
  <stdout [unordered]>expected stdout lines; "re:" starts a regex line</stdout>
  <stderr>lines that stderr must contain (any order; "re:" for regex)</stderr>
  <log PATH>expected lines of the log file PATH (relative to the tree)</log>
  <exit>expected exit code</exit>
  <clamscan>arguments for clamscan; empty: vigil's minus vigil-only options.
    stdout (normalised by scanlib.normalise), the WARNING lines on stderr
    and the exit code must agree; stdout in the same order when vigil runs
    with -j 1, else as sets of lines.</clamscan>

Placeholders: {dir} the work directory (the scanners' cwd), {db} an .hdb
with the EICAR signature, {dbdir} its directory, {eicar} the EICAR bytes.
"""
import glob
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_cases"))
import scanlib  # noqa: E402

CASE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scan_cases")
TAG = re.compile(r"<([a-z]+)([^>\n]*)>\n?(.*?)</\1>", re.S)
VIGIL_ONLY_OPTS = re.compile(r"^(-j\d*|--jobs(=.*)?|--json|--no-sandbox|--progress(=.*)?)$")


def clamscan_args(args):
    """vigil's arguments without vigil's own options (and their values)."""
    out = []
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a in ("-j", "--jobs"):
            skip = True
        elif not VIGIL_ONLY_OPTS.match(a):
            out.append(a)
    return out


def one_job(args):
    """Whether vigil runs with -j 1 (then its output order is clamscan's)."""
    for i, a in enumerate(args):
        if a in ("-j", "--jobs") and i + 1 < len(args) and args[i + 1] == "1":
            return True
        if a in ("--jobs=1", "-j1"):
            return True
        if re.fullmatch(r"-[a-zA-Z]*j1", a):
            return True
    return False


def parse_case(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    case = {}
    for m in TAG.finditer(text):
        case[m.group(1)] = (m.group(2).strip(), m.group(3))
    if "args" not in case:
        raise ValueError(path + ": no <args>")
    return case


def body_lines(section):
    return [l for l in section.split("\n") if l != ""] if section else []


def line_matches(expected, actual):
    if expected.startswith(b"re:"):
        return re.fullmatch(expected[3:], actual) is not None
    return expected == actual


def compare_lines(what, expected, actual, unordered=False):
    """None when equal, else a message showing both."""
    if unordered:
        # literal lines claim their match first, then the regex lines
        ok = len(expected) == len(actual)
        remaining = list(actual)
        for e in sorted(expected, key=lambda l: l.startswith(b"re:")):
            hit = next((i for i, a in enumerate(remaining) if line_matches(e, a)), None)
            if hit is None:
                ok = False
                break
            del remaining[hit]
    else:
        ok = len(expected) == len(actual) and all(
            line_matches(e, a) for e, a in zip(expected, actual))
    if ok:
        return None
    return "%s differs\n--- expected\n%s\n--- actual\n%s" % (
        what, b"\n".join(expected).decode("utf-8", "replace"),
        b"\n".join(actual).decode("utf-8", "replace"))


def split_output(data):
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def run_case(path, vigil, clamscan):
    case = parse_case(path)
    tree = scanlib.Tree()
    try:
        subst = {"dir": os.fsencode(tree.work), "db": os.fsencode(tree.db),
                 "dbdir": os.fsencode(tree.db_dir), "eicar": scanlib.EICAR}
        scanlib.setup(tree, body_lines(case.get("setup", ("", ""))[1]), subst)
        args = shlex.split(scanlib.unescape(case["args"][1], subst).decode("utf-8", "surrogateescape"))
        stdin = scanlib.unescape(case["stdin"][1], subst) if "stdin" in case else b""
        user = case["user"][1].strip() if "user" in case else None
        errors = []

        res = scanlib.run([vigil, "scan"] + args, tree.work, stdin, user)
        if "exit" in case and res.returncode != int(case["exit"][1]):
            errors.append("exit code %d, expected %s" % (res.returncode, case["exit"][1].strip()))
        if "stdout" in case:
            attrs, body = case["stdout"]
            expected = [scanlib.unescape(l, subst) for l in body.split("\n")]
            if expected and expected[-1] == b"":
                expected.pop()
            msg = compare_lines("stdout", expected, split_output(res.stdout), "unordered" in attrs)
            if msg:
                errors.append(msg)
        for want in body_lines(case.get("stderr", ("", ""))[1]):
            w = scanlib.unescape(want, subst)
            if not any(line_matches(w, l) for l in split_output(res.stderr)):
                errors.append("stderr lacks %r" % w)
        if "log" in case:
            logpath = tree.path(case["log"][0])
            with open(logpath, "rb") as f:
                got = split_output(f.read())
            expected = [scanlib.unescape(l, subst) for l in case["log"][1].split("\n")]
            if expected and expected[-1] == b"":
                expected.pop()
            msg = compare_lines("log " + case["log"][0], expected, got)
            if msg:
                errors.append(msg)

        if "clamscan" in case:
            cargs = shlex.split(scanlib.unescape(case["clamscan"][1], subst).decode())
            if not cargs:
                cargs = clamscan_args(args)
            if "log" in case:  # both would append to the same log
                os.unlink(tree.path(case["log"][0]))
            ref = scanlib.run([clamscan] + cargs, tree.work, stdin, user)
            # with one job vigil keeps clamscan's order; with more, only the set of lines
            msg = compare_lines("stdout against clamscan (clamscan is 'expected')",
                                scanlib.normalise(ref.stdout, False),
                                scanlib.normalise(res.stdout, True), not one_job(args))
            if msg:
                errors.append(msg)
            msg = compare_lines("stderr warnings against clamscan",
                                scanlib.stderr_key_lines(ref.stderr),
                                scanlib.stderr_key_lines(res.stderr), unordered=True)
            if msg:
                errors.append(msg)
            if ref.returncode != res.returncode:
                errors.append("exit code %d, clamscan's %d" % (res.returncode, ref.returncode))
        if errors:
            errors.append("vigil stderr:\n" + res.stderr.decode("utf-8", "replace"))
        return errors
    finally:
        tree.cleanup()


def main():
    vigil = scanlib.vigil_path()
    clamscan = scanlib.clamscan_path()
    only = sys.argv[1:]
    cases = sorted(glob.glob(os.path.join(CASE_DIR, "*.case")))
    if not cases:
        raise SystemExit("no cases in " + CASE_DIR)
    failed = ran = 0
    for path in cases:
        name = os.path.basename(path)
        if only and not any(o in name for o in only):
            continue
        ran += 1
        errors = run_case(path, vigil, clamscan)
        title = parse_case(path).get("name", ("", ""))[1].strip()
        if errors:
            failed += 1
            print("FAIL %s: %s" % (name, title))
            for e in errors:
                print("    " + e.replace("\n", "\n    "))
        else:
            print("ok   %s: %s" % (name, title))
    print("%d of %d cases failed" % (failed, ran))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
