// What the podman comparisons share (bench/runtime, bench/agent).
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

/**
 * podman's OCI runtime here: runc, after lowering the rlimits podman asks for (RLIMIT_NPROC and
 * RLIMIT_NOFILE for a pod's infra container) to the caller's hard limits. See bench/runtime/README.md.
 */
export const PODMAN_RUNC_WRAPPER = `#!/bin/sh
# podman 4.3 sets RLIMIT_NPROC and RLIMIT_NOFILE for a pod's infra container (and for an exec'd
# process) above the caller's hard limits on these machines, and runc's setrlimit then fails with
# EPERM. Clamp every rlimit in the bundle's config.json, or in runc exec's --process file, to this
# process's hard limit, then run runc.
bundle=
process=
prev=
for a in "$@"; do
  case "$prev" in --bundle|-b) bundle=$a ;; --process|-p) process=$a ;; esac
  case "$a" in --bundle=*) bundle=\${a#--bundle=} ;; --process=*) process=\${a#--process=} ;; esac
  prev=$a
done
spec=
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then spec=$bundle/config.json; fi
if [ -n "$process" ] && [ -f "$process" ]; then spec=$process; fi
if [ -n "$spec" ]; then
  /usr/bin/python3 - "$spec" <<'EOF'
import json, resource, sys
p = sys.argv[1]
c = json.load(open(p))
changed = False
# config.json holds the process under "process"; runc exec's --process file is the process itself
for r in (c["process"] if "process" in c else c).get("rlimits") or []:
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

/**
 * podman with a private store under `work` and the wrapper above as its runtime, or undefined where
 * Debian's podman is not installed. `run` rejects with podman's stderr.
 */
export function privatePodman(
  work: string,
): { run(args: string[]): Promise<{ stdout: string; stderr: string }>; reset(): Promise<void> } | undefined {
  const bin = "/usr/bin/podman";
  if (!fs.existsSync(bin)) return undefined;
  const root = path.join(work, "podman");
  const wrapper = path.join(work, "runc-without-nproc");
  fs.writeFileSync(wrapper, PODMAN_RUNC_WRAPPER, { mode: 0o755 });
  const global = [
    ...[
      "--root",
      path.join(root, "storage"),
      "--runroot",
      path.join(root, "run"),
      "--tmpdir",
      path.join(root, "tmp"),
    ],
    ...[
      "--runtime",
      wrapper,
      "--cgroup-manager",
      "cgroupfs",
      "--events-backend",
      "file",
      "--storage-driver",
      "overlay",
    ],
  ];
  const run = (args: string[]) =>
    execFileP(bin, [...global, ...args], { maxBuffer: 64 << 20 }).catch((err: { stderr?: string }) => {
      throw new Error(`podman ${args.join(" ")}: ${err.stderr ?? String(err)}`);
    });
  return {
    run,
    /** Removes every pod, the store, and the overlay mounts podman leaves behind. */
    async reset() {
      await run(["pod", "rm", "-a", "-f", "-t", "0"]).catch(() => {});
      await run(["system", "reset", "-f"]).catch(() => {});
      await execFileP("umount", ["-R", path.join(root, "storage", "overlay")]).catch(() => {});
    },
  };
}
