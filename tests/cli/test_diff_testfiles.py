"""test_diff_testfiles.py - Debian's clamav-testfiles
(/usr/share/clamav-testfiles) scanned with ClamAV's unit-test signatures
(clamav.hdb and Clamav-Unit-Test-Signature.ndb from $VG_SHARED/data/clamav-test):
every file must be detected by vigil under the same names as clamscan
reports (allmatch, set per file); then again with one signature of each
kind ($VG_SHARED/data/clamav-test/extra: offsets, section hashes, logical
signatures with Container:, .cdb), YARA left out. Most of these files are containers (zip,
7z, pdf, cab, mail, ...), so this test only passes once vigil opens them.

ctest-labels: containers

A file that needs a parser vigil does not have yet is listed in NOT_YET
with the reason (none today; see docs/internals/CONTAINERS.md). For such
a file vigil may only miss names, never report one clamscan does not;
and a listed file that starts to agree fails the test until it is taken
off the list.
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "diff"))
import compare  # noqa: E402

TESTFILES = "/usr/share/clamav-testfiles"

# Files vigil cannot read yet, with the reason (empty: every file agrees).
NOT_YET = {
}


def compare_once(label, vigil, dbdir, paths):
    """Compare allmatch names file by file; returns the unexpected count."""
    clam, _, _ = compare.scan(compare.clamscan_cmd(), dbdir, paths, True)
    vig, _, _ = compare.scan(compare.vigil_cmd(vigil), dbdir, paths, True)
    same = bad = 0
    for p in paths:
        c, v = set(clam[p]), set(vig[p])
        base = os.path.basename(p)
        if c == v:
            same += 1
            if base in NOT_YET and label == "hdb":
                bad += 1
                print("AGREES NOW %s: take it off NOT_YET" % base)
        elif base in NOT_YET and v < c:
            print("not yet   %s (%s)" % (base, NOT_YET[base]))
        else:
            bad += 1
            print("DIFF [%s] %s\n  clamscan: %s\n  vigil:    %s" %
                  (label, base, sorted(c) or "OK", sorted(v) or "OK"))
    print("testfiles [%s]: %d files, %d agree, %d known gaps, %d unexpected" %
          (label, len(paths), same, len(paths) - same - bad, bad))
    return bad


def main():
    vigil = os.environ.get("VIGIL")
    shared = os.environ.get("VG_SHARED", "")
    src = os.path.join(shared, "data", "clamav-test")
    if not vigil or not os.path.isdir(src) or not os.path.isdir(TESTFILES):
        print("needs VIGIL, $VG_SHARED/data/clamav-test and clamav-testfiles")
        return 1
    work = tempfile.mkdtemp(prefix="vgtf-")
    try:
        paths = sorted(os.path.join(TESTFILES, n) for n in os.listdir(TESTFILES))
        paths = [p for p in paths if os.path.isfile(p)]
        dbdir = os.path.join(work, "db")
        os.makedirs(dbdir)
        for n in ("clamav.hdb", "Clamav-Unit-Test-Signature.ndb"):
            shutil.copy(os.path.join(src, n), dbdir)
        bad = compare_once("hdb", vigil, dbdir, paths)
        # one signature of each kind (offsets, section hashes, logical with
        # Container:, .cdb) over the same files: members must be typed,
        # parsed and matched as clamscan does; YARA is not part of this
        extra = os.path.join(src, "extra")
        if os.path.isdir(extra):
            xdir = os.path.join(work, "extra")
            os.makedirs(xdir)
            for n in os.listdir(extra):
                if not n.endswith((".yar", ".yara")):
                    shutil.copy(os.path.join(extra, n), xdir)
            bad += compare_once("extra", vigil, xdir, paths)
        return 0 if bad == 0 else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


sys.exit(main())
