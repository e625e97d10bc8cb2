"""test_diff_testfiles.py - Debian's clamav-testfiles
(/usr/share/clamav-testfiles) scanned with ClamAV's unit-test signatures
(clamav.hdb and Clamav-Unit-Test-Signature.ndb from $VG_SHARED/data/clamav-test):
every file must be detected by vigil under the same names as clamscan
reports (allmatch, set per file). Most of these files are containers (zip,
7z, pdf, cab, mail, ...), so this test only passes once vigil opens them.

ctest-labels: containers
(The "containers" label keeps it out of the default run; remove
"containers" from the excluded labels in the Makefile to enable it.)
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "diff"))
import compare  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"


def main():
    vigil = os.environ.get("VIGIL")
    shared = os.environ.get("VG_SHARED", "")
    src = os.path.join(shared, "data", "clamav-test")
    if not vigil or not os.path.isdir(src) or not os.path.isdir(TESTFILES):
        print("needs VIGIL, $VG_SHARED/data/clamav-test and clamav-testfiles")
        return 1
    work = tempfile.mkdtemp(prefix="vgtf-")
    try:
        dbdir = os.path.join(work, "db")
        os.makedirs(dbdir)
        for n in ("clamav.hdb", "Clamav-Unit-Test-Signature.ndb"):
            shutil.copy(os.path.join(src, n), dbdir)
        paths = sorted(os.path.join(TESTFILES, n) for n in os.listdir(TESTFILES))
        paths = [p for p in paths if os.path.isfile(p)]
        clam, _, _ = compare.scan(compare.clamscan_cmd(), dbdir, paths, True)
        vig, _, _ = compare.scan(compare.vigil_cmd(vigil), dbdir, paths, True)
        same = 0
        for p in paths:
            c, v = set(clam[p]), set(vig[p])
            if c == v:
                same += 1
            else:
                print("DIFF %s\n  clamscan: %s\n  vigil:    %s" %
                      (os.path.basename(p), sorted(c) or "OK", sorted(v) or "OK"))
        print("testfiles: %d files, %d agree, %d differ" % (len(paths), same, len(paths) - same))
        return 0 if same == len(paths) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


sys.exit(main())
