"""test_diff_malformed.py - malformed signature databases (table:
tests/diff/malformed/cases.txt): clamscan 1.4.6 rejects each one (checked
here), and vigil must reject it with exit 2 and an error naming the file and
the line.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "diff"))
import malformed  # noqa: E402

sys.exit(malformed.run(os.environ.get("VIGIL", "vigil")))
