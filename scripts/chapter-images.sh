#!/usr/bin/env bash
# Makes the chapter's images available to kite without a public registry: builds busybox (from
# Debian's busybox-static) and a real nginx (nginx-light via mmdebstrap) as the tests do, names them
# as Docker Hub would (nginx:alpine, busybox:latest, alpine:latest) and imports them with
# `kite images import`, the way an offline user brings images in.
#   ./scripts/chapter-images.sh [DATA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR=${1:-/var/lib/kite}
layout=$(node --input-type=module -e '
  const { ensureTestImages } = await import("./dist/test/support/registry.js");
  console.log((await ensureTestImages()).ociLayout);')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pair in nginx=docker.io/library/nginx:alpine busybox=docker.io/library/busybox:latest busybox=docker.io/library/alpine:latest; do
  tag=${pair%%=*}
  name=${pair#*=}
  archive="$tmp/$(echo "$name" | tr '/:' '__').tar"
  skopeo copy --quiet "oci:$layout:$tag" "docker-archive:$archive:$name"
  ./bin/kite images --data-dir "$DATA_DIR" import "$archive" >/dev/null
  echo "imported $name"
done
