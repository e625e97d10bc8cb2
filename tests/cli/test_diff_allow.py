"""test_diff_allow.py - differential test against clamscan 1.4.6: allow and ignore lists (.fp .sfp .ign .ign2) over hash and body signatures.

1500 generated signatures (seed 1) and 300 generated files with planted
matches and near misses; vigil and clamscan must give the same verdicts and
the same signature names (allmatch: same set per file; first match: same
verdict, a name clamscan also reports). Generator and harness:
tests/diff/gen_sigs.py, tests/diff/compare.py.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "diff"))
import run_family  # noqa: E402

sys.exit(run_family.run("allow", 1, 1500, 300))
