import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRequest } from "./request.js";

const q = (s = "") => new URLSearchParams(s);

test("a namespaced pod path parses into namespace, resource, name and verb", () => {
  const ri = parseRequest("GET", "/api/v1/namespaces/default/pods/web-pod", q());
  assert.equal(ri.kind, "resource");
  if (ri.kind !== "resource") return;
  assert.equal(ri.resource.plural, "pods");
  assert.equal(ri.namespace, "default");
  assert.equal(ri.name, "web-pod");
  assert.equal(ri.verb, "get");
});

test("list, watch (query and legacy prefix), deletecollection and subresources", () => {
  const verb = (m: string, p: string, s = "") => {
    const ri = parseRequest(m, p, q(s));
    return ri.kind === "resource" ? `${ri.verb}${ri.subresource ? `:${ri.subresource}` : ""}` : ri.kind;
  };
  assert.equal(verb("GET", "/api/v1/pods"), "list");
  assert.equal(verb("GET", "/api/v1/namespaces/default/pods", "watch=true"), "watch");
  assert.equal(verb("GET", "/api/v1/watch/namespaces/default/pods"), "watch");
  assert.equal(verb("DELETE", "/api/v1/namespaces/default/pods"), "deletecollection");
  assert.equal(verb("PUT", "/api/v1/namespaces/default/pods/x/status"), "update:status");
  assert.equal(verb("POST", "/api/v1/namespaces/default/pods/x/binding"), "create:binding");
  assert.equal(verb("POST", "/api/v1/namespaces/default/pods/x/exec"), "connect:exec");
  assert.equal(verb("GET", "/api/v1/namespaces/default/pods/x/log"), "get:log");
});

test("namespaces themselves: /namespaces/x and /namespaces/x/status, /namespaces/x/finalize", () => {
  const ns = parseRequest("GET", "/api/v1/namespaces/kube-system", q());
  assert.ok(ns.kind === "resource" && ns.resource.plural === "namespaces" && ns.name === "kube-system");
  const st = parseRequest("PUT", "/api/v1/namespaces/kube-system/status", q());
  assert.ok(st.kind === "resource" && st.resource.plural === "namespaces" && st.subresource === "status");
  const fin = parseRequest("PUT", "/api/v1/namespaces/x/finalize", q());
  assert.ok(fin.kind === "resource" && fin.subresource === "finalize" && fin.name === "x");
});

test("grouped, cluster-scoped and unknown resources", () => {
  const sc = parseRequest("GET", "/apis/storage.k8s.io/v1/storageclasses/local-path", q());
  assert.ok(sc.kind === "resource" && sc.resource.kind === "StorageClass" && sc.namespace === undefined);
  assert.equal(parseRequest("GET", "/apis/apps/v1/deployments", q()).kind, "unknown");
  assert.equal(parseRequest("GET", "/api/v1/namespaces/default/nodes", q()).kind, "unknown");
  assert.deepEqual(parseRequest("GET", "/apis/storage.k8s.io", q()), {
    kind: "other",
    parts: ["apis", "storage.k8s.io"],
  });
});
