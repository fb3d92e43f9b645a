// The storage control plane against a real kite server: the default local-path StorageClass,
// dynamic provisioning of the chapter's claim (Bound to pvc-<uid> right after creation), binding
// of pre-created volumes, reclaim policies, and pvc-protection while a pod uses the claim.
import assert from "node:assert/strict";
import type { Agent } from "node:https";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { adminAgent, call } from "../support/http.js";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl } from "../support/kubectl.js";
import { eventually } from "../support/wait.js";

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../examples");
let k: KiteServer;
let agent: Agent;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

before(async () => {
  k = await startKite();
  agent = adminAgent(k);
  // A Ready node to place volumes on, as a registered agent would be.
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-s", labels: { "kubernetes.io/hostname": "node-s" } },
    status: {
      capacity: { cpu: "2", memory: "4Gi", pods: "110" },
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          lastHeartbeatTime: now(),
          lastTransitionTime: now(),
        },
      ],
    },
  };
  assert.equal((await call(k, agent, "POST", "/api/v1/nodes", node)).code, 201);
});
after(async () => {
  agent?.destroy();
  await k?.cleanup();
});

type Claim = {
  metadata: { uid: string; finalizers?: string[]; deletionTimestamp?: string };
  spec: { volumeName?: string; storageClassName?: string };
  status: { phase: string };
};
type Volume = {
  metadata: { name: string };
  spec: {
    hostPath?: { path: string };
    claimRef?: { name: string };
    persistentVolumeReclaimPolicy: string;
    nodeAffinity?: unknown;
  };
  status: { phase: string };
};

test("local-path is the default StorageClass", async () => {
  const r = await kubectl(k, "1.33", ["get", "storageclass"]);
  assert.match(
    r.stdout,
    /^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE/m,
  );
  assert.match(r.stdout, /^local-path \(default\)\s+kite\.io\/local-path\s+Delete\s+Immediate\s+false\s+/m);
});

test("the chapter's claim is Bound to pvc-<uid> right after creation, with its volume on the node", async () => {
  const c = await kubectl(k, "1.33", ["create", "-f", join(examples, "volume-claim.yaml")]);
  assert.equal(c.code, 0, c.stderr);
  const claim = await eventually(async () => {
    const cl = (
      await call(k, agent, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/my-data-claim")
    ).json<Claim>();
    return cl.status.phase === "Bound" ? cl : undefined;
  });
  assert.equal(claim.spec.volumeName, `pvc-${claim.metadata.uid}`);
  assert.equal(claim.spec.storageClassName, "local-path");
  assert.deepEqual(claim.metadata.finalizers, ["kubernetes.io/pvc-protection"]);
  const pvc = await kubectl(k, "1.33", ["get", "pvc"]);
  assert.match(
    pvc.stdout,
    new RegExp(`^my-data-claim\\s+Bound\\s+pvc-${claim.metadata.uid}\\s+2Gi\\s+RWO\\s+local-path\\s+`, "m"),
  );
  const pv = await kubectl(k, "1.33", ["get", "pv"]);
  assert.match(
    pv.stdout,
    new RegExp(
      `^pvc-${claim.metadata.uid}\\s+2Gi\\s+RWO\\s+Delete\\s+Bound\\s+default/my-data-claim\\s+local-path\\s+`,
      "m",
    ),
  );
  const vol = (
    await call(k, agent, "GET", `/api/v1/persistentvolumes/pvc-${claim.metadata.uid}`)
  ).json<Volume>();
  assert.equal(
    vol.spec.hostPath?.path,
    join(k.dataDir, "storage", `pvc-${claim.metadata.uid}_default_my-data-claim`),
  );
  assert.ok(vol.spec.nodeAffinity);
});

test("a claim in use by a pod stays Terminating until the pod is gone; then the volume goes (Delete)", async () => {
  const claim = (
    await call(k, agent, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/my-data-claim")
  ).json<Claim>();
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "user" },
    spec: {
      containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "d", mountPath: "/data" }] }],
      volumes: [{ name: "d", persistentVolumeClaim: { claimName: "my-data-claim" } }],
    },
  };
  assert.equal((await call(k, agent, "POST", "/api/v1/namespaces/default/pods", pod)).code, 201);
  const d = await kubectl(k, "1.33", ["delete", "pvc", "my-data-claim", "--wait=false"]);
  assert.equal(d.code, 0, d.stderr);
  await new Promise((r) => setTimeout(r, 1000));
  const st = await kubectl(k, "1.33", ["get", "pvc", "my-data-claim"]);
  assert.match(st.stdout, /my-data-claim\s+Terminating\s+/);
  await call(k, agent, "DELETE", "/api/v1/namespaces/default/pods/user", { gracePeriodSeconds: 0 });
  await eventually(
    async () =>
      (await call(k, agent, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/my-data-claim"))
        .code === 404,
  );
  await eventually(
    async () =>
      (await call(k, agent, "GET", `/api/v1/persistentvolumes/pvc-${claim.metadata.uid}`)).code === 404,
  );
});

test("a Retain class keeps the released volume", async () => {
  const sc = {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "keep" },
    provisioner: "kite.io/local-path",
    reclaimPolicy: "Retain",
  };
  assert.equal((await call(k, agent, "POST", "/apis/storage.k8s.io/v1/storageclasses", sc)).code, 201);
  const pvc = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "kept" },
    spec: {
      storageClassName: "keep",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    },
  };
  assert.equal(
    (await call(k, agent, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", pvc)).code,
    201,
  );
  const claim = await eventually(async () => {
    const cl = (
      await call(k, agent, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/kept")
    ).json<Claim>();
    return cl.status.phase === "Bound" ? cl : undefined;
  });
  await call(k, agent, "DELETE", "/api/v1/namespaces/default/persistentvolumeclaims/kept");
  const vol = await eventually(async () => {
    const v = (
      await call(k, agent, "GET", `/api/v1/persistentvolumes/pvc-${claim.metadata.uid}`)
    ).json<Volume>();
    return v.status.phase === "Released" ? v : undefined;
  });
  assert.equal(vol.spec.persistentVolumeReclaimPolicy, "Retain");
});

test("a pre-created volume is bound to a claim that fits it by size, access modes and class", async () => {
  const pv = {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name: "manual-5g", labels: { tier: "gold" } },
    spec: {
      capacity: { storage: "5Gi" },
      accessModes: ["ReadWriteOnce"],
      storageClassName: "",
      hostPath: { path: join(k.dataDir, "manual") },
    },
  };
  assert.equal((await call(k, agent, "POST", "/api/v1/persistentvolumes", pv)).code, 201);
  await eventually(
    async () =>
      (await call(k, agent, "GET", "/api/v1/persistentvolumes/manual-5g")).json<Volume>().status.phase ===
      "Available",
  );
  const pvc = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "wants-gold" },
    spec: {
      storageClassName: "",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "3Gi" } },
      selector: { matchLabels: { tier: "gold" } },
    },
  };
  assert.equal(
    (await call(k, agent, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", pvc)).code,
    201,
  );
  const claim = await eventually(async () => {
    const cl = (
      await call(k, agent, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/wants-gold")
    ).json<Claim>();
    return cl.status.phase === "Bound" ? cl : undefined;
  });
  assert.equal(claim.spec.volumeName, "manual-5g");
  const vol = (await call(k, agent, "GET", "/api/v1/persistentvolumes/manual-5g")).json<Volume>();
  assert.equal(vol.spec.claimRef?.name, "wants-gold");
  assert.equal(vol.status.phase, "Bound");
});

test("a claim for a class that does not exist stays Pending with a ProvisioningFailed event", async () => {
  const pvc = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "no-class" },
    spec: {
      storageClassName: "fast-ssd",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    },
  };
  assert.equal(
    (await call(k, agent, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", pvc)).code,
    201,
  );
  await eventually(async () => {
    const d = await kubectl(k, "1.33", ["describe", "pvc", "no-class"]);
    return /ProvisioningFailed\s+.*storageclass\.storage\.k8s\.io "fast-ssd" not found/.test(d.stdout);
  });
  const st = await kubectl(k, "1.33", ["get", "pvc", "no-class"]);
  assert.match(st.stdout, /no-class\s+Pending\s+/);
});

test("WaitForFirstConsumer: the claim waits for a pod, then its volume is placed on the pod's node", async () => {
  const sc = {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "wait" },
    provisioner: "kite.io/local-path",
    volumeBindingMode: "WaitForFirstConsumer",
  };
  assert.equal((await call(k, agent, "POST", "/apis/storage.k8s.io/v1/storageclasses", sc)).code, 201);
  const pvc = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "late-bind" },
    spec: {
      storageClassName: "wait",
      accessModes: ["ReadWriteOnce"],
      resources: { requests: { storage: "1Gi" } },
    },
  };
  assert.equal(
    (await call(k, agent, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", pvc)).code,
    201,
  );
  await eventually(async () => {
    const d = await kubectl(k, "1.33", ["describe", "pvc", "late-bind"]);
    return /WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/.test(d.stdout);
  });
  assert.equal(
    (await call(k, agent, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/late-bind")).json<Claim>()
      .status.phase,
    "Pending",
  );
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "consumer" },
    spec: {
      containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "d", mountPath: "/data" }] }],
      volumes: [{ name: "d", persistentVolumeClaim: { claimName: "late-bind" } }],
    },
  };
  assert.equal((await call(k, agent, "POST", "/api/v1/namespaces/default/pods", pod)).code, 201);
  const claim = await eventually(async () => {
    const cl = (
      await call(k, agent, "GET", "/api/v1/namespaces/default/persistentvolumeclaims/late-bind")
    ).json<Claim>();
    return cl.status.phase === "Bound" ? cl : undefined;
  });
  const vol = (await call(k, agent, "GET", `/api/v1/persistentvolumes/${claim.spec.volumeName}`)).json<{
    spec: {
      nodeAffinity: {
        required: { nodeSelectorTerms: Array<{ matchExpressions: Array<{ values: string[] }> }> };
      };
    };
  }>();
  assert.deepEqual(vol.spec.nodeAffinity.required.nodeSelectorTerms[0]!.matchExpressions[0]!.values, [
    "node-s",
  ]);
  await call(k, agent, "DELETE", "/api/v1/namespaces/default/pods/consumer", { gracePeriodSeconds: 0 });
});
