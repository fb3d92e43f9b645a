// Every malformed or invalid request gets a Kubernetes Status with the right code, and the
// server keeps serving afterwards.
import assert from "node:assert/strict";
import type { Agent } from "node:https";
import { after, before, test } from "node:test";
import { adminAgent, call } from "../support/http.js";
import { type KiteServer, startKite } from "../support/kite.js";

let k: KiteServer;
let agent: Agent;
before(async () => {
  k = await startKite();
  agent = adminAgent(k);
});
after(async () => {
  agent?.destroy();
  await k?.cleanup();
});

const pods = "/api/v1/namespaces/default/pods";
const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: { containers: [{ name: "c", image: "busybox" }] },
});

function assertStatus(
  r: { code: number; json: () => Record<string, unknown> },
  code: number,
  reason: string,
): Record<string, unknown> {
  assert.equal(r.code, code);
  const s = r.json();
  assert.equal(s.kind, "Status");
  assert.equal(s.code, code);
  assert.equal(s.reason, reason);
  return s;
}

test("undecodable bodies are 400 BadRequest", async () => {
  assertStatus(await call(k, agent, "POST", pods, "{not json"), 400, "BadRequest");
  assertStatus(await call(k, agent, "POST", pods, "[1,2,3]"), 400, "BadRequest");
  assertStatus(
    await call(k, agent, "POST", pods, "a: [unclosed", { "content-type": "application/yaml" }),
    400,
    "BadRequest",
  );
  assertStatus(await call(k, agent, "POST", pods, { ...pod("x"), apiVersion: "v2" }), 400, "BadRequest");
});

test("a YAML body is accepted like JSON", async () => {
  const r = await call(
    k,
    agent,
    "POST",
    pods,
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: busybox\n",
    { "content-type": "application/yaml" },
  );
  assert.equal(r.code, 201, r.body);
});

test("an oversized body is 413 and does not take the server down", async () => {
  const big = JSON.stringify({
    ...pod("big"),
    metadata: { name: "big", annotations: { a: "x".repeat(4 * 1024 * 1024) } },
  });
  const r = await call(k, agent, "POST", pods, big).catch(() => ({
    code: 413,
    json: () => ({ kind: "Status", code: 413, reason: "RequestEntityTooLarge" }),
  }));
  assertStatus(r, 413, "RequestEntityTooLarge");
  assert.equal((await call(k, agent, "GET", "/readyz")).code, 200);
});

test("unknown paths, resources and methods", async () => {
  const s = assertStatus(await call(k, agent, "GET", "/apis/apps/v1/deployments"), 404, "NotFound");
  assert.equal(s.message, "the server could not find the requested resource");
  assertStatus(await call(k, agent, "GET", `${pods}/nope`), 404, "NotFound");
  assertStatus(await call(k, agent, "PUT", pods, pod("x")), 405, "MethodNotAllowed");
  assertStatus(
    await call(k, agent, "PATCH", `${pods}/from-yaml`, "{}", { "content-type": "text/plain" }),
    415,
    "UnsupportedMediaType",
  );
});

test("bad selectors, continue tokens, limits and fieldValidation values are 400", async () => {
  assertStatus(
    await call(k, agent, "GET", `${pods}?labelSelector=${encodeURIComponent("a in (")}`),
    400,
    "BadRequest",
  );
  assertStatus(await call(k, agent, "GET", `${pods}?fieldSelector=spec.foo%3Dbar`), 400, "BadRequest");
  assertStatus(await call(k, agent, "GET", `${pods}?limit=1&continue=garbage!!`), 400, "BadRequest");
  assertStatus(await call(k, agent, "GET", `${pods}?limit=-1`), 400, "BadRequest");
  assertStatus(await call(k, agent, "POST", `${pods}?fieldValidation=Loud`, pod("fv")), 400, "BadRequest");
});

test("fieldValidation: Strict rejects, Warn warns and drops, Ignore drops silently", async () => {
  const withUnknown = {
    ...pod("fv-strict"),
    spec: { containers: [{ name: "c", image: "busybox", colour: "blue" }] },
  };
  const strict = assertStatus(
    await call(k, agent, "POST", `${pods}?fieldValidation=Strict`, withUnknown),
    400,
    "BadRequest",
  );
  assert.equal(
    strict.message,
    'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].colour"',
  );
  const warn = await call(k, agent, "POST", `${pods}?fieldValidation=Warn`, {
    ...withUnknown,
    metadata: { name: "fv-warn" },
  });
  assert.equal(warn.code, 201);
  assert.match(String(warn.headers.warning), /unknown field \\"spec\.containers\[0\]\.colour\\"/);
  assert.equal(
    warn.json<{ spec: { containers: Array<Record<string, unknown>> } }>().spec.containers[0]!.colour,
    undefined,
  );
  const ignore = await call(k, agent, "POST", `${pods}?fieldValidation=Ignore`, {
    ...withUnknown,
    metadata: { name: "fv-ignore" },
  });
  assert.equal(ignore.code, 201);
  assert.equal(ignore.headers.warning, undefined);
});

test("creating in a namespace that does not exist is 404 for the namespace", async () => {
  const s = assertStatus(
    await call(k, agent, "POST", "/api/v1/namespaces/nowhere/pods", pod("x")),
    404,
    "NotFound",
  );
  assert.equal(s.message, 'namespaces "nowhere" not found');
});

test("a bad JSON patch is rejected and changes nothing", async () => {
  const r = await call(
    k,
    agent,
    "PATCH",
    `${pods}/from-yaml`,
    '[{"op":"test","path":"/metadata/name","value":"other"}]',
    {
      "content-type": "application/json-patch+json",
    },
  );
  assert.ok(r.code === 422 || r.code === 400 || r.code === 500, `${r.code} ${r.body}`);
  assert.equal(r.json().kind, "Status");
  const after = await call(k, agent, "GET", `${pods}/from-yaml`);
  assert.equal(after.code, 200);
});

test("the server is still healthy after all of that", async () => {
  assert.equal((await call(k, agent, "GET", "/readyz")).body, "ok");
});

test("duplicate JSON keys: an error under Strict, a warning under Warn", async () => {
  const body =
    '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dupkey","name":"dupkey"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}';
  const strict = assertStatus(
    await call(k, agent, "POST", `${pods}?fieldValidation=Strict`, body),
    400,
    "BadRequest",
  );
  assert.match(String(strict.message), /strict decoding error: duplicate field "metadata\.name"/);
  const warn = await call(k, agent, "POST", `${pods}?fieldValidation=Warn`, body);
  assert.equal(warn.code, 201);
  assert.match(String(warn.headers.warning), /duplicate field/);
});
