// Pod volumes end to end, against a real `kite server` with its embedded agent and real kubectl:
// the chapter's claim and pod (a file survives deleting and re-creating the pod, and a restart of
// kite), the claim's reclaiming (PV and directory go once claim and pod are deleted), emptyDir
// shared between containers and on tmpfs, a configMap update reaching a running pod, a subPath
// symlink escape refused, an unsupported volume type reported.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl } from "../support/kubectl.js";
import { startTestRegistry, type TestRegistry } from "../support/registry.js";
import { eventually } from "../support/wait.js";

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../examples");
let registry: TestRegistry;
let k: KiteServer;
before(async () => {
  registry = await startTestRegistry();
  k = await startKite({ agent: { registriesYaml: registry.registriesYaml } });
});
after(async () => {
  try {
    await k?.cleanup();
  } finally {
    await registry?.stop();
  }
});

const kc = (args: string[], input?: string, timeoutMs = 60_000) =>
  kubectl(k, "1.33", args, { input, timeoutMs });

async function waitReady(pod: string): Promise<void> {
  const w = await kc(["wait", "--for=condition=Ready", `pod/${pod}`, "--timeout=90s"], undefined, 100_000);
  assert.equal(w.code, 0, `${w.stderr}\n${(await kc(["describe", "pod", pod])).stdout}`);
}

async function events(pod: string): Promise<string> {
  return (
    await kc([
      "get",
      "events",
      "--field-selector",
      `involvedObject.name=${pod}`,
      "-o",
      "custom-columns=REASON:.reason,MESSAGE:.message",
    ])
  ).stdout;
}

test("the chapter: a file written to the claim's volume survives deleting and re-creating the pod", async () => {
  const claim = await kc(["create", "-f", join(examples, "volume-claim.yaml")]);
  assert.equal(claim.stdout.trim(), "persistentvolumeclaim/my-data-claim created", claim.stderr);
  const pod = await kc(["create", "-f", join(examples, "pod-with-vol.yaml")]);
  assert.equal(pod.code, 0, pod.stderr);
  await waitReady("web-pod");
  const write = await kc(["exec", "web-pod", "--", "sh", "-c", 'echo "Hello world!" > /data/sample.txt']);
  assert.equal(write.code, 0, write.stderr);

  // The bytes are in the volume's directory on the host, not in the container's layer.
  const uid = JSON.parse((await kc(["get", "pvc", "my-data-claim", "-o", "json"])).stdout).metadata.uid;
  const dir = join(k.dataDir, "storage", `pvc-${uid}_default_my-data-claim`);
  assert.equal(readFileSync(join(dir, "sample.txt"), "utf8"), "Hello world!\n");

  const del = await kc(["delete", "po/web-pod", "--grace-period=1"]);
  assert.equal(del.code, 0, del.stderr);
  assert.equal((await kc(["create", "-f", join(examples, "pod-with-vol.yaml")])).code, 0);
  await waitReady("web-pod");
  const cat = await kc(["exec", "web-pod", "--", "cat", "/data/sample.txt"]);
  assert.equal(cat.stdout, "Hello world!\n", cat.stderr);
});

test("the data survives a restart of kite, and the running pod keeps its volume", async () => {
  await k.stop();
  await k.restart();
  const cat = await eventually(
    async () => {
      const r = await kc(["exec", "web-pod", "--", "cat", "/data/sample.txt"]);
      return r.code === 0 ? r : undefined;
    },
    30_000,
    500,
  );
  assert.equal(cat.stdout, "Hello world!\n");
  // After the restart the agent recognises the volume: no FailedMount, no second set-up.
  assert.doesNotMatch(await events("web-pod"), /FailedMount/);
});

test("deleting the claim, then the pod, removes the PersistentVolume and its directory", async () => {
  const uid = JSON.parse((await kc(["get", "pvc", "my-data-claim", "-o", "json"])).stdout).metadata.uid;
  const dir = join(k.dataDir, "storage", `pvc-${uid}_default_my-data-claim`);
  assert.ok(existsSync(dir));
  const delClaim = await kc(["delete", "pvc/my-data-claim", "--wait=false"]);
  assert.equal(delClaim.code, 0, delClaim.stderr);
  // In use: the claim waits (Terminating), the pod keeps running with its data.
  assert.match((await kc(["get", "pvc", "my-data-claim"])).stdout, /my-data-claim\s+Terminating/);
  assert.equal((await kc(["exec", "web-pod", "--", "cat", "/data/sample.txt"])).stdout, "Hello world!\n");
  // A restart of kite meanwhile: the running pod keeps its mounted claim, without FailedMount.
  const before = (await events("web-pod")).split("\n").filter((l) => /FailedMount/.test(l)).length;
  await k.stop();
  await k.restart();
  await eventually(
    async () => (await kc(["exec", "web-pod", "--", "cat", "/data/sample.txt"])).stdout === "Hello world!\n",
    30_000,
    500,
  );
  const pod = JSON.parse((await kc(["get", "pod", "web-pod", "-o", "json"])).stdout);
  assert.equal(pod.status.containerStatuses[0].restartCount, 0);
  // a window for the pod syncs after the restart (an absence cannot be polled for)
  await new Promise((r) => setTimeout(r, 3000));
  const afterRestart = (await events("web-pod")).split("\n").filter((l) => /FailedMount/.test(l)).length;
  assert.equal(afterRestart, before, await events("web-pod"));
  assert.equal((await kc(["delete", "po/web-pod", "--grace-period=1"])).code, 0);
  await eventually(async () => (await kc(["get", "pv", `pvc-${uid}`])).code !== 0, 30_000, 250);
  await eventually(async () => !existsSync(dir), 20_000, 250).catch((err) => {
    const relevant = k.logs.filter((l) => !/"exec"/.test(l));
    let state = "";
    try {
      state = readFileSync(join(k.dataDir, "agent", "local-path-volumes.json"), "utf8");
    } catch (e) {
      state = String(e);
    }
    throw new Error(`${(err as Error).message}\nstate: ${state}\n${relevant.slice(-40).join("\n")}`);
  });
});

test("emptyDir: two containers share one; medium Memory is a tmpfs of sizeLimit", async () => {
  const manifest = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "shared" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "writer",
          image: "busybox",
          command: ["sh", "-c", "echo from-writer > /out/msg; sleep 3600"],
          volumeMounts: [{ name: "scratch", mountPath: "/out" }],
        },
        {
          name: "reader",
          image: "busybox",
          command: ["sleep", "3600"],
          volumeMounts: [
            { name: "scratch", mountPath: "/in", readOnly: true },
            { name: "mem", mountPath: "/mem" },
          ],
        },
      ],
      volumes: [
        { name: "scratch", emptyDir: {} },
        { name: "mem", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
      ],
    },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(manifest))).code, 0);
  await waitReady("shared");
  const msg = await eventually(async () => {
    const r = await kc(["exec", "shared", "-c", "reader", "--", "cat", "/in/msg"]);
    return r.code === 0 ? r.stdout : undefined;
  });
  assert.equal(msg, "from-writer\n");
  const ro = await kc(["exec", "shared", "-c", "reader", "--", "sh", "-c", "echo x > /in/other"]);
  assert.notEqual(ro.code, 0, "a readOnly mount refuses writes");
  const mounts = (await kc(["exec", "shared", "-c", "reader", "--", "cat", "/proc/mounts"])).stdout;
  assert.match(mounts, /^tmpfs \/mem tmpfs \S*size=16384k/m);
  assert.doesNotMatch(mounts, /^\S+ \/in tmpfs/m, "a disk-backed emptyDir is not a tmpfs");

  const uid = JSON.parse((await kc(["get", "pod", "shared", "-o", "json"])).stdout).metadata.uid;
  const podDir = join(k.dataDir, "agent", "pods", uid);
  assert.ok(existsSync(join(podDir, "volumes", "kubernetes.io~empty-dir", "scratch", "msg")));
  assert.equal((await kc(["delete", "pod", "shared", "--grace-period=1"])).code, 0);
  assert.ok(!existsSync(podDir), "the pod's volumes go with it");
  assert.ok(!readFileSync("/proc/self/mountinfo", "utf8").includes(podDir), "nothing left mounted");
});

test("a pod that has terminated gives its volumes back; its object and logs stay", async () => {
  const manifest = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "done" },
    spec: {
      restartPolicy: "Never",
      containers: [
        {
          name: "job",
          image: "busybox",
          command: [
            "sh",
            "-c",
            "echo result > /scratch/out; cat /scratch/out; cat /mem/none 2>/dev/null; true",
          ],
          volumeMounts: [
            { name: "scratch", mountPath: "/scratch" },
            { name: "mem", mountPath: "/mem" },
          ],
        },
      ],
      volumes: [
        { name: "scratch", emptyDir: {} },
        { name: "mem", emptyDir: { medium: "Memory" } },
      ],
    },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(manifest))).code, 0);
  await eventually(
    async () => (await kc(["get", "pod", "done", "-o", "jsonpath={.status.phase}"])).stdout === "Succeeded",
    60_000,
  );
  const uid = JSON.parse((await kc(["get", "pod", "done", "-o", "json"])).stdout).metadata.uid;
  const podDir = join(k.dataDir, "agent", "pods", uid);
  await eventually(
    async () =>
      !readFileSync("/proc/self/mountinfo", "utf8").includes(podDir) && !existsSync(join(podDir, "volumes")),
    20_000,
  );
  assert.equal((await kc(["logs", "done"])).stdout, "result\n");
  assert.equal((await kc(["delete", "pod", "done"])).code, 0);
});

test("a configMap change reaches the running pod's file; downwardAPI labels follow the pod", async () => {
  const cm = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "settings" },
    data: { greeting: "hello" },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(cm))).code, 0);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "cfg", labels: { tier: "one" } },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "c",
          image: "busybox",
          command: ["sleep", "3600"],
          volumeMounts: [
            { name: "settings", mountPath: "/etc/settings" },
            { name: "info", mountPath: "/etc/info" },
          ],
        },
      ],
      volumes: [
        {
          name: "settings",
          configMap: {
            name: "settings",
            items: [{ key: "greeting", path: "sub/greeting.txt", mode: 0o600 }],
          },
        },
        {
          name: "info",
          downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] },
        },
      ],
    },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(pod))).code, 0);
  await waitReady("cfg");
  const read = async (p: string) => (await kc(["exec", "cfg", "--", "cat", p])).stdout;
  assert.equal(await read("/etc/settings/sub/greeting.txt"), "hello");
  assert.match(
    (await kc(["exec", "cfg", "--", "stat", "-L", "-c", "%a", "/etc/settings/sub/greeting.txt"])).stdout,
    /^600$/m,
  );
  assert.equal(await read("/etc/info/labels"), 'tier="one"');

  const started = Date.now();
  assert.equal(
    (await kc(["patch", "configmap", "settings", "-p", '{"data":{"greeting":"bonjour"}}'])).code,
    0,
  );
  await eventually(async () => (await read("/etc/settings/sub/greeting.txt")) === "bonjour", 60_000, 500);
  const ms = Date.now() - started;
  assert.equal((await kc(["label", "pod", "cfg", "tier=two", "--overwrite"])).code, 0);
  await eventually(async () => (await read("/etc/info/labels")) === 'tier="two"', 20_000, 500);
  // The update is the kubelet's atomic swap: ..data moved to a new timestamped directory.
  const ls = (await kc(["exec", "cfg", "--", "ls", "-a", "/etc/settings"])).stdout.split("\n");
  assert.ok(
    ls.includes("..data") && ls.some((l) => /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/.test(l)),
    ls.join(" "),
  );
  console.log(`configMap propagation: ${ms} ms`);
  assert.equal((await kc(["delete", "pod", "cfg", "--grace-period=1"])).code, 0);
});

test("a subPath that escapes its volume through a symlink is refused with an event", async () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "escape" },
    spec: {
      terminationGracePeriodSeconds: 1,
      initContainers: [
        {
          name: "plant",
          image: "busybox",
          command: ["sh", "-c", "ln -s / /vol/escape && echo planted"],
          volumeMounts: [{ name: "vol", mountPath: "/vol" }],
        },
      ],
      containers: [
        {
          name: "c",
          image: "busybox",
          command: ["sleep", "3600"],
          volumeMounts: [{ name: "vol", mountPath: "/host-etc", subPath: "escape/etc" }],
        },
      ],
      volumes: [{ name: "vol", emptyDir: {} }],
    },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(pod))).code, 0);
  const waiting = await eventually(
    async () => {
      const p = JSON.parse((await kc(["get", "pod", "escape", "-o", "json"])).stdout);
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === "CreateContainerConfigError"
        ? p
        : undefined;
    },
    60_000,
    500,
  );
  assert.match(
    waiting.status.containerStatuses[0].state.waiting.message,
    /failed to prepare subPath for volumeMount "vol" of container "c"/,
  );
  assert.match(
    await events("escape"),
    /Failed\s+Error: failed to prepare subPath for volumeMount "vol" of container "c": subpath .*not within volume path/,
  );
  assert.equal((await kc(["delete", "pod", "escape", "--grace-period=1"])).code, 0);
});

test("an unsupported volume type keeps the pod ContainerCreating with a FailedMount event naming it", async () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "nfs" },
    spec: {
      containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }],
      volumes: [{ name: "share", nfs: { server: "192.0.2.1", path: "/exports" } }],
    },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(pod))).code, 0);
  await eventually(
    async () => /FailedMount.*volume type "nfs" is not supported/.test(await events("nfs")),
    20_000,
    250,
  );
  const p = JSON.parse((await kc(["get", "pod", "nfs", "-o", "json"])).stdout);
  assert.equal(p.status.phase, "Pending");
  assert.equal(p.status.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating");
  assert.equal((await kc(["delete", "pod", "nfs", "--grace-period=0", "--force"])).code, 0);
});

test("a pod whose claim does not exist waits with FailedMount, and starts once the claim is Bound", async () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "later" },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: "c",
          image: "busybox",
          command: ["sleep", "3600"],
          volumeMounts: [{ name: "d", mountPath: "/d" }],
        },
      ],
      volumes: [{ name: "d", persistentVolumeClaim: { claimName: "later-claim" } }],
    },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(pod))).code, 0);
  await eventually(
    async () =>
      /FailedMount\s+Unable to attach or mount volumes: unmounted volumes=\[d\].*persistentvolumeclaims "later-claim" not found/.test(
        await events("later"),
      ),
    30_000,
    250,
  );
  const p = JSON.parse((await kc(["get", "pod", "later", "-o", "json"])).stdout);
  assert.equal(p.status.phase, "Pending");
  assert.equal(p.status.containerStatuses?.[0]?.state?.waiting?.reason, "ContainerCreating");
  const claim = {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: "later-claim" },
    spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(claim))).code, 0);
  await waitReady("later");
  assert.equal((await kc(["delete", "pod", "later", "--grace-period=1"])).code, 0);
  assert.equal((await kc(["delete", "pvc", "later-claim"])).code, 0);
});

test("secret with fsGroup, subPathExpr from the container's env, hostPath FileOrCreate", async () => {
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "creds" },
    stringData: { token: "s3cret" },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(secret))).code, 0);
  const hostFile = join(k.dataDir, "host-file.txt");
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "mix" },
    spec: {
      terminationGracePeriodSeconds: 1,
      securityContext: { fsGroup: 2345 },
      containers: [
        {
          name: "c",
          image: "busybox",
          command: ["sh", "-c", "echo mine > /work/me.txt; sleep 3600"],
          env: [{ name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } }],
          volumeMounts: [
            { name: "creds", mountPath: "/creds" },
            { name: "scratch", mountPath: "/work", subPathExpr: "$(POD_NAME)/w" },
            { name: "hf", mountPath: "/host-file" },
          ],
        },
      ],
      volumes: [
        { name: "creds", secret: { secretName: "creds", defaultMode: 0o400 } },
        { name: "scratch", emptyDir: {} },
        { name: "hf", hostPath: { path: hostFile, type: "FileOrCreate" } },
      ],
    },
  };
  assert.equal((await kc(["create", "-f", "-"], JSON.stringify(pod))).code, 0);
  await waitReady("mix");
  const ex = async (cmd: string) => (await kc(["exec", "mix", "--", "sh", "-c", cmd])).stdout;
  assert.equal(await ex("cat /creds/token"), "s3cret");
  // 0400 plus fsGroup's group read, group 2345; on a tmpfs, as the kubelet keeps secrets.
  assert.equal(await ex("stat -L -c '%a %g' /creds/token"), "440 2345\n");
  assert.match(await ex("cat /proc/mounts"), /^tmpfs \/creds tmpfs ro[, ]/m);
  const uid = JSON.parse((await kc(["get", "pod", "mix", "-o", "json"])).stdout).metadata.uid;
  const scratch = join(k.dataDir, "agent", "pods", uid, "volumes", "kubernetes.io~empty-dir", "scratch");
  await eventually(async () => existsSync(join(scratch, "mix", "w", "me.txt")), 10_000, 200);
  assert.ok(existsSync(hostFile), "FileOrCreate made the host file");
  assert.equal((await kc(["delete", "pod", "mix", "--grace-period=1"])).code, 0);
});
