// Mistakes a new user makes with pods (beside user-errors.test.ts, which needs no node): each gets
// the message a real cluster gives, and what was stored before is still there afterwards — the
// chapter's web-pod keeps running and its claim stays Bound.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl, kubectlPath } from "../support/kubectl.js";
import { startTestRegistry, type TestRegistry } from "../support/registry.js";
import { eventually } from "../support/wait.js";

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../examples");
const tmp = mkdtempSync(join(tmpdir(), "kite-usererr-pods-"));
let registry: TestRegistry;
let k: KiteServer;
const kc = (args: string[], v = "1.33") => kubectl(k, v, args, { timeoutMs: 60_000 });

before(async () => {
  registry = await startTestRegistry();
  // The test registry also mirrors itself, so a typo in an image on it is looked up there only
  // (no fallback to https on the same host, nor to Docker Hub).
  const registriesYaml = join(tmp, "registries.yaml");
  writeFileSync(
    registriesYaml,
    `mirrors:\n  docker.io:\n    endpoint:\n      - "http://${registry.host}"\n  "${registry.host}":\n    endpoint:\n      - "http://${registry.host}"\n`,
  );
  k = await startKite({ agent: { registriesYaml } });
  for (const f of ["volume-claim.yaml", "pod-with-vol.yaml"]) {
    const r = await kc(["create", "-f", join(examples, f)]);
    assert.equal(r.code, 0, r.stderr);
  }
  const w = await kc(["wait", "--for=condition=Ready", "pod/web-pod", "--timeout=90s"]);
  assert.equal(w.code, 0, w.stderr);
});
after(async () => {
  try {
    await k?.cleanup();
  } finally {
    await registry?.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** What the user had before the mistake is all still there. */
async function nothingLost(): Promise<void> {
  assert.match((await kc(["get", "pod", "web-pod"])).stdout, /^web-pod\s+1\/1\s+Running\s+0\s/m);
  assert.match((await kc(["get", "pvc", "my-data-claim"])).stdout, /^my-data-claim\s+Bound\s+pvc-/m);
}

async function createPod(name: string, spec: object): Promise<void> {
  const r = await kubectl(k, "1.33", ["create", "-f", "-"], {
    input: JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name }, spec }),
  });
  assert.equal(r.code, 0, r.stderr);
}

test("kubectl get pod/missing: NotFound, as kube says it", async () => {
  for (const v of ["1.20", "1.27", "1.33"]) {
    const r = await kc(["get", "pod/missing"], v);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "missing" not found', v);
  }
  await nothingLost();
});

test("an image that does not exist: ErrImagePull, then ImagePullBackOff, and describe says why", async () => {
  const image = `${registry.host}/library/ngnix:alpine`;
  // get pods --watch shows each status the pod passes through, as a user watching it would see
  const watch = spawn(kubectlPath("1.33"), ["get", "pods", "--watch"], {
    env: { PATH: process.env.PATH, HOME: k.home, KUBECONFIG: k.kubeconfig },
  });
  let seen = "";
  watch.stdout.on("data", (b: Buffer) => {
    seen += b.toString();
  });
  try {
    // the list before the watch: web-pod; from then on every change is printed
    await eventually(async () => seen.includes("web-pod"));
    await createPod("typo", {
      terminationGracePeriodSeconds: 1,
      containers: [{ name: "web", image }],
    });
    await eventually(async () => /^typo\s+0\/1\s+ImagePullBackOff\s+0\s/m.test(seen), 60_000).catch(() => {
      throw new Error(`get pods --watch showed:\n${seen}`);
    });
  } finally {
    watch.kill();
  }
  assert.match(seen, /^typo\s+0\/1\s+ErrImagePull\s+0\s/m);
  const d = (await kc(["describe", "pod", "typo"])).stdout;
  assert.match(
    d,
    new RegExp(
      `Warning\\s+Failed\\s+.*kubelet\\s+Failed to pull image "${image}": .*${image.replace(/[.]/g, "\\.")}: not found`,
    ),
  );
  assert.match(d, /Warning\s+Failed\s+.*kubelet\s+Error: ErrImagePull/);
  assert.match(d, new RegExp(`Normal\\s+BackOff\\s+.*kubelet\\s+Back-off pulling image "${image}"`));
  assert.match(d, /^\s+Reason:\s+ImagePullBackOff$/m);

  // exec into it while it is Pending: the kubelet's refusal, through SPDY (kubectl 1.20-1.29) and
  // through kube-apiserver's WebSocket translation (1.30+)
  for (const [v, msg] of [
    ["1.20", 'error: unable to upgrade connection: container not found ("web")'],
    ["1.27", 'error: unable to upgrade connection: container not found ("web")'],
    ["1.33", 'error: Internal error occurred: unable to upgrade connection: container not found ("web")'],
  ] as const) {
    const r = await kc(["exec", "typo", "--", "/bin/sh"], v);
    assert.equal(r.code, 1, v);
    assert.equal(r.stderr.trim(), msg, v);
  }
  assert.equal((await kc(["delete", "pod", "typo"])).code, 0);
  await nothingLost();
});

test("kubectl exec into a pod that no node can take: it has no host yet", async () => {
  await createPod("waiting", {
    nodeSelector: { disktype: "ssd" },
    containers: [{ name: "web", image: "nginx:alpine" }],
  });
  await eventually(async () => /FailedScheduling/.test((await kc(["describe", "pod", "waiting"])).stdout));
  for (const v of ["1.20", "1.27", "1.33"]) {
    const r = await kc(["exec", "-it", "waiting", "--", "/bin/sh"], v);
    assert.equal(r.code, 1, v);
    assert.match(
      r.stderr,
      /^Error from server \(BadRequest\): pod waiting does not have a host assigned$/m,
      v,
    );
  }
  assert.equal((await kc(["delete", "pod", "waiting"])).code, 0);
  await nothingLost();
});

test("a claim for a class that does not exist stays Pending and says which class is missing", async () => {
  // storage.test.ts pins the controller's side; this is what the user types and reads.
  const file = join(tmp, "fast-claim.yaml");
  writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: PersistentVolumeClaim",
      "metadata:",
      "  name: fast-claim",
      "spec:",
      "  storageClassName: fast-ssd",
      "  accessModes:",
      "    - ReadWriteOnce",
      "  resources:",
      "    requests:",
      "      storage: 2Gi",
      "",
    ].join("\n"),
  );
  assert.equal((await kc(["create", "-f", file])).stdout.trim(), "persistentvolumeclaim/fast-claim created");
  const d = await eventually(async () => {
    const out = (await kc(["describe", "pvc", "fast-claim"])).stdout;
    return (
      /Warning\s+ProvisioningFailed\s+.*storageclass\.storage\.k8s\.io "fast-ssd" not found/.test(out) && out
    );
  });
  assert.match(d, /^Status:\s+Pending$/m);
  assert.match((await kc(["get", "pvc", "fast-claim"])).stdout, /^fast-claim\s+Pending\s+fast-ssd\s/m);
  assert.equal((await kc(["delete", "pvc", "fast-claim"])).code, 0);
  await nothingLost();
});
