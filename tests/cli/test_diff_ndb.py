"""test_diff_ndb.py - differential test against clamscan 1.4.6: body signatures (.ndb): targets, offsets, body syntax.

3000 generated signatures (seed 1) and 500 generated files with planted
matches and near misses; vigil and clamscan must give the same verdicts and
the same signature names (allmatch: same set per file; first match: same
verdict, a name clamscan also reports). Generator and harness:
tests/diff/gen_sigs.py, tests/diff/compare.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "diff"))
import run_family  # noqa: E402

sys.exit(run_family.run("ndb", 1, 3000, 500))
