#!/usr/bin/env bash
# sandbox-cost.sh - what the sandbox costs: `vigil scan` through sandboxed
# worker processes (the default) against `vigil scan --no-sandbox`, on the
# shared benchmark corpus with one of its signature sets compiled into a
# database image. Prints both throughputs and their ratio (the design asks
# for >= 90 %), and checks that both runs report the same detections.
#
# The two variants run alternately (A B A B ...) so that a noisy machine
# slows both alike; the figure is the ratio of the medians. Not a test:
# nothing here fails on a slow machine.
#
# usage:  bench/sandbox-cost.sh            (QUICK sizes: 64 MiB corpus, 10k body signatures)
# env:    VIGIL      the vigil binary (default: build/vigil beside this script's repository)
#         BENCH_KIT  the shared benchmark kit (make-corpus.sh, gen-sigs.py); default: VG_SHARED/bench,
#                    or shared/bench beside the repository or one of its parents
#         BENCH_WORK work directory of the kit (default /tmp/vigil-bench: corpora are shared with run-peers.sh)
#         SIZE_MB    corpus size (64)   SET   body set: min (EICAR only), 1k, 10k, full (10k)   RUNS  runs per variant (5)
#         THREADS    -j for vigil scan (2)
#         REPEAT     name the corpus this many times on one command line (5): longer runs, steadier
#                    figures once the engine is fast
#         CORPUS_DIR scan this directory instead of the kit's corpus (e.g. many small files, where the
#                    per-file cost of the sandbox shows most); the signatures still come from the kit
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
VIGIL=${VIGIL:-$REPO/build/vigil}
KIT=${BENCH_KIT:-${VG_SHARED:+$VG_SHARED/bench}}
if [[ -z $KIT ]]; then   # shared/bench beside the repository, or beside a parent of it
  d=$REPO
  for _ in 1 2 3 4; do
    d=$(dirname "$d")
    [[ -x $d/shared/bench/make-corpus.sh ]] && { KIT=$d/shared/bench; break; }
  done
fi
WORK=${BENCH_WORK:-/tmp/vigil-bench}; export BENCH_WORK=$WORK
SIZE_MB=${SIZE_MB:-64}; SET=${SET:-10k}; RUNS=${RUNS:-5}; THREADS=${THREADS:-2}; REPEAT=${REPEAT:-5}
SIGS=${SIGS:-1000,10000}; HASH=${HASH:-100000}
PY=/usr/bin/python3
log() { printf '%s\n' "$*" >&2; }

[[ -x $VIGIL ]] || { log "no vigil binary at $VIGIL (set VIGIL)"; exit 2; }
[[ -n $KIT && -x $KIT/make-corpus.sh ]] || { log "no benchmark kit found (set BENCH_KIT)"; exit 2; }
"$VIGIL" scan --help 2>&1 | grep -q -- --no-sandbox || { log "$VIGIL scan has no --no-sandbox"; exit 2; }

# the same corpus and signature directories as run-peers.sh with these sizes
TAG="${SIZE_MB}m"
CORPUS=$WORK/corpus-$TAG
SIGDIR=$WORK/sigs-$TAG-$(echo "$SIGS-$HASH" | md5sum | cut -c1-6)
mkdir -p "$WORK"
if [[ ! -f $CORPUS.manifest ]]; then
  log "building corpus $CORPUS ($SIZE_MB MiB)"
  SIZE_MB=$SIZE_MB "$KIT/make-corpus.sh" "$CORPUS" >&2 || exit 2
fi
if [[ ! -f $SIGDIR/expected-hits.tsv || ! -d $CORPUS/planted ]]; then
  log "generating signatures $SIGDIR"
  $PY "$KIT/gen-sigs.py" --out "$SIGDIR" --corpus "$CORPUS" --hash-count "$HASH" --body-counts "$SIGS" >&2 || exit 2
fi
SRC=$SIGDIR/clam/body-$SET; [[ $SET == full || $SET == min ]] && SRC=$SIGDIR/clam/$SET
[[ -d $SRC ]] || { log "no signature set $SRC"; exit 2; }
CORPUS=${CORPUS_DIR:-$CORPUS}

T=$(mktemp -d "$WORK/sandbox-cost.XXXXXX")
trap 'rm -rf "$T"' EXIT
IMG=$T/db.vgdb
"$VIGIL" db compile "$SRC" -o "$IMG" >&2 || { log "vigil db compile failed"; exit 2; }
TARGETS=(); for ((i = 0; i < REPEAT; i++)); do TARGETS+=("$CORPUS"); done
BYTES=$(( $(find "$CORPUS" -type f -printf '%s\n' | awk '{s+=$1} END {print s}') * REPEAT ))
NFILES=$(find "$CORPUS" -type f | wc -l)
find "$CORPUS" -type f -print0 | xargs -0 cat > /dev/null   # page cache

run() { # variant -> "wall cpu" seconds on stdout (cpu: user+sys of vigil and all its
         # processes, workers included), detections in $T/<variant>.out
  local v=$1 w u s flag=()
  [[ $v == nosandbox ]] && flag=(--no-sandbox)
  /usr/bin/time -f '%e %U %S' -o "$T/time" \
    "$VIGIL" scan "${flag[@]}" -r -i --no-summary -j "$THREADS" -d "$IMG" "${TARGETS[@]}" > "$T/$v.out" 2> "$T/$v.err"
  read -r w u s < <(tail -1 "$T/time")
  echo "$w $(echo "$u + $s" | bc)"
}
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

log "corpus $CORPUS x $REPEAT: $NFILES files, $BYTES bytes in all; set $SET; $RUNS runs each, -j $THREADS"
run sandbox > /dev/null; run nosandbox > /dev/null   # warm-up, untimed
A=(); B=(); CA=(); CB=()
for ((i = 0; i < RUNS; i++)); do
  read -r w c < <(run sandbox); A+=("$w"); CA+=("$c")
  read -r w c < <(run nosandbox); B+=("$w"); CB+=("$c")
done
if ! diff <(sort "$T/sandbox.out") <(sort "$T/nosandbox.out") > "$T/diff"; then
  log "detections differ between the two modes:"; head -20 "$T/diff" >&2; exit 1
fi
SA=$(med "${A[@]}"); SB=$(med "${B[@]}"); CPA=$(med "${CA[@]}"); CPB=$(med "${CB[@]}")
MBA=$(echo "scale=1; $BYTES / 1000000 / $SA" | bc)
MBB=$(echo "scale=1; $BYTES / 1000000 / $SB" | bc)
RATIO=$(echo "scale=1; 100 * $SB / $SA" | bc)
CRATIO=$(echo "scale=1; 100 * $CPA / $CPB" | bc)
printf '%-20s %8s %8s %8s   wall of each run\n' "mode" "wall s" "MB/s" "cpu s"
printf '%-20s %8.2f %8s %8.2f   %s\n' "sandbox (default)" "$SA" "$MBA" "$CPA" "${A[*]}"
printf '%-20s %8.2f %8s %8.2f   %s\n' "--no-sandbox" "$SB" "$MBB" "$CPB" "${B[*]}"
printf 'sandboxed throughput = %s %% of --no-sandbox; CPU time %s %% of it (%d detections, same in both)\n' \
  "$RATIO" "$CRATIO" "$(wc -l < "$T/sandbox.out")"
