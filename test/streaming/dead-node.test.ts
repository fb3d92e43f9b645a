// exec, logs and port-forward for a pod whose node does not answer: kube-apiserver's "error
// dialing backend" Status, in Go's words, for every kubectl; nothing else breaks.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, test } from "node:test";
import { type KiteServer, startKite } from "../support/kite.js";
import { kubectl } from "../support/kubectl.js";

let k: KiteServer;
let deadPort: number;
before(async () => {
  k = await startKite();
  // a port that was free a moment ago and that nothing listens on now
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  deadPort = (probe.address() as { port: number }).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "gone" },
    status: {
      addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      daemonEndpoints: { kubeletEndpoint: { Port: deadPort } },
    },
  };
  const made = await kubectl(k, "1.33", ["create", "-f", "-"], { input: JSON.stringify(node) });
  assert.equal(made.code, 0, made.stderr);
  // the node's status as a kubelet reports it (create drops status, as in kube)
  const st = await kubectl(k, "1.33", [
    "patch",
    "node",
    "gone",
    "--subresource=status",
    "--type=merge",
    "-p",
    JSON.stringify({ status: node.status }),
  ]);
  assert.equal(st.code, 0, st.stderr);
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stranded" },
    spec: { nodeName: "gone", containers: [{ name: "web", image: "busybox" }] },
  };
  const p = await kubectl(k, "1.33", ["create", "-f", "-"], { input: JSON.stringify(pod) });
  assert.equal(p.code, 0, p.stderr);
  // it was Running when its node went away
  const running = await kubectl(k, "1.33", [
    "patch",
    "pod",
    "stranded",
    "--subresource=status",
    "--type=merge",
    "-p",
    '{"status":{"phase":"Running"}}',
  ]);
  assert.equal(running.code, 0, running.stderr);
});
after(async () => {
  await k?.cleanup();
});

for (const v of ["1.27", "1.33"]) {
  test(`kubectl ${v} exec, logs and port-forward to a pod on a node that does not answer: error dialing backend`, async () => {
    const want = new RegExp(
      `error dialing backend: dial tcp 127\\.0\\.0\\.1:${deadPort}: connect: connection refused`,
    );
    const exec = await kubectl(k, v, ["exec", "stranded", "--", "true"]);
    assert.equal(exec.code, 1);
    assert.match(exec.stderr, want);
    const logs = await kubectl(k, v, ["logs", "stranded"]);
    assert.equal(logs.code, 1);
    assert.match(logs.stderr, new RegExp(`Error from server: ${want.source}`));
    const pf = await kubectl(k, v, ["port-forward", "pod/stranded", "0:80"], { timeoutMs: 20_000 });
    assert.equal(pf.code, 1);
    assert.match(pf.stderr, want);
    // the server is fine afterwards
    const get = await kubectl(k, v, ["get", "pod", "stranded", "-o", "name"]);
    assert.equal(get.stdout.trim(), "pod/stranded");
  });
}
