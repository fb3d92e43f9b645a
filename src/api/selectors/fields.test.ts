import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStatusError } from "../errors.js";
import type { KubeObject } from "../object.js";
import { findResource, type ResourceInfo } from "../registry.js";
import {
  convertFieldSelector,
  escapeFieldValue,
  fieldExactMatch,
  fieldsOf,
  formatFieldSelector,
  matchesFields,
  objectMatchesFields,
  parseFieldSelector,
  parseFieldSelectorParam,
} from "./fields.js";
import { SelectorError } from "./labels.js";

function res(group: string, plural: string): ResourceInfo {
  const r = findResource(group, "v1", plural);
  assert.ok(r, plural);
  return r;
}
const pods = res("", "pods");
const events = res("", "events");
const eventsV1 = res("events.k8s.io", "events");
const configmaps = res("", "configmaps");
const nodes = res("", "nodes");
const namespaces = res("", "namespaces");
const secrets = res("", "secrets");
const pvs = res("", "persistentvolumes");

function rejects(fn: () => unknown, message: string) {
  assert.throws(fn, (err: unknown) => err instanceof SelectorError && err.message === message);
}

describe("field selector syntax", () => {
  it("parses =, == and != terms, sorted as kube sorts them", () => {
    assert.deepEqual(parseFieldSelector("e==f,c!=d,a=b").requirements, [
      { field: "a", operator: "=", value: "b" },
      { field: "c", operator: "!=", value: "d" },
      { field: "e", operator: "=", value: "f" },
    ]);
  });
  it("unescapes \\, \\= and \\\\ in values and ignores empty terms", () => {
    assert.deepEqual(parseFieldSelector("a=x\\,y\\=z\\\\,,").requirements, [
      { field: "a", operator: "=", value: "x,y=z\\" },
    ]);
    assert.equal(escapeFieldValue("x,y=z\\"), "x\\,y\\=z\\\\");
    assert.equal(formatFieldSelector(parseFieldSelector("a!=x\\,y")), "a!=x\\,y");
  });
  it("rejects a term without an operator", () => {
    rejects(() => parseFieldSelector("a=b,abc"), "invalid selector: 'a=b,abc'; can't understand 'abc'");
  });
  it("rejects bad escapes and unescaped characters with kube's wording", () => {
    rejects(() => parseFieldSelector("a=b\\x"), "invalid field selector: invalid escape sequence: \\x");
    rejects(() => parseFieldSelector("a=b\\"), "invalid field selector: invalid escape sequence: \\");
    rejects(() => parseFieldSelector("a=b=c"), "invalid field selector: unescaped character in value: 61");
  });
});

describe("field labels per resource", () => {
  it("rejects a label pods do not support", () => {
    rejects(
      () => convertFieldSelector(pods, parseFieldSelector("foo=bar")),
      "field label not supported: foo",
    );
  });
  it("rejects metadata.namespace on nodes, which register their own conversion", () => {
    rejects(
      () => convertFieldSelector(nodes, parseFieldSelector("metadata.namespace=x")),
      "field label not supported: metadata.namespace",
    );
  });
  it("uses the default conversion message for kinds without one", () => {
    rejects(
      () => convertFieldSelector(configmaps, parseFieldSelector("data.x=1")),
      `"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"`,
    );
  });
  it("maps spec.host to spec.nodeName and events.k8s.io names to the core ones", () => {
    assert.equal(
      convertFieldSelector(pods, parseFieldSelector("spec.host=n1")).requirements[0]?.field,
      "spec.nodeName",
    );
    assert.deepEqual(
      convertFieldSelector(
        eventsV1,
        parseFieldSelector("regarding.name=web,reportingController=kubelet"),
      ).requirements.map((r) => r.field),
      ["involvedObject.name", "reportingComponent"],
    );
    rejects(
      () => convertFieldSelector(eventsV1, parseFieldSelector("involvedObject.name=x")),
      "field label not supported: involvedObject.name",
    );
  });
  it("turns any selector error into a 400 BadRequest", () => {
    assert.throws(
      () => parseFieldSelectorParam(pods, "foo=bar"),
      (err: unknown) =>
        isStatusError(err, "BadRequest") &&
        err.code === 400 &&
        err.message === "field label not supported: foo",
    );
    assert.deepEqual(parseFieldSelectorParam(pods, "").requirements, []);
  });
});

describe("selectable fields", () => {
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web", namespace: "default" },
    spec: {
      nodeName: "n1",
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      serviceAccount: "sa",
      containers: [],
    },
    status: { phase: "Running", podIP: "10.42.0.5", podIPs: [{ ip: "10.42.0.5" }, { ip: "fd00::5" }] },
  };
  it("computes pod fields as the pod registry does", () => {
    assert.deepEqual(fieldsOf(pods, pod), {
      "metadata.name": "web",
      "metadata.namespace": "default",
      "spec.nodeName": "n1",
      "spec.restartPolicy": "Always",
      "spec.schedulerName": "default-scheduler",
      "spec.serviceAccountName": "sa",
      "spec.hostNetwork": "false",
      "status.phase": "Running",
      "status.podIP": "10.42.0.5",
      "status.nominatedNodeName": "",
    });
  });
  it("selects pods by node, phase and name", () => {
    const sel = parseFieldSelectorParam(pods, "spec.nodeName=n1,status.phase!=Succeeded,metadata.name=web");
    assert.equal(objectMatchesFields(pods, sel, pod), true);
    assert.equal(objectMatchesFields(pods, parseFieldSelectorParam(pods, "spec.nodeName=n2"), pod), false);
    assert.equal(fieldExactMatch(sel, "spec.nodeName"), "n1");
    // accepted but never set by kube's registry, so it reads as ""
    assert.equal(
      objectMatchesFields(pods, parseFieldSelectorParam(pods, "status.podIPs=10.42.0.5"), pod),
      false,
    );
    assert.equal(objectMatchesFields(pods, parseFieldSelectorParam(pods, "status.podIPs="), pod), true);
  });
  it("computes event fields from either event shape", () => {
    const core: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web.1", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web", namespace: "default", uid: "u1" },
      reason: "Pulled",
      type: "Normal",
      source: { component: "kubelet" },
    };
    const v1: KubeObject = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "web.1", namespace: "default" },
      regarding: { kind: "Pod", name: "web", namespace: "default", uid: "u1" },
      reason: "Pulled",
      type: "Normal",
      reportingController: "kubelet",
      eventTime: "2024-01-01T00:00:00.000000Z",
    };
    const sel = parseFieldSelectorParam(
      events,
      "involvedObject.name=web,involvedObject.uid=u1,source=kubelet,type=Normal",
    );
    assert.equal(objectMatchesFields(events, sel, core), true);
    assert.equal(objectMatchesFields(events, sel, v1), true);
    const selV1 = parseFieldSelectorParam(
      eventsV1,
      "regarding.name=web,reportingController=kubelet,source=kubelet",
    );
    assert.equal(objectMatchesFields(eventsV1, selV1, v1), true);
    assert.equal(objectMatchesFields(eventsV1, selV1, core), false);
  });
  it("computes node, namespace, secret and cluster-scoped fields", () => {
    assert.deepEqual(fieldsOf(nodes, { metadata: { name: "n1" }, spec: { unschedulable: true } }), {
      "metadata.name": "n1",
      "spec.unschedulable": "true",
    });
    assert.deepEqual(fieldsOf(namespaces, { metadata: { name: "ns" }, status: { phase: "Terminating" } }), {
      "metadata.name": "ns",
      "status.phase": "Terminating",
    });
    assert.deepEqual(fieldsOf(secrets, { metadata: { name: "s", namespace: "d" }, type: "Opaque" }), {
      "metadata.name": "s",
      "metadata.namespace": "d",
      type: "Opaque",
    });
    assert.deepEqual(fieldsOf(pvs, { metadata: { name: "pv1" } }), { "metadata.name": "pv1" });
    assert.equal(
      matchesFields(parseFieldSelector("metadata.namespace="), fieldsOf(pvs, { metadata: { name: "pv1" } })),
      true,
    );
  });
});
