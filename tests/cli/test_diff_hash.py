"""test_diff_hash.py - differential test against clamscan 1.4.6: hash signatures (.hdb .hsb .mdb .msb).

2000 generated signatures (seed 1) and 250 generated files with planted
matches and near misses; vigil and clamscan must give the same verdicts and
the same signature names (allmatch: same set per file; first match: same
verdict, a name clamscan also reports). Generator and harness:
tests/diff/gen_sigs.py, tests/diff/compare.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "diff"))
import run_family  # noqa: E402

sys.exit(run_family.run("hash", 1, 2000, 250))
