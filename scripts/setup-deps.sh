#!/usr/bin/env bash
# setup-deps.sh - install the Debian packages vigil needs to build and test.
#
# A no-op when everything is present, so `make scan` and `make test` call it
# every time. Only Debian packages (and, for one client test, npm) are used.
# Usage: scripts/setup-deps.sh [build|test]   (default: test, which is a superset)
set -euo pipefail

what=${1:-test}

build_pkgs=(
  build-essential cmake pkg-config
  libhyperscan-dev libpcre2-dev libssl-dev libarchive-dev
  libseccomp-dev libcurl4-openssl-dev libsqlite3-dev
  zlib1g-dev libbz2-dev liblzma-dev libzstd-dev
)
# Peers, clients and tools the tests drive for real.
test_pkgs=(
  clang libclang-rt-14-dev
  clamav clamav-daemon clamdscan clamav-testfiles
  yara python3 python3-pyclamd libclamav-client-perl
  nginx
  zip unzip p7zip-full xz-utils zstd bzip2 cpio genisoimage gcab binutils time qpdf arj
  bc procps
  nsis
  systemd
)

pkgs=("${build_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${test_pkgs[@]}")

missing=()
# Node.js and npm are on the machine image (NodeSource build); Debian's npm
# package would conflict with it, so only install them when absent.
if [ "$what" = test ] && ! command -v npm >/dev/null 2>&1; then
  pkgs+=(nodejs npm)
fi
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-deps: installing ${missing[*]}" >&2
  SUDO=
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The Debian clamav packages enable freshclam and clamd services; vigil's
  # tests start their own instances and nothing may reach the network.
  for svc in clamav-freshclam clamav-daemon; do
    command -v systemctl >/dev/null 2>&1 && $SUDO systemctl disable --now "$svc" >/dev/null 2>&1 || true
  done
fi
# The npm clamscan module for the vigild client test, installed from the
# npm registry into the test's own directory (pinned by its lock file);
# nothing is fetched when the tests run.
if [ "$what" = test ]; then
  node_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/cli/node"
  if [ -f "$node_dir/package-lock.json" ] && [ ! -d "$node_dir/node_modules/clamscan" ]; then
    echo "setup-deps: installing the npm clamscan module for tests" >&2
    (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
fi
exit 0
