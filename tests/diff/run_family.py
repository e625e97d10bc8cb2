"""run_family.py - the body of each tests/cli/test_diff_<family>.py case:
generate one family of signatures and files, check that clamscan loads the
databases and that the generated cases really exercise clamscan (enough
files detected, enough signatures firing, enough files clean), then compare
vigil with clamscan and print every difference with a reproducer.

Environment: VIGIL (the vigil binary). Work files go to a temporary
directory that is removed afterwards (kept when VG_DIFF_KEEP is set, to
look at a failure by hand).
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402
import gen_sigs  # noqa: E402


def run(family, seed, nsigs, nfiles, min_fired=0.2, min_detected=0.2,
        min_clean=0.05):
    """Returns the process exit code: 0 when vigil and clamscan agree."""
    vigil = os.environ.get("VIGIL")
    if not vigil or not os.access(vigil, os.X_OK):
        print("VIGIL is not set to an executable")
        return 1
    if shutil.which("clamscan") is None:
        print("clamscan is not installed (scripts/setup-deps.sh test)")
        return 1
    work = tempfile.mkdtemp(prefix="vgdiff-%s-" % family)
    rc = 1
    try:
        suite = gen_sigs.generate(family, seed, nsigs, nfiles)
        dbdir, fdir = suite.write(work)
        probe = os.path.join(fdir, sorted(suite.files)[0])
        err = compare.load_check(dbdir, probe)
        if err:
            print("clamscan rejects the generated %s databases:\n%s" % (family, err[-2000:]))
            return 1
        rep = compare.compare_suite(suite, vigil, dbdir, fdir)
        compare.print_report(suite, rep, fdir)
        fired = len(rep.clam_names) / max(1, suite.nsigs())
        det = rep.clam_detected / max(1, rep.nfiles)
        clean = 1 - det
        print("%s: %.0f%% of signatures fire, %.0f%% of files detected, "
              "%.0f%% clean (clamscan)" % (family, 100 * fired, 100 * det, 100 * clean))
        weak = []
        if fired < min_fired:
            weak.append("too few signatures fire (%.2f < %.2f)" % (fired, min_fired))
        if det < min_detected:
            weak.append("too few files detected (%.2f < %.2f)" % (det, min_detected))
        if clean < min_clean:
            weak.append("too few clean files (%.2f < %.2f)" % (clean, min_clean))
        for w in weak:
            print("generator too weak: " + w)
        rc = 0 if rep.ok() and not weak else 1
        print("%s: %d file scans compared, %d differences" %
              (family, rep.nfiles * 2, len(rep.diffs)))
    except compare.ScanError as e:
        print(str(e))
        rc = 1
    finally:
        if os.environ.get("VG_DIFF_KEEP"):
            print("work files kept in " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return rc
