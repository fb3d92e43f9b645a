// Restart safety (issue 5, acceptance 6): ten pods under a real `kite server` with its embedded
// agent, `kill -9` of kite, changes on the node while it is down (a container exits, a pod object
// disappears), then a new start. Running pods are adopted, not recreated: same container IDs, same
// restartCount, one container per pod, Ready never flips; what happened while kite was down shows
// in the status within 5 s, and the pod the API no longer has is torn down.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import type { Pod, PodList } from "kubernetes-types/core/v1.js";
import { PodUIDLabel } from "../../src/agent/labels.js";
import { findResource, storageKey } from "../../src/api/registry.js";
import { openImageStore } from "../../src/image/store.js";
import { newCniNetwork } from "../../src/network/cni.js";
import { newOciRuntime } from "../../src/runtime/oci/oci-runtime.js";
import { openSqliteStore } from "../../src/store/sqlite/store.js";
import { startKite } from "../support/kite.js";
import { startTestRegistry } from "../support/registry.js";
import { eventually } from "../support/wait.js";
import { clientFor, cond, cs } from "./helpers.js";

function busybox(name: string, restartPolicy: string, script: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { suite: "restart" } },
    spec: {
      restartPolicy,
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "main",
          image: "busybox:latest",
          imagePullPolicy: "IfNotPresent",
          command: ["sh", "-c", `trap 'exit 0' TERM; ${script}`],
        },
      ],
    },
  };
}

/** Exits with `code` once /tmp/exit appears: the test makes it appear while kite is down. */
const exitOnMarker = (code: number) => `while [ ! -f /tmp/exit ]; do sleep 0.1; done; exit ${code}`;

test("kill -9 of kite with ten pods running, changes while it is down, then a new start", async (t) => {
  const registry = await startTestRegistry();
  t.after(() => registry.stop());
  const k = await startKite({ agent: { registriesYaml: registry.registriesYaml } });
  t.after(() => k.cleanup());
  let client = clientFor(k);
  t.after(() => client.close());
  const node = k.node!;
  // A second view of the same runtime state (the oci runtime keeps none in memory): what runs on
  // the host, whatever kite believes.
  const images = await openImageStore({ dataDir: k.dataDir });
  t.after(() => images.close());
  const runtime = newOciRuntime({
    rootDir: join(k.dataDir, "agent", "runtime"),
    images,
    network: newCniNetwork({
      bridge: node.bridge,
      clusterCIDR: node.clusterCIDR,
      podCIDR: node.podCIDR,
      stateDir: join(k.dataDir, "agent", "network"),
      cniBinDir: "/usr/lib/cni",
    }),
    netnsDir: node.netnsDir,
    cgroupParent: node.cgroupParent,
  });

  const steady = Array.from({ length: 7 }, (_, i) => busybox(`steady-${i}`, "Always", "sleep 3600 & wait"));
  const pods = [
    ...steady,
    busybox("exit-always", "Always", exitOnMarker(3)),
    busybox("exit-never", "Never", exitOnMarker(0)),
    busybox("gone", "Always", "sleep 3600 & wait"),
  ];
  const path = "/api/v1/namespaces/default/pods";
  for (const p of pods) await client.request("POST", path, p);
  const list = async () =>
    (await client.request<PodList>("GET", `${path}?labelSelector=suite%3Drestart`)).items;
  const before = new Map(
    (
      await eventually(async () => {
        const items = await list();
        return items.length === 10 && items.every((p) => cond(p, "Ready") === "True") && items;
      }, 90_000)
    ).map((p) => [p.metadata?.name ?? "", p]),
  );
  const idOf = (p: Pod | undefined) => (cs(p as Pod, "main")?.containerID ?? "").replace(/^\w+:\/\//, "");
  const running = async () => (await runtime.listContainers()).filter((c) => c.state === "CONTAINER_RUNNING");
  assert.equal((await running()).length, 10);

  await k.kill();
  client.close();

  // While kite is down: two containers exit, and one pod's object goes from the store (as a
  // force delete by another client would leave it; the API is down, so straight in the database).
  for (const name of ["exit-always", "exit-never"]) {
    const r = await runtime.execSync(idOf(before.get(name)), ["touch", "/tmp/exit"], 5);
    assert.equal(r.exitCode, 0, r.stderr);
  }
  await eventually(async () => (await running()).length === 8);
  const gone = before.get("gone") as Pod;
  const store = openSqliteStore({ file: join(k.dataDir, "server", "db", "state.db"), compactIntervalMs: 0 });
  await store.delete(storageKey(findResource("", "v1", "pods")!, "default", "gone"));
  await store.close();

  const restarted = Date.now();
  await k.restart();
  client = clientFor(k);
  // Every status write from here on, seen through a watch: Ready must never flip for the pods
  // that kept running.
  const seen: Pod[] = [];
  const rv = (await client.request<PodList>("GET", `${path}?labelSelector=suite%3Drestart`)).metadata
    ?.resourceVersion;
  const w = client.watch<Pod>(`${path}?watch=1&labelSelector=suite%3Drestart&resourceVersion=${rv}`, (ev) => {
    if (ev.type === "MODIFIED" || ev.type === "ADDED") seen.push(ev.object);
  });
  t.after(() => w.stop());

  // Reconciled within 5 s of the restart: the exit under Always restarted once with lastState
  // exit 3, the one under Never is Succeeded, and the pod the API lost is gone from the runtime.
  const after = await eventually(
    async () => {
      const items = new Map((await list()).map((p) => [p.metadata?.name ?? "", p]));
      const a = items.get("exit-always");
      const n = items.get("exit-never");
      const ok =
        a &&
        cs(a, "main")?.restartCount === 1 &&
        cs(a, "main")?.lastState?.terminated?.exitCode === 3 &&
        cond(a, "Ready") === "True" &&
        n?.status?.phase === "Succeeded";
      return ok && items;
    },
    15_000,
    50,
  );
  const reconcileMs = Date.now() - restarted;
  t.diagnostic(`kill -9 -> restart -> status reconciled: ${reconcileMs} ms`);
  assert.ok(reconcileMs <= 5000, `reconciled after ${reconcileMs} ms`);
  assert.equal(after.size, 9);
  assert.equal(cs(after.get("exit-never") as Pod, "main")?.state?.terminated?.exitCode, 0);
  assert.equal(cs(after.get("exit-never") as Pod, "main")?.state?.terminated?.reason, "Completed");
  await eventually(async () => {
    const left = await runtime.listPodSandbox({ labelSelector: { [PodUIDLabel]: gone.metadata?.uid ?? "" } });
    return left.length === 0;
  }, 15_000);

  // The untouched pods: adopted as they were.
  for (const p of steady) {
    const name = p.metadata?.name ?? "";
    const now = after.get(name) as Pod;
    assert.equal(cs(now, "main")?.containerID, cs(before.get(name) as Pod, "main")?.containerID, name);
    assert.equal(cs(now, "main")?.restartCount, 0, name);
    assert.equal(cond(now, "Ready"), "True", name);
    assert.equal(now.status?.podIP, before.get(name)?.status?.podIP, name);
  }
  // One running container per live pod, none duplicated, none left of the deleted one.
  await new Promise((r) => setTimeout(r, 2000));
  const live = await running();
  const perPod = new Map<string, number>();
  for (const c of live)
    perPod.set(c.labels[PodUIDLabel] ?? "", (perPod.get(c.labels[PodUIDLabel] ?? "") ?? 0) + 1);
  assert.equal(live.length, 8, JSON.stringify([...perPod]));
  for (const [uid, n] of perPod) assert.equal(n, 1, uid);
  assert.equal(perPod.has(gone.metadata?.uid ?? ""), false);
  const sandboxes = new Map<string, number>();
  for (const s of await runtime.listPodSandbox()) {
    const uid = s.labels[PodUIDLabel] ?? "";
    if (s.state === "SANDBOX_READY") sandboxes.set(uid, (sandboxes.get(uid) ?? 0) + 1);
  }
  for (const p of [...steady.map((x) => x.metadata?.name ?? ""), "exit-always"])
    assert.equal(sandboxes.get(after.get(p)?.metadata?.uid ?? ""), 1, p);
  for (const p of seen) {
    const name = p.metadata?.name ?? "";
    if (name.startsWith("steady-")) assert.equal(cond(p, "Ready"), "True", `${name} went unready`);
  }
  t.diagnostic(`status writes seen after the restart: ${seen.length}`);
});
