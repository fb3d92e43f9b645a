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
  tmux socat                        # socat: port-forward into a pod's network namespace
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

# kubectl: Debian's kubernetes-client (1.20) where the machine has none; where it has one, the
# tests still drive 1.20 too, unpacked beside the cache (installing it would clash with that kubectl).
kubectl120=/var/cache/kite-test/kubectl-1.20/usr/bin/kubectl
if ! command -v kubectl >/dev/null; then
  echo "setup: installing Debian's kubernetes-client (kubectl 1.20)"
  apt-get update -qq && apt-get install -y -qq --no-install-recommends kubernetes-client >/dev/null
elif [[ ! -x "$kubectl120" ]]; then
  echo "setup: unpacking kubectl 1.20 from Debian's kubernetes-client for the tests"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -qq kubernetes-client 2>/dev/null || { apt-get update -qq && apt-get download -qq kubernetes-client; })
  mkdir -p "$(dirname "$(dirname "$(dirname "$kubectl120")")")"
  dpkg-deb -x "$tmp"/kubernetes-client_*.deb "$(dirname "$(dirname "$(dirname "$kubectl120")")")"
  rm -rf "$tmp"
fi

# npm ci only when the lockfile changed since the last install.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: npm ci"
  npm ci --no-fund --no-audit --loglevel=error
fi

echo "setup: building"
npm run --silent build
