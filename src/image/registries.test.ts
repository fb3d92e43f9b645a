import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRegistriesConfig, registryEndpoints } from "./registries.js";

const k3sExample = `
mirrors:
  docker.io:
    endpoint:
      - "http://127.0.0.1:5000"
      - "https://mirror.example.com/prefix"
    rewrite:
      "^rancher/(.*)": "mirrored/rancher/$1"
  "*":
    endpoint: ["https://catch-all.example.com/v2"]
configs:
  "mirror.example.com":
    auth:
      username: alice
      password: s3cret
    tls:
      ca_file: /etc/ssl/mirror-ca.pem
      insecure_skip_verify: false
  "quay.io":
    auth:
      auth: ${Buffer.from("bob:pw:with:colons").toString("base64")}
`;

test("mirror endpoints are tried in order, then the registry's default", () => {
  const cfg = parseRegistriesConfig(k3sExample);
  const eps = registryEndpoints(cfg, "docker.io");
  assert.deepEqual(
    eps.map((e) => [e.url.href, e.mirror]),
    [
      ["http://127.0.0.1:5000/v2/", true],
      ["https://mirror.example.com/prefix/v2/", true],
      ["https://registry-1.docker.io/v2/", false],
    ],
  );
  assert.deepEqual(eps[1]?.config, {
    auth: { username: "alice", password: "s3cret" },
    tls: { caFile: "/etc/ssl/mirror-ca.pem", insecureSkipVerify: false },
  });
  assert.equal(eps[0]?.rewrite("rancher/k3s"), "mirrored/rancher/k3s");
  assert.equal(eps[0]?.rewrite("library/nginx"), "library/nginx");
  assert.equal(eps[2]?.rewrite("rancher/k3s"), "rancher/k3s", "rewrites apply to mirrors only");
});

test("the * mirror covers registries without their own entry; configs match the endpoint host", () => {
  const cfg = parseRegistriesConfig(k3sExample);
  const eps = registryEndpoints(cfg, "quay.io");
  assert.deepEqual(
    eps.map((e) => e.url.href),
    ["https://catch-all.example.com/v2/", "https://quay.io/v2/"],
  );
  assert.deepEqual(eps[1]?.config.auth, { username: "bob", password: "pw:with:colons" });
});

test("no file content means no mirrors: only the default endpoint", () => {
  const cfg = parseRegistriesConfig("");
  assert.deepEqual(
    registryEndpoints(cfg, "localhost:5000").map((e) => e.url.href),
    ["https://localhost:5000/v2/"],
  );
});

test("malformed files are refused naming the field", () => {
  assert.throws(
    () => parseRegistriesConfig("mirrors: [1]", "/etc/kite/registries.yaml"),
    /registries.yaml: mirrors/,
  );
  assert.throws(
    () => parseRegistriesConfig("mirrors:\n  docker.io:\n    endpoint: http://x\n"),
    /endpoint must be a list/,
  );
  assert.throws(
    () => parseRegistriesConfig("configs:\n  x:\n    tls:\n      insecure_skip_verify: yes-please\n"),
    /insecure_skip_verify/,
  );
  assert.throws(() => parseRegistriesConfig("mirrors: {a: {endpoint: ['ftp://x']}}"), /invalid URL/);
});

test("a registry listed as its own plain-http mirror is not tried again over https", () => {
  const cfg = parseRegistriesConfig('mirrors:\n  "10.0.0.5:5000":\n    endpoint: ["http://10.0.0.5:5000"]\n');
  assert.deepEqual(
    registryEndpoints(cfg, "10.0.0.5:5000").map((e) => e.url.href),
    ["http://10.0.0.5:5000/v2/"],
  );
});
