#!/usr/bin/env bash
# vigild-vs-clamd.sh - vigild beside clamd on the same signatures and corpus:
# MULTISCAN (the daemon walks and opens the files) and INSTREAM (clients send
# the bytes over parallel connections), MB/s and the ratio vigild/clamd.
# Not a test: a benchmark (machines are shared and noisy; read ratios).
#
# The corpus and signature sets come from the shared benchmark kit
# (make-corpus.sh, gen-sigs.py in $VIGIL_SHARED_DIR/bench, else ../shared/bench
# beside the repository), built once in BENCH_WORK.
#
# usage: bench/vigild-vs-clamd.sh
# env:   SIZE_MB (64)  SIGS (10000: body signatures)  HASH (100000)  THREADS (2)
#        CLIENTS (4: parallel INSTREAM connections)  RUNS (3: median of)
#        BUILD (build: where vigild is)  BENCH_WORK (/tmp/vigil-bench)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
SHARED=${VIGIL_SHARED_DIR:-$TOP/../shared}
KIT=$SHARED/bench
BUILD=${BUILD:-$TOP/build}
SIZE_MB=${SIZE_MB:-64}; SIGS=${SIGS:-10000}; HASH=${HASH:-100000}
THREADS=${THREADS:-2}; CLIENTS=${CLIENTS:-4}; RUNS=${RUNS:-3}
BENCH_WORK=${BENCH_WORK:-/tmp/vigil-bench}
PY=/usr/bin/python3
export BENCH_WORK

for c in clamd clamdscan "$BUILD/vigild"; do
  command -v "$c" >/dev/null || [ -x "$c" ] || { echo "missing $c (build vigil; apt-get install clamav-daemon clamdscan)" >&2; exit 2; }
done
[ -x "$KIT/make-corpus.sh" ] || { echo "benchmark kit not found in $KIT (set VIGIL_SHARED_DIR)" >&2; exit 2; }

CORPUS=$BENCH_WORK/corpus-$SIZE_MB
SIGDIR=$BENCH_WORK/sigs-$SIZE_MB
T=$(mktemp -d "$BENCH_WORK/vigild-bench.XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
mkdir -p "$BENCH_WORK"
if [ ! -f "$CORPUS.manifest" ]; then SIZE_MB=$SIZE_MB "$KIT/make-corpus.sh" "$CORPUS" >&2; fi
if [ ! -f "$SIGDIR/expected-hits.tsv" ] || [ ! -d "$CORPUS/planted" ]; then
  $PY "$KIT/gen-sigs.py" --out "$SIGDIR" --corpus "$CORPUS" --hash-count "$HASH" --body-counts "$SIGS" >&2
fi
tag=$SIGS; (( SIGS % 1000 == 0 )) && tag=$((SIGS / 1000))k
DB=$T/db; mkdir -p "$DB"
cp "$SIGDIR/clam/body-$tag/"* "$SIGDIR/clam/hash/"* "$DB/"
BYTES=$(find "$CORPUS" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
find "$CORPUS" -type f -print0 | xargs -0 cat > /dev/null   # page cache

common="MaxThreads $((THREADS + 1))
MaxQueue 400
MaxFileSize 2000M
MaxScanSize 4000M
MaxScanTime 0
MaxFiles 100000
StreamMaxLength 2000M
ReadTimeout 300
SelfCheck 0
Foreground yes"
cat > "$T/clamd.conf" <<EOF
LocalSocket $T/clamd.sock
DatabaseDirectory $DB
TemporaryDirectory $T
LogFile $T/clamd.log
DisableCache yes
$common
EOF
cat > "$T/vigild.conf" <<EOF
LocalSocket $T/vigild.sock
Database $DB
LogFile $T/vigild.log
StreamMemoryLimit 4G
MaxConnections 4096
$common
EOF

start() {  # NAME CMD... ; waits until the daemon answers PING; sets LOAD (s) and PID
  local name=$1 sock=$T/$1.sock t0 t1; shift
  t0=$(date +%s.%N); "$@" > "$T/$name.out" 2>&1 & PID=$!; PIDS+=($PID)
  for ((k = 0; k < 6000; k++)); do
    $PY -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'zPING\0'); sys.exit(s.recv(8)!=b'PONG\0')" "$sock" 2>/dev/null && break
    sleep 0.05
  done
  t1=$(date +%s.%N); LOAD=$(echo "$t1 - $t0" | bc)
}

# INSTREAM driver: CLIENTS connections in parallel over every corpus file.
cat > "$T/instream.py" <<'EOF'
import os, socket, struct, sys, threading, time
sock, corpus, clients = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs)
lock = threading.Lock(); found = []; errors = []; idx = [0]
def work():
    while True:
        with lock:
            if idx[0] >= len(files): return
            p = files[idx[0]]; idx[0] += 1
        s = socket.socket(socket.AF_UNIX); s.connect(sock); s.sendall(b"zINSTREAM\0")
        with open(p, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b: break
                s.sendall(struct.pack(">I", len(b)) + b)
        s.sendall(b"\0\0\0\0"); r = b""
        while True:
            d = s.recv(4096)
            if not d: break
            r += d
        s.close()
        for line in r.split(b"\0"):
            if line.endswith(b" FOUND"): found.append("%s: %s" % (p, line[8:-6].decode()))
            elif line.endswith(b" ERROR"): errors.append(p)
t0 = time.time(); ts = [threading.Thread(target=work) for _ in range(clients)]
for t in ts: t.start()
for t in ts: t.join()
print("%.3f %d %d" % (time.time() - t0, len(found), len(errors)))
EOF

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
multiscan() {  # NAME -> seconds (median), detections
  local conf=$T/$1-client.conf secs=()
  echo "LocalSocket $T/$1.sock" > "$conf"
  for ((r = 0; r < RUNS; r++)); do
    t0=$(date +%s.%N); clamdscan -c "$conf" -m --no-summary -i "$CORPUS" > "$T/$1.multi" 2>/dev/null || true; t1=$(date +%s.%N)
    secs+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${secs[@]}" | median
}
instream() {
  local secs=()
  for ((r = 0; r < RUNS; r++)); do
    read -r s n e < <($PY "$T/instream.py" "$T/$1.sock" "$CORPUS" "$CLIENTS"); secs+=("$s")
    echo "$n $e" > "$T/$1.instream"
  done
  printf '%s\n' "${secs[@]}" | median
}
mbs() { echo "scale=1; $BYTES / 1048576 / $1" | bc; }

echo "corpus: $CORPUS ($((BYTES / 1048576)) MiB, $(find "$CORPUS" -type f | wc -l) files); signatures: $SIGS body + $HASH hash; $THREADS threads; $CLIENTS INSTREAM clients" >&2
start clamd clamd --config-file="$T/clamd.conf"; Lc=$LOAD
Mc=$(multiscan clamd); Ic=$(instream clamd)
kill "$PID"; wait "$PID" 2>/dev/null || true
start vigild "$BUILD/vigild" -F -c "$T/vigild.conf"; Lv=$LOAD
Mv=$(multiscan vigild); Iv=$(instream vigild)

printf '\n%-10s %10s %16s %16s %14s\n' daemon "load s" "MULTISCAN MB/s" "INSTREAM MB/s" "hits (m / i)"
for d in clamd vigild; do
  if [ $d = clamd ]; then L=$Lc M=$Mc I=$Ic; else L=$Lv M=$Mv I=$Iv; fi
  printf '%-10s %10.2f %16s %16s %14s\n' $d "$L" "$(mbs "$M")" "$(mbs "$I")" \
    "$(grep -c FOUND "$T/$d.multi" || true) / $(cut -d' ' -f1 "$T/$d.instream")"
done
printf '\nvigild / clamd: MULTISCAN %.1fx, INSTREAM %.1fx\n' "$(echo "$Mc / $Mv" | bc -l)" "$(echo "$Ic / $Iv" | bc -l)"
