// The chapter's first steps against a real kite server, with real kubectl 1.27, 1.30 and 1.33:
// create, get, describe, delete, and the errors a user meets on the way.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl, testedVersions } from "../support/kubectl.js";

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../examples");
const podYaml = join(examples, "pod.yaml");
const tmp = mkdtempSync(join(tmpdir(), "kite-manifests-"));
function manifest(name: string, text: string): string {
  const f = join(tmp, name);
  writeFileSync(f, text);
  return f;
}

let k: KiteServer;
before(async () => {
  k = await startKite();
});
after(async () => {
  await k?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

for (const v of testedVersions(true)) {
  describe(`kubectl ${v}`, () => {
    const ns = `ns-${v.replace(".", "-")}`;
    const kc = (args: string[], input?: string) => kubectl(k, v, ["-n", ns, ...args], { input });

    before(async () => {
      // kubectl 1.32+ send this one as protobuf.
      const r = await kubectl(k, v, ["create", "namespace", ns]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), `namespace/${ns} created`);
    });

    test("create -f pod.yaml, get pods shows it Pending, get -o yaml shows the defaulted pod", async () => {
      const created = await kc(["create", "-f", podYaml]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout.trim(), "pod/web-pod created");

      const list = await kc(["get", "pods"]);
      assert.equal(list.code, 0, list.stderr);
      const lines = list.stdout.trim().split("\n");
      assert.match(lines[0]!, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      assert.match(lines[1]!, /^web-pod\s+0\/1\s+Pending\s+0\s+\d+s$/);

      const yaml = await kc(["get", "pod", "web-pod", "-o", "yaml"]);
      assert.equal(yaml.code, 0, yaml.stderr);
      for (const want of [
        "restartPolicy: Always",
        "dnsPolicy: ClusterFirst",
        "terminationGracePeriodSeconds: 30",
        "imagePullPolicy: IfNotPresent",
        "protocol: TCP",
        "schedulerName: default-scheduler",
        "phase: Pending",
        "qosClass: BestEffort",
        `namespace: ${ns}`,
      ]) {
        assert.ok(yaml.stdout.includes(want), `missing ${want} in\n${yaml.stdout}`);
      }
      const json = JSON.parse((await kc(["get", "pod", "web-pod", "-o", "json"])).stdout) as {
        metadata: { uid: string; creationTimestamp: string; resourceVersion: string };
      };
      assert.match(json.metadata.uid, /^[0-9a-f-]{36}$/);
      assert.match(json.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    test("describe pod/web-pod, pods/web-pod and po/web-pod", async () => {
      for (const ref of ["pod/web-pod", "pods/web-pod", "po/web-pod"]) {
        const d = await kc(["describe", ref]);
        assert.equal(d.code, 0, d.stderr);
        assert.match(d.stdout, /^Name:\s+web-pod$/m);
        assert.match(d.stdout, new RegExp(`^Namespace:\\s+${ns}$`, "m"));
        assert.match(d.stdout, /^Status:\s+Pending$/m);
        assert.match(d.stdout, /^\s+Image:\s+nginx:alpine$/m);
        assert.match(d.stdout, /^\s+Port:\s+80\/TCP$/m);
      }
    });

    test("creating the same pod twice is AlreadyExists", async () => {
      const again = await kc(["create", "-f", podYaml]);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /Error from server \(AlreadyExists\).*pods "web-pod" already exists/);
    });

    test("invalid pods are rejected naming the field", async () => {
      const dup = manifest(
        `dup-${v}.yaml`,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dup\nspec:\n  containers:\n  - name: web\n    image: nginx:alpine\n  - name: web\n    image: busybox\n",
      );
      let r = await kc(["create", "-f", dup]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr.trim(),
        'The Pod "dup" is invalid: spec.containers[1].name: Duplicate value: "web"',
      );

      const badName = manifest(
        `badname-${v}.yaml`,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: Web_Pod\nspec:\n  containers:\n  - name: web\n    image: nginx:alpine\n",
      );
      r = await kc(["create", "-f", badName]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /^The Pod "Web_Pod" is invalid: metadata\.name: Invalid value: "Web_Pod": a lowercase RFC 1123 subdomain/,
      );

      const negPort = manifest(
        `negport-${v}.yaml`,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: negport\nspec:\n  containers:\n  - name: web\n    image: nginx:alpine\n    ports:\n    - containerPort: -1\n",
      );
      r = await kc(["create", "-f", negPort]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /spec\.containers\[0\]\.ports\[0\]\.containerPort: Invalid value: -1/);

      const unknown = manifest(
        `unknown-${v}.yaml`,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: unknown\nspec:\n  containers:\n  - name: web\n    image: nginx:alpine\n    imagePullPolcy: Always\n",
      );
      r = await kc(["create", "-f", unknown]);
      assert.equal(r.code, 1, r.stdout);
      // 1.20 validates on the client against kite's OpenAPI; later versions leave it to the server.
      assert.match(r.stderr, /unknown field "(spec\.containers\[0\]\.)?imagePullPolcy"/);
    });

    test("an update with a stale resourceVersion is a Conflict", async () => {
      const current = JSON.parse((await kc(["get", "pod", "web-pod", "-o", "json"])).stdout) as {
        metadata: { resourceVersion: string; labels?: Record<string, string> };
      };
      const bumped = await kc(["label", "pod", "web-pod", "tier=frontend"]);
      assert.equal(bumped.code, 0, bumped.stderr);
      current.metadata.labels = { tier: "backend" };
      const r = await kc(["replace", "-f", "-"], JSON.stringify(current));
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Error from server \(Conflict\).*the object has been modified; please apply your changes to the latest version and try again/,
      );
    });

    test("get pod/missing is NotFound", async () => {
      const r = await kc(["get", "pod/missing"]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr.trim(), 'Error from server (NotFound): pods "missing" not found');
    });

    test("delete po/web-pod returns once it is gone", async () => {
      const r = await kc(["delete", "po/web-pod"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'pod "web-pod" deleted');
      const gone = await kc(["get", "pods"]);
      assert.match(gone.stderr, /No resources found/);
    });
  });
}

describe("typed creates kubectl 1.32+ send as protobuf", () => {
  for (const v of testedVersions(true).filter((x) => Number(x.split(".")[1]) >= 31)) {
    test(`kubectl ${v} create configmap and secret`, async () => {
      const ns = `proto-${v.replace(".", "-")}`;
      assert.equal((await kubectl(k, v, ["create", "namespace", ns])).code, 0);
      const cm = await kubectl(k, v, [
        "-n",
        ns,
        "create",
        "configmap",
        "settings",
        "--from-literal=colour=blue",
      ]);
      assert.equal(cm.stdout.trim(), "configmap/settings created", cm.stderr);
      const secret = await kubectl(k, v, [
        "-n",
        ns,
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=password=s3cret",
      ]);
      assert.equal(secret.stdout.trim(), "secret/creds created", secret.stderr);
      const got = JSON.parse(
        (await kubectl(k, v, ["-n", ns, "get", "secret", "creds", "-o", "json"])).stdout,
      ) as {
        type: string;
        data: Record<string, string>;
      };
      assert.equal(got.type, "Opaque");
      assert.equal(Buffer.from(got.data.password!, "base64").toString(), "s3cret");
      const list = await kubectl(k, v, ["-n", ns, "get", "configmaps,secrets"]);
      assert.match(list.stdout, /configmap\/settings\s+1\s/);
      assert.match(list.stdout, /secret\/creds\s+Opaque\s+1\s/);
    });
  }
});
