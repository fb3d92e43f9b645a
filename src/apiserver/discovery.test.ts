import assert from "node:assert/strict";
import { test } from "node:test";
import { discovery } from "./discovery.js";

const v2 =
  "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";
const v2beta1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json";

test("aggregated discovery answers with the exact content type kubectl requires", () => {
  const a = discovery(["api"], v2, "127.0.0.1:6443")!;
  assert.equal(a.contentType, "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
  const b = discovery(["apis"], v2beta1, "127.0.0.1:6443")!;
  assert.equal(b.contentType, "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
  const core = JSON.parse(a.body) as {
    items: Array<{
      versions: Array<{
        resources: Array<{ resource: string; shortNames?: string[]; categories?: string[] }>;
      }>;
    }>;
  };
  const pods = core.items[0]!.versions[0]!.resources.find((r) => r.resource === "pods")!;
  assert.deepEqual(pods.shortNames, ["po"]);
  assert.deepEqual(pods.categories, ["all"]);
});

test("legacy discovery for kubectl 1.20: APIVersions, APIGroupList, APIResourceList with subresources", () => {
  const api = JSON.parse(discovery(["api"], "application/json, */*", "h:1")!.body) as {
    kind: string;
    versions: string[];
  };
  assert.deepEqual([api.kind, api.versions], ["APIVersions", ["v1"]]);
  const groups = JSON.parse(discovery(["apis"], undefined, "h:1")!.body) as {
    groups: Array<{ name: string }>;
  };
  assert.deepEqual(groups.groups.map((g) => g.name).sort(), [
    "coordination.k8s.io",
    "events.k8s.io",
    "storage.k8s.io",
  ]);
  const v1 = JSON.parse(discovery(["api", "v1"], undefined, "h:1")!.body) as {
    resources: Array<{ name: string }>;
  };
  const names = v1.resources.map((r) => r.name);
  for (const n of [
    "pods",
    "pods/status",
    "pods/binding",
    "pods/exec",
    "persistentvolumeclaims",
    "namespaces/finalize",
  ]) {
    assert.ok(names.includes(n), n);
  }
  assert.equal(discovery(["apis", "apps"], undefined, "h:1"), undefined);
});
