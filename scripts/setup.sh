#!/usr/bin/env bash
# Installs what kite needs on a Debian 12 machine (as root): the Debian packages it execs,
# the npm dependencies, and the build. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages kite and its tests exec (see docs/architecture.md, "Real components").
packages=(
  build-essential python3            # better-sqlite3 is compiled from source (no prebuilt download here)
  ca-certificates openssl curl iproute2 iptables util-linux procps
  runc crun conmon catatonit containernetworking-plugins
  busybox-static docker-registry skopeo umoci mmdebstrap
  tmux
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci only when the lockfile changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-fund --no-audit --loglevel=error
fi

echo "setup: building"
npm run --silent build
