import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../api/object.js";
import { findResource, type ResourceInfo } from "../../api/registry.js";
import { printTable } from "./table.js";

const now = new Date("2024-05-01T12:00:00Z");
const created = "2024-05-01T11:55:00Z"; // 5m before now

function res(group: string, plural: string): ResourceInfo {
  const r = findResource(group, "v1", plural);
  assert.ok(r, plural);
  return r;
}

function table(group: string, plural: string, obj: KubeObject) {
  return printTable(res(group, plural), [obj], { now, includeObject: "Metadata" });
}
const header = (t: ReturnType<typeof table>, wide = false) =>
  t.columnDefinitions.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase());
const cells = (t: ReturnType<typeof table>) => t.rows[0]?.cells;

describe("printTable", () => {
  const pod: KubeObject = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "web",
      namespace: "default",
      uid: "u1",
      resourceVersion: "7",
      creationTimestamp: created,
    },
    spec: { containers: [] },
  };

  it("returns a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default", () => {
    const t = printTable(res("", "pods"), [pod], {
      now,
      includeObject: "Metadata",
      listMeta: { resourceVersion: "9" },
    });
    assert.equal(t.kind, "Table");
    assert.equal(t.apiVersion, "meta.k8s.io/v1");
    assert.deepEqual(t.metadata, { resourceVersion: "9" });
    assert.deepEqual(t.rows[0]?.object, {
      kind: "PartialObjectMetadata",
      apiVersion: "meta.k8s.io/v1",
      metadata: pod.metadata,
    });
    assert.deepEqual(t.columnDefinitions[0], {
      name: "Name",
      type: "string",
      format: "name",
      description:
        "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
      priority: 0,
    });
  });
  it("includes the whole object, or none, on request", () => {
    assert.equal(printTable(res("", "pods"), [pod], { now, includeObject: "Object" }).rows[0]?.object, pod);
    assert.equal(printTable(res("", "pods"), [pod], { now, includeObject: "None" }).rows[0]?.object, null);
    assert.deepEqual(
      printTable(res("", "pods"), [pod], { now, includeObject: "None", noHeaders: true }).columnDefinitions,
      [],
    );
  });

  it("namespaces: NAME STATUS AGE", () => {
    const t = table("", "namespaces", {
      metadata: { name: "default", creationTimestamp: created },
      status: { phase: "Active" },
    });
    assert.deepEqual(header(t), ["NAME", "STATUS", "AGE"]);
    assert.deepEqual(cells(t), ["default", "Active", "5m"]);
  });

  it("nodes: status, roles and wide columns", () => {
    const node: KubeObject = {
      metadata: {
        name: "n1",
        creationTimestamp: created,
        labels: {
          "node-role.kubernetes.io/control-plane": "",
          "node-role.kubernetes.io/master": "",
          "kubernetes.io/role": "edge",
        },
      },
      spec: { unschedulable: true },
      status: {
        conditions: [
          { type: "MemoryPressure", status: "False" },
          { type: "Ready", status: "True" },
        ],
        addresses: [
          { type: "InternalIP", address: "192.168.1.5" },
          { type: "Hostname", address: "n1" },
        ],
        nodeInfo: {
          kubeletVersion: "v1.30.0+kite",
          osImage: "Debian GNU/Linux 12 (bookworm)",
          kernelVersion: "6.1.0",
          containerRuntimeVersion: "",
        },
      },
    };
    const t = table("", "nodes", node);
    assert.deepEqual(header(t, true), [
      "NAME",
      "STATUS",
      "ROLES",
      "AGE",
      "VERSION",
      "INTERNAL-IP",
      "EXTERNAL-IP",
      "OS-IMAGE",
      "KERNEL-VERSION",
      "CONTAINER-RUNTIME",
    ]);
    assert.deepEqual(cells(t), [
      "n1",
      "Ready,SchedulingDisabled",
      "control-plane,edge,master",
      "5m",
      "v1.30.0+kite",
      "192.168.1.5",
      "<none>",
      "Debian GNU/Linux 12 (bookworm)",
      "6.1.0",
      "<unknown>",
    ]);
    const bare = table("", "nodes", { metadata: { name: "n2" } });
    assert.deepEqual(cells(bare)?.slice(0, 5), ["n2", "Unknown", "<none>", "<unknown>", ""]);
    const notReady = table("", "nodes", {
      metadata: { name: "n3" },
      status: { conditions: [{ type: "Ready", status: "Unknown" }] },
    });
    assert.equal(cells(notReady)?.[1], "NotReady");
  });

  it("core events: LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME", () => {
    const ev: KubeObject = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: "web.17c", namespace: "default" },
      involvedObject: { kind: "Pod", name: "web", fieldPath: "spec.containers{app}" },
      reason: "BackOff",
      message: "Back-off restarting failed container app in pod web_default(u1)\n",
      type: "Warning",
      source: { component: "kubelet", host: "n1" },
      firstTimestamp: "2024-05-01T11:00:00Z",
      lastTimestamp: "2024-05-01T11:59:30Z",
      count: 7,
    };
    const t = table("", "events", ev);
    assert.deepEqual(header(t), ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    assert.deepEqual(header(t, true), [
      "LAST SEEN",
      "TYPE",
      "REASON",
      "OBJECT",
      "SUBOBJECT",
      "SOURCE",
      "MESSAGE",
      "FIRST SEEN",
      "COUNT",
      "NAME",
    ]);
    assert.deepEqual(cells(t), [
      "30s",
      "Warning",
      "BackOff",
      "pod/web",
      "spec.containers{app}",
      "kubelet, n1",
      "Back-off restarting failed container app in pod web_default(u1)",
      "60m",
      7,
      "web.17c",
    ]);
  });

  it("events.k8s.io events print through the same columns from eventTime and series", () => {
    const ev: KubeObject = {
      apiVersion: "events.k8s.io/v1",
      kind: "Event",
      metadata: { name: "web.18a", namespace: "default" },
      regarding: { kind: "Pod", name: "web" },
      reason: "Scheduled",
      note: "Successfully assigned default/web to n1",
      type: "Normal",
      reportingController: "default-scheduler",
      reportingInstance: "default-scheduler-n1",
      eventTime: "2024-05-01T11:58:00.000000Z",
    };
    assert.deepEqual(cells(table("events.k8s.io", "events", ev)), [
      "2m",
      "Normal",
      "Scheduled",
      "pod/web",
      "",
      "default-scheduler, default-scheduler-n1",
      "Successfully assigned default/web to n1",
      "2m",
      1,
      "web.18a",
    ]);
    const series = { ...ev, series: { count: 4, lastObservedTime: "2024-05-01T11:59:50.000000Z" } };
    const c = cells(table("events.k8s.io", "events", series));
    assert.deepEqual([c?.[0], c?.[8]], ["10s", 4]);
  });

  it("configmaps: NAME DATA AGE counting binaryData too", () => {
    const t = table("", "configmaps", {
      metadata: { name: "cfg", creationTimestamp: created },
      data: { a: "1", b: "2" },
      binaryData: { c: "AA==" },
    });
    assert.deepEqual(header(t), ["NAME", "DATA", "AGE"]);
    assert.deepEqual(cells(t), ["cfg", 3, "5m"]);
  });

  it("secrets: NAME TYPE DATA AGE", () => {
    const t = table("", "secrets", {
      metadata: { name: "s", creationTimestamp: created },
      type: "Opaque",
      data: { a: "MQ==" },
    });
    assert.deepEqual(header(t), ["NAME", "TYPE", "DATA", "AGE"]);
    assert.deepEqual(cells(t), ["s", "Opaque", 1, "5m"]);
  });

  it("persistentvolumes with access modes, claim and <unset> classes", () => {
    const pv: KubeObject = {
      metadata: { name: "pv1", creationTimestamp: created },
      spec: {
        capacity: { storage: "1Gi" },
        accessModes: ["ReadWriteMany", "ReadWriteOnce", "ReadWriteOnce", "ReadWriteOncePod", "ReadOnlyMany"],
        persistentVolumeReclaimPolicy: "Delete",
        claimRef: { namespace: "default", name: "data" },
        storageClassName: "local-path",
      },
      status: { phase: "Bound" },
    };
    const t = table("", "persistentvolumes", pv);
    assert.deepEqual(header(t, true), [
      "NAME",
      "CAPACITY",
      "ACCESS MODES",
      "RECLAIM POLICY",
      "STATUS",
      "CLAIM",
      "STORAGECLASS",
      "VOLUMEATTRIBUTESCLASS",
      "REASON",
      "AGE",
      "VOLUMEMODE",
    ]);
    assert.deepEqual(cells(t), [
      "pv1",
      "1Gi",
      "RWO,ROX,RWX,RWOP",
      "Delete",
      "Bound",
      "default/data",
      "local-path",
      "<unset>",
      "",
      "5m",
      "<unset>",
    ]);
    const deleting = table("", "persistentvolumes", {
      metadata: { name: "pv2", deletionTimestamp: created },
      spec: { volumeMode: "Block" },
      status: { phase: "Released" },
    });
    assert.deepEqual(cells(deleting), [
      "pv2",
      "0",
      "",
      "",
      "Terminating",
      "",
      "",
      "<unset>",
      "",
      "<unknown>",
      "Block",
    ]);
  });

  it("persistentvolumeclaims show capacity and modes only once bound", () => {
    const pending = table("", "persistentvolumeclaims", {
      metadata: { name: "data", creationTimestamp: created },
      spec: { storageClassName: "local-path", resources: { requests: { storage: "1Gi" } } },
      status: { phase: "Pending" },
    });
    assert.deepEqual(header(pending, true), [
      "NAME",
      "STATUS",
      "VOLUME",
      "CAPACITY",
      "ACCESS MODES",
      "STORAGECLASS",
      "VOLUMEATTRIBUTESCLASS",
      "AGE",
      "VOLUMEMODE",
    ]);
    assert.deepEqual(cells(pending), [
      "data",
      "Pending",
      "",
      "",
      "",
      "local-path",
      "<unset>",
      "5m",
      "<unset>",
    ]);
    const bound = table("", "persistentvolumeclaims", {
      metadata: {
        name: "data",
        creationTimestamp: created,
        annotations: { "volume.beta.kubernetes.io/storage-class": "old" },
      },
      spec: { volumeName: "pv1", storageClassName: "local-path", volumeMode: "Filesystem" },
      status: { phase: "Bound", capacity: { storage: "2Gi" }, accessModes: ["ReadWriteOnce"] },
    });
    assert.deepEqual(cells(bound), [
      "data",
      "Bound",
      "pv1",
      "2Gi",
      "RWO",
      "old",
      "<unset>",
      "5m",
      "Filesystem",
    ]);
  });

  it("storageclasses mark the default class and default the policies", () => {
    const t = table("storage.k8s.io", "storageclasses", {
      metadata: {
        name: "local-path",
        creationTimestamp: created,
        annotations: { "storageclass.kubernetes.io/is-default-class": "true" },
      },
      provisioner: "rancher.io/local-path",
    });
    assert.deepEqual(header(t), [
      "NAME",
      "PROVISIONER",
      "RECLAIMPOLICY",
      "VOLUMEBINDINGMODE",
      "ALLOWVOLUMEEXPANSION",
      "AGE",
    ]);
    assert.deepEqual(cells(t), [
      "local-path (default)",
      "rancher.io/local-path",
      "Delete",
      "Immediate",
      false,
      "5m",
    ]);
    const other = table("storage.k8s.io", "storageclasses", {
      metadata: { name: "x" },
      provisioner: "p",
      reclaimPolicy: "Retain",
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    });
    assert.deepEqual(cells(other)?.slice(0, 5), ["x", "p", "Retain", "WaitForFirstConsumer", true]);
  });

  it("leases: NAME HOLDER AGE", () => {
    const t = table("coordination.k8s.io", "leases", {
      metadata: { name: "n1", creationTimestamp: created },
      spec: { holderIdentity: "n1" },
    });
    assert.deepEqual(header(t), ["NAME", "HOLDER", "AGE"]);
    assert.deepEqual(cells(t), ["n1", "n1", "5m"]);
    assert.deepEqual(
      cells(table("coordination.k8s.io", "leases", { metadata: { name: "free" }, spec: {} })),
      ["free", "", "<unknown>"],
    );
  });

  it("falls back to NAME AGE for resources without a printer", () => {
    const t = table("", "bindings", { metadata: { name: "b", creationTimestamp: created } });
    assert.deepEqual(header(t), ["NAME", "AGE"]);
    assert.deepEqual(cells(t), ["b", "5m"]);
  });
});
