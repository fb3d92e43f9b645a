// How an agent joins: the server's token carries the CA's hash, /cacerts serves the CA, and
// the token authenticates API requests.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fetchClusterCA, TokenError } from "../../src/client/bootstrap.js";
import { newClient } from "../../src/client/client.js";
import { type KiteServer, startKite } from "../support/kite.js";

let k: KiteServer;
before(async () => {
  k = await startKite();
});
after(async () => {
  await k?.cleanup();
});

test("an agent checks the CA against its token, then the token authenticates it", async () => {
  const token = readFileSync(join(k.dataDir, "server", "token"), "utf8").trim();
  assert.match(token, /^K10[0-9a-f]{64}::node:[0-9a-f]+$/);
  const ca = await fetchClusterCA(k.server, token);
  assert.equal(ca, readFileSync(join(k.dataDir, "server", "tls", "server-ca.crt"), "utf8"));
  const forged = `K10${"0".repeat(64)}::node:${token.split(":").pop()}`;
  await assert.rejects(fetchClusterCA(k.server, forged), TokenError);
  const client = newClient({ server: k.server, ca, token });
  const nodes = await client.request<{ kind: string }>("GET", "/api/v1/nodes");
  assert.equal(nodes.kind, "NodeList");
  const bad = newClient({ server: k.server, ca, token: `${token}x` });
  await assert.rejects(bad.request("GET", "/api/v1/nodes"), /Unauthorized/);
  client.close();
  bad.close();
});

test("kite agent with a token for another cluster refuses to join, saying why", async () => {
  const { spawnSync } = await import("node:child_process");
  const { kiteBin } = await import("../support/kite.js");
  const token = readFileSync(join(k.dataDir, "server", "token"), "utf8").trim();
  const forged = `K10${"f".repeat(64)}::node:${token.split(":").pop()}`;
  const r = spawnSync(
    process.execPath,
    [kiteBin, "agent", "--server", k.server, "--token", forged, "--data-dir", join(k.dataDir, "agent-x")],
    {
      encoding: "utf8",
      timeout: 20_000,
    },
  );
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^kite agent: the CA at https:\/\/127\.0\.0\.1:\d+ does not match the token/m);
});
