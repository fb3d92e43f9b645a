// OpenAPI as kubectl uses it (`explain`, including the v2 protobuf 1.27 reads), health and
// version endpoints, and authentication: no credentials, no API.
import assert from "node:assert/strict";
import { request } from "node:https";
import { after, before, describe, test } from "node:test";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl, testedVersions } from "../support/kubectl.js";

let k: KiteServer;
before(async () => {
  k = await startKite();
});
after(async () => {
  await k?.cleanup();
});

function anonymous(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${k.server}${path}`, { rejectUnauthorized: false, headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("requests without valid credentials get 401 with a Status; health checks stay open", async () => {
  const r = await anonymous("/api/v1/namespaces/default/pods");
  assert.equal(r.code, 401);
  assert.deepEqual(JSON.parse(r.body), {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message: "Unauthorized",
    reason: "Unauthorized",
    code: 401,
  });
  const bad = await anonymous("/api", { Authorization: "Bearer not-a-token" });
  assert.equal(bad.code, 401);
  assert.equal((await anonymous("/readyz")).body, "ok");
  assert.equal((await anonymous("/livez")).code, 200);
  const version = JSON.parse((await anonymous("/version")).body) as { major: string; minor: string };
  assert.equal(version.major, "1");
});

for (const v of testedVersions()) {
  describe(`kubectl ${v} explain`, () => {
    test("explain pod and pod.spec.containers.ports", async () => {
      const pod = await kubectl(k, v, ["explain", "pod"]);
      assert.equal(pod.code, 0, pod.stderr);
      assert.match(pod.stdout, /KIND:\s+Pod/);
      assert.match(pod.stdout, /VERSION:\s+v1/);
      assert.match(pod.stdout, /spec\s+<(PodSpec|Object)>/);
      const ports = await kubectl(k, v, ["explain", "pod.spec.containers.ports"]);
      assert.equal(ports.code, 0, ports.stderr);
      assert.match(ports.stdout, /containerPort\s+<integer> -required-/);
    });
  });
}

test("kubectl 1.27 explain reads the v2 protobuf", async () => {
  const r = await kubectl(k, "1.27", ["explain", "pod.spec.volumes", "--output=plaintext-openapiv2"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /RESOURCE: volumes <\[\]Object>/);
});
