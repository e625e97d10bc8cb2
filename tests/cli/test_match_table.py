#!/usr/bin/python3
"""test_match_table.py - the matching-semantics table (tests/data/match_cases.txt)
against the real clamscan and against vigil: each case must give the expected
verdict with both. A wrong expectation shows up as a clamscan failure here,
so the table cannot drift from clamscan's behaviour."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import matchcases  # noqa: E402


def found(cmd, dbdir, path):
    r = subprocess.run(cmd + ["--no-summary", "-z", "-d", dbdir, path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode not in (0, 1):
        return None, r.stdout + r.stderr
    return r.returncode == 1, r.stdout


def main():
    vigil = os.environ["VIGIL"]
    cases = matchcases.load()
    work = tempfile.mkdtemp(prefix="vgmatch-")
    bad = 0
    try:
        for n, dbname, sig, data, exp in cases:
            d = os.path.join(work, "c%d" % n)
            os.mkdir(d)
            db = os.path.join(d, "db")
            os.mkdir(db)
            with open(os.path.join(db, dbname), "w") as f:
                f.write(sig + "\n")
            fp = os.path.join(d, "file.bin")
            with open(fp, "wb") as f:
                f.write(data)
            for name, cmd in (("clamscan", ["clamscan"]), ("vigil", [vigil, "scan"])):
                got, out = found(cmd, db, fp)
                if got is None:
                    print("line %d: %s failed: %s" % (n, name, out.strip()[:300]))
                    bad += 1
                elif got != exp:
                    print("line %d: %s says %s, table says %s: %s" %
                          (n, name, "match" if got else "no match", "match" if exp else "no match", sig))
                    bad += 1
        print("%d cases, %d failures" % (len(cases), bad))
        return 1 if bad else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
