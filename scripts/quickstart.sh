#!/usr/bin/env bash
# The README's first command: installs what is missing, starts kite in the background (once),
# creates the chapter's pod and shows it. Run again, it does no harm.
#   ./scripts/quickstart.sh            start (or reuse) kite and create examples/pod.yaml
#   ./scripts/quickstart.sh stop       stop the kite it started
#   ./scripts/quickstart.sh stop --purge   …and remove its data dir and kubeconfig
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR=${KITE_DATA_DIR:-/var/lib/kite}
KUBECONFIG_FILE=${KITE_KUBECONFIG:-/etc/kite/kubeconfig.yaml}
LOG=${KITE_LOG:-/var/log/kite.log}
PIDFILE="$DATA_DIR/server/kite.pid"

running() { [[ -f "$PIDFILE" ]] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

if [[ "${1:-}" == "stop" ]]; then
  if [[ "${2:-}" == "--purge" ]] && running; then
    # Pods first, so their containers, mounts and network go with them.
    KUBECONFIG="$KUBECONFIG_FILE" kubectl delete pods --all --all-namespaces --grace-period=1 --timeout=60s >/dev/null || true
  fi
  if running; then
    pid=$(cat "$PIDFILE")
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    echo "kite (pid $pid) stopped"
  else
    echo "kite is not running"
  fi
  if [[ "${2:-}" == "--purge" ]]; then
    node --input-type=module -e '
      const { removeNetwork, defaultNetworkConfig } = await import("./dist/src/network/cni.js");
      await removeNetwork(defaultNetworkConfig(process.argv[1] + "/agent/network"));' "$DATA_DIR" || true
    # The pods' parent cgroup, now empty (cgroupfs dirs go with rmdir).
    for d in /sys/fs/cgroup/*/kite /sys/fs/cgroup/kite; do [[ -d "$d" ]] && rmdir "$d" 2>/dev/null || true; done
    rm -rf "$DATA_DIR" "$KUBECONFIG_FILE"
    echo "removed $DATA_DIR, $KUBECONFIG_FILE, the kite0 bridge and kite's cgroups"
  fi
  exit 0
fi

./scripts/setup.sh
if ! running; then
  mkdir -p "$(dirname "$LOG")"
  nohup ./bin/kite server --data-dir "$DATA_DIR" --write-kubeconfig "$KUBECONFIG_FILE" >>"$LOG" 2>&1 &
  for _ in $(seq 1 100); do
    [[ -f "$KUBECONFIG_FILE" ]] && grep -q '"kite is ready"' "$LOG" 2>/dev/null && break
    sleep 0.1
  done
fi
export KUBECONFIG="$KUBECONFIG_FILE"
# The chapter's images: pulled where Docker Hub (or a mirror in /etc/kite/registries.yaml) is
# reachable, else built from Debian packages and imported, as an offline user would.
if ! ./bin/kite images --data-dir "$DATA_DIR" inspect docker.io/library/nginx:alpine >/dev/null 2>&1; then
  if ! timeout 60 ./bin/kite images --data-dir "$DATA_DIR" pull nginx:alpine >/dev/null 2>&1; then
    echo "quickstart: no registry reachable; building the chapter's images from Debian packages"
    ./scripts/chapter-images.sh "$DATA_DIR"
  fi
fi
kubectl get pod web-pod >/dev/null 2>&1 || kubectl create -f examples/pod.yaml
kubectl wait --for=condition=Ready pod/web-pod --timeout=120s >/dev/null || true
kubectl get pods
cat <<TXT

kite is running (log: $LOG). Next:
  export KUBECONFIG=$KUBECONFIG_FILE
  kubectl describe pod/web-pod
  kubectl exec -it web-pod -- /bin/sh
  kite inspect pod web-pod          (./bin/kite here: the pause process, namespaces, veth, cgroups)
  kubectl delete po/web-pod
  docs/walkthrough.md               the rest of the chapter: the claim, the pause + main pod
  ./scripts/quickstart.sh stop [--purge]
TXT
