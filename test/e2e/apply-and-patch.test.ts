// kubectl apply (client-side, then edited and applied again), apply --server-side, label,
// annotate, patch (merge, json, strategic) and replace, with each tested kubectl; then the
// chapter's PersistentVolumeClaim and events as describe shows them.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl, testedVersions } from "../support/kubectl.js";

const examples = resolve(dirname(fileURLToPath(import.meta.url)), "../../../examples");
const tmp = mkdtempSync(join(tmpdir(), "kite-apply-"));

let k: KiteServer;
before(async () => {
  k = await startKite();
});
after(async () => {
  await k?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const podManifest = (image: string, labels: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: applied\n  labels:\n${labels}\nspec:\n  containers:\n  - name: web\n    image: ${image}\n    ports:\n    - containerPort: 80\n`;

for (const v of testedVersions()) {
  describe(`kubectl ${v}`, () => {
    const ns = `apply-${v.replace(".", "-")}`;
    const kc = (args: string[], input?: string) => kubectl(k, v, ["-n", ns, ...args], { input });
    const get = async <T>(what: string[]): Promise<T> =>
      JSON.parse((await kc(["get", ...what, "-o", "json"])).stdout) as T;

    before(async () => {
      const r = await kubectl(k, "1.31", ["create", "namespace", ns]);
      assert.equal(r.code, 0, r.stderr);
    });

    test("client-side apply creates, leaves unchanged, then configures an edit", async () => {
      const file = join(tmp, `applied-${v}.yaml`);
      writeFileSync(file, podManifest("nginx:alpine", "    app: web"));
      let r = await kc(["apply", "-f", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "pod/applied created");
      r = await kc(["apply", "-f", file]);
      assert.equal(r.stdout.trim(), "pod/applied unchanged");
      writeFileSync(file, podManifest("nginx:1.25", "    app: web\n    tier: frontend"));
      r = await kc(["apply", "-f", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "pod/applied configured");
      const pod = await get<{
        metadata: { labels: Record<string, string>; annotations: Record<string, string> };
        spec: { containers: Array<{ image: string }> };
      }>(["pod", "applied"]);
      assert.deepEqual(pod.metadata.labels, { app: "web", tier: "frontend" });
      assert.equal(pod.spec.containers[0]!.image, "nginx:1.25");
      assert.ok(pod.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]);
    });

    test("apply --server-side creates and updates, with managedFields for the manager", async () => {
      const file = join(tmp, `ssa-${v}.yaml`);
      writeFileSync(file, podManifest("nginx:alpine", "    app: ssa").replace("name: applied", "name: ssa"));
      let r = await kc(["apply", "--server-side", "-f", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "pod/ssa serverside-applied");
      writeFileSync(
        file,
        podManifest("nginx:alpine", "    app: ssa\n    extra: yes-please").replace(
          "name: applied",
          "name: ssa",
        ),
      );
      r = await kc(["apply", "--server-side", "-f", file]);
      assert.equal(r.code, 0, r.stderr);
      const pod = await get<{ metadata: { labels: Record<string, string> } }>(["pod", "ssa"]);
      assert.equal(pod.metadata.labels.extra, "yes-please");
      const mf = await kc([
        "get",
        "pod",
        "ssa",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
        "--show-managed-fields",
      ]);
      assert.match(mf.stdout, /\bkubectl\b/);
    });

    test("a conflicting server-side apply by another manager is refused, --force-conflicts takes over", async () => {
      const file = join(tmp, `ssa-conflict-${v}.yaml`);
      writeFileSync(
        file,
        podManifest("busybox:latest", "    app: ssa").replace("name: applied", "name: ssa"),
      );
      const r = await kc(["apply", "--server-side", "--field-manager", "other", "-f", file]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Apply failed with \d+ conflicts?: conflict with "kubectl"/);
      const forced = await kc([
        "apply",
        "--server-side",
        "--field-manager",
        "other",
        "--force-conflicts",
        "-f",
        file,
      ]);
      assert.equal(forced.code, 0, forced.stderr);
    });

    test("label, annotate, patch (strategic, merge, json) and replace", async () => {
      assert.equal(
        (await kc(["label", "pod", "applied", "stage=test"])).stdout.trim(),
        "pod/applied labeled",
      );
      // kubectl 1.27 prints "annotate", later versions "annotated".
      assert.match(
        (await kc(["annotate", "pod", "applied", "note=hello"])).stdout.trim(),
        /^pod\/applied annotated?$/,
      );
      let r = await kc([
        "patch",
        "pod",
        "applied",
        "-p",
        '{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}',
      ]);
      assert.equal(r.stdout.trim(), "pod/applied patched", r.stderr);
      r = await kc([
        "patch",
        "pod",
        "applied",
        "--type=merge",
        "-p",
        '{"metadata":{"labels":{"merged":"true"}}}',
      ]);
      assert.equal(r.code, 0, r.stderr);
      r = await kc([
        "patch",
        "pod",
        "applied",
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/activeDeadlineSeconds","value":600}]',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const pod = await get<{
        metadata: {
          labels: Record<string, string>;
          annotations: Record<string, string>;
          resourceVersion: string;
        };
        spec: {
          containers: Array<{ name: string; image: string; ports?: unknown[] }>;
          activeDeadlineSeconds?: number;
        };
      }>(["pod", "applied"]);
      assert.equal(pod.metadata.labels.stage, "test");
      assert.equal(pod.metadata.labels.merged, "true");
      assert.equal(pod.metadata.annotations.note, "hello");
      // Strategic merge kept the container's other fields (ports) while changing its image.
      assert.equal(pod.spec.containers.length, 1);
      assert.equal(pod.spec.containers[0]!.image, "nginx:1.26");
      assert.ok(pod.spec.containers[0]!.ports);
      assert.equal(pod.spec.activeDeadlineSeconds, 600);

      pod.metadata.labels.replaced = "yes";
      r = await kc(["replace", "-f", "-"], JSON.stringify(pod));
      assert.equal(r.stdout.trim(), "pod/applied replaced", r.stderr);
      const after = await get<{ metadata: { labels: Record<string, string> } }>(["pod", "applied"]);
      assert.equal(after.metadata.labels.replaced, "yes");
    });

    test("changing an immutable pod field is Invalid with Kubernetes' message", async () => {
      const r = await kc(["patch", "pod", "applied", "-p", '{"spec":{"restartPolicy":"Never"}}']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /spec: Forbidden: pod updates may not change fields other than/);
    });

    test("the chapter's PersistentVolumeClaim: create and get pvc", async () => {
      const r = await kc(["create", "-f", join(examples, "volume-claim.yaml")]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), "persistentvolumeclaim/my-data-claim created");
      const list = await kc(["get", "pvc"]);
      const lines = list.stdout.trim().split("\n");
      assert.match(
        lines[0]!,
        /^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+(VOLUMEATTRIBUTESCLASS\s+)?AGE$/,
      );
      assert.match(lines[1]!, /^my-data-claim\s+Pending\s+/);
    });

    test("describe shows the pod's events; events.k8s.io serves the same events", async () => {
      const pod = await get<{ metadata: { uid: string } }>(["pod", "applied"]);
      const event = {
        apiVersion: "v1",
        kind: "Event",
        metadata: { name: "applied.scheduled" },
        involvedObject: {
          apiVersion: "v1",
          kind: "Pod",
          name: "applied",
          namespace: ns,
          uid: pod.metadata.uid,
        },
        reason: "Scheduled",
        message: `Successfully assigned ${ns}/applied to node-a`,
        type: "Normal",
        source: { component: "default-scheduler" },
        firstTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        lastTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        count: 1,
      };
      const c = await kc(["create", "-f", "-"], JSON.stringify(event));
      assert.equal(c.code, 0, c.stderr);
      const d = await kc(["describe", "pod", "applied"]);
      assert.match(
        d.stdout,
        /Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned .*\/applied to node-a/,
      );
      const ev = await kc(["get", "events.v1.events.k8s.io", "-o", "json"]);
      assert.equal(ev.code, 0, ev.stderr);
      const items = (
        JSON.parse(ev.stdout) as { items: Array<{ note?: string; regarding?: { name?: string } }> }
      ).items;
      assert.ok(
        items.some((e) => e.regarding?.name === "applied" && e.note?.includes("Successfully assigned")),
      );
    });
  });
}
