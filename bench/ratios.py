#!/usr/bin/env python3
"""ratios.py - vigil's rows of a benchmark run as ratios against its peers.

    bench/ratios.py RESULTS.csv [MORE.csv ...]

Reads the CSV files the shared kit's run-peers.sh writes (bench/run.sh
passes its own); a row of a later file replaces the row with the same tool
and set of an earlier one, so a re-measured vigil row can be set beside the
peers of a longer run. For each vigil row (every tool whose name starts
with "vigil") and each signature set it prints throughput against
clamscan, clamd (MULTISCAN, 2 threads), yara (-p 2) and raw Hyperscan (2
threads), start-up, and peak RSS against clamscan's, and marks the
targets of docs/PERFORMANCE.md. The "full" set (100k body + 1M MD5 + 1M
SHA-256) has no yara or Hyperscan row of its own: those tools get the
100k row (they have no hash signatures), labelled so.
"""
import csv
import sys


def num(s):
    try:
        return float(str(s).replace("srv:", ""))
    except ValueError:
        return None


def load(paths):
    rows = {}
    for p in paths:
        with open(p, newline="") as f:
            for r in csv.DictReader(f):
                rows[(r["tool"], r["set"])] = r
    return rows


def peer(rows, prefix, s):
    for (tool, st), r in rows.items():
        if tool.startswith(prefix) and st == s:
            return r
    return None


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    rows = load(argv[1:])
    vig = sorted({t for (t, _) in rows if t.startswith("vigil")})
    if not vig:
        print("ratios.py: no vigil rows in %s" % ", ".join(argv[1:]), file=sys.stderr)
        return 1
    print("%-26s %-5s %8s %10s %8s %8s %10s %7s %9s" %
          ("vigil row", "set", "MB/s", "xclamscan", "xclamd", "xyara", "%hyperscan", "load_s", "rss/clam"))
    for t in vig:
        for s in ("1k", "10k", "100k", "full"):
            v = rows.get((t, s))
            if v is None:
                continue
            mbs = num(v["MB_per_s"])
            cs = peer(rows, "clamscan", s)
            cd = peer(rows, "clamd multiscan", s)
            alt = "100k" if s == "full" else s
            ya = peer(rows, "yara -p 2", alt)
            hs = peer(rows, "hyperscan -p 2", alt)

            def ratio(r, fmt="%.1fx"):
                x = num(r["MB_per_s"]) if r else None
                return fmt % (mbs / x) if x and mbs else "-"

            hsp = "%.0f%%" % (100 * mbs / num(hs["MB_per_s"])) if hs and mbs else "-"
            rss = "-"
            if cs and num(cs["peak_rss_MiB"]) and num(v["peak_rss_MiB"]):
                rss = "%.2f" % (num(v["peak_rss_MiB"]) / num(cs["peak_rss_MiB"]))
            mark = "" if alt == s else " (yara/hs: 100k row)"
            print("%-26s %-5s %8.1f %10s %8s %8s %10s %7s %9s%s" %
                  (t[:26], s, mbs or 0, ratio(cs), ratio(cd), ratio(ya), hsp, v["load_s"], rss, mark))
    print("targets: >=50x clamscan and >=5x yara at 10k and at 100k+1M hashes (full); "
          ">=70% of hyperscan; load <=0.05 s; rss/clam <=1")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
