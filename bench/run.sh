#!/usr/bin/env bash
# run.sh - vigil beside clamscan, clamd, yara and raw Hyperscan on the same
# corpus and signature sets, with the shared benchmark kit (../shared/bench).
#
#   bench/run.sh              the full comparison (1 GiB corpus, 1k/10k/100k body sets,
#                             1M+1M hashes; about an hour on 2 cores)
#   QUICK=1 bench/run.sh      a few minutes (64 MiB corpus, 1k/10k, 100k hashes)
#
# It first lets the kit build the corpus and signature sets, compiles each set
# into a vigil database image (timing `vigil db compile`), then runs the kit
# with vigil as one more row (cold process: start-up, image load and scan).
# Knobs: everything run-peers.sh takes (RUNS, THREADS, TOOLS, SIGS, OUTCSV, ...),
# plus VIGIL (the binary; default build/vigil), VIGIL_BENCH_KIT (the kit
# folder), VIGIL_SCAN_FLAGS (extra `vigil scan` flags, with ENGINE_NAME to
# label the row) and RATIOS_WITH (an earlier run's CSV for the ratio table).
# It ends with bench/ratios.py: vigil against each peer, per signature set.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(dirname "$HERE")
VIGIL=${VIGIL:-$TOP/build/vigil}
export BENCH_WORK=${BENCH_WORK:-/tmp/vigil-bench}

find_kit() {
  local d=$TOP
  [ -n "${VIGIL_BENCH_KIT:-}" ] && { echo "$VIGIL_BENCH_KIT"; return; }
  for _ in 1 2 3 4; do
    d=$(dirname "$d")
    [ -x "$d/shared/bench/run-peers.sh" ] && { echo "$d/shared/bench"; return; }
  done
  echo "bench/run.sh: the shared benchmark kit (shared/bench) is not beside the repository; set VIGIL_BENCH_KIT" >&2
  exit 2
}
KIT=$(find_kit)
[ -x "$VIGIL" ] || { echo "bench/run.sh: build vigil first (make build)" >&2; exit 2; }

# 1. corpus and signature sets (the kit builds them when missing; no tools run)
TOOLS=none RUNS=1 "$KIT/run-peers.sh" > /dev/null

# the same directory naming as run-peers.sh
if [[ ${QUICK:-0} == 1 ]]; then
  SIZE_MB=${SIZE_MB:-64}; SIGS=${SIGS:-1000,10000}; HASH=${HASH:-100000}
fi
SIZE_MB=${SIZE_MB:-1024}; SIGS=${SIGS:-1000,10000,100000}; HASH=${HASH:-1000000}
if [[ $SIZE_MB == 1024 && $SIGS == 1000,10000,100000 && $HASH == 1000000 ]]; then
  SIGDIR=$BENCH_WORK/sigs
else
  SIGDIR=$BENCH_WORK/sigs-${SIZE_MB}m-$(echo "$SIGS-$HASH" | md5sum | cut -c1-6)
fi

# 2. one image per set, compile time recorded
IMG=$BENCH_WORK/vigil-images
mkdir -p "$IMG"
: > "$IMG/compile-times.txt"
for d in "$SIGDIR"/clam/body-* "$SIGDIR"/clam/full; do
  [ -d "$d" ] || continue
  name=$(basename "$d")
  /usr/bin/time -f '%e %M' -o "$IMG/$name.time" "$VIGIL" db compile "$d" -o "$IMG/$name.vgdb" 2>/dev/null
  read -r secs rss < "$IMG/$name.time"
  echo "$name compile_s=$secs peak_rss_MiB=$((rss / 1024))" | tee -a "$IMG/compile-times.txt" >&2
done

# 3. the comparison, vigil as one more row; each run keeps its own CSV
export VIGIL VIGIL_IMAGES=$IMG
export OUTCSV=${OUTCSV:-$BENCH_WORK/results/run-$(date -u +%Y%m%dT%H%M%SZ).csv}
mkdir -p "$(dirname "$OUTCSV")"
ENGINE_NAME=${ENGINE_NAME:-vigil} \
ENGINE_CMD="$HERE/vigil-engine.sh {db} {threads} {corpus}" \
  "$KIT/run-peers.sh"
echo "vigil db compile:"; cat "$IMG/compile-times.txt"

# 4. the ratios (RATIOS_WITH=earlier.csv sets a partial run, TOOLS=engine
#    say, beside the peers of an earlier full one)
echo
python3 "$HERE/ratios.py" ${RATIOS_WITH:-} "$OUTCSV"
