// What the podman comparisons share (bench/runtime, bench/agent).

/**
 * podman's OCI runtime here: runc, after lowering the rlimits podman asks for (RLIMIT_NPROC and
 * RLIMIT_NOFILE for a pod's infra container) to the caller's hard limits. See bench/runtime/README.md.
 */
export const PODMAN_RUNC_WRAPPER = `#!/bin/sh
# podman 4.3 sets RLIMIT_NPROC and RLIMIT_NOFILE for a pod's infra container above the caller's hard
# limits on these machines, and runc's setrlimit then fails with EPERM. Clamp every rlimit in the
# bundle's config.json to this process's hard limit, then run runc.
bundle=
prev=
for a in "$@"; do
  case "$prev" in --bundle|-b) bundle=$a ;; esac
  case "$a" in --bundle=*) bundle=\${a#--bundle=} ;; esac
  prev=$a
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  /usr/bin/python3 - "$bundle/config.json" <<'EOF'
import json, resource, sys
p = sys.argv[1]
c = json.load(open(p))
changed = False
for r in c.get("process", {}).get("rlimits") or []:
    res = getattr(resource, r.get("type", ""), None)
    if res is None:
        continue
    hard = resource.getrlimit(res)[1]
    if hard != resource.RLIM_INFINITY and r["hard"] > hard:
        r["hard"] = hard
        r["soft"] = min(r["soft"], hard)
        changed = True
if changed:
    json.dump(c, open(p, "w"))
EOF
fi
exec /usr/sbin/runc "$@"
`;
