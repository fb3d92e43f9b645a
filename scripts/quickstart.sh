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
  if running; then
    pid=$(cat "$PIDFILE")
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    echo "kite (pid $pid) stopped"
  else
    echo "kite is not running"
  fi
  if [[ "${2:-}" == "--purge" ]]; then
    rm -rf "$DATA_DIR" "$KUBECONFIG_FILE"
    echo "removed $DATA_DIR and $KUBECONFIG_FILE"
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
kubectl get pod web-pod >/dev/null 2>&1 || kubectl create -f examples/pod.yaml
kubectl get pods
cat <<TXT

kite is running (log: $LOG). Next:
  export KUBECONFIG=$KUBECONFIG_FILE
  kubectl describe pod/web-pod
  kubectl delete po/web-pod
  ./scripts/quickstart.sh stop [--purge]
TXT
