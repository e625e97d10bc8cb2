#!/usr/bin/env bash
# vigil-engine.sh DB_DIR THREADS PATH - the command bench/run.sh gives the kit:
# scan PATH with the image compiled from DB_DIR (by bench/run.sh), as a cold
# process. Prints "path: Name FOUND" lines for the kit's hit check.
set -eu
img=$VIGIL_IMAGES/$(basename "$1").vgdb
exec "$VIGIL" scan ${VIGIL_SCAN_FLAGS:-} -j "$2" -r -z -i --no-summary -d "$img" "$3"
