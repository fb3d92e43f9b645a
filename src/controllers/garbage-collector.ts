// The garbage collector: honours ownerReferences and DeleteOptions.propagationPolicy as
// kube-controller-manager's does. Background: a dependent whose owners are all gone is deleted.
// Foreground: an owner marked "foregroundDeletion" waits until its dependents are gone.
// Orphan: an owner marked "orphan" first has itself removed from its dependents' ownerReferences.
import type { OwnerReference } from "kubernetes-types/meta/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import { apiVersionOf, findKind, type ResourceInfo, resources } from "../api/registry.js";
import type { Client } from "../client/client.js";
import { type Informer, startInformer } from "../client/informer.js";
import type { Logger } from "../util/log.js";

const watched = resources.filter((r) => r.verbs.includes("watch") && r.group !== "events.k8s.io");

function objectPath(r: ResourceInfo, o: StoredObject): string {
  const base = r.group ? `/apis/${apiVersionOf(r)}` : "/api/v1";
  const ns = r.namespaced ? `/namespaces/${encodeURIComponent(o.metadata.namespace ?? "")}` : "";
  return `${base}${ns}/${r.plural}/${encodeURIComponent(o.metadata.name)}`;
}

export function startGarbageCollector(client: Client, log: Logger): { stop(): void } {
  const byUid = new Map<string, { r: ResourceInfo; o: StoredObject }>();
  const dependents = new Map<string, Set<string>>();
  const informers: Array<Informer<StoredObject>> = [];
  let synced = 0;
  let stopped = false;
  const queue = new Set<string>();
  let scheduled = false;

  const index = (r: ResourceInfo, o: StoredObject, type: string) => {
    const uid = o.metadata.uid;
    const prev = byUid.get(uid);
    for (const ref of prev?.o.metadata.ownerReferences ?? []) dependents.get(ref.uid)?.delete(uid);
    if (type === "DELETED") {
      byUid.delete(uid);
    } else {
      byUid.set(uid, { r, o });
      for (const ref of o.metadata.ownerReferences ?? []) {
        if (!dependents.has(ref.uid)) dependents.set(ref.uid, new Set());
        dependents.get(ref.uid)!.add(uid);
      }
    }
    enqueue(uid);
    for (const ref of o.metadata.ownerReferences ?? []) enqueue(ref.uid);
    for (const d of dependents.get(uid) ?? []) enqueue(d);
  };

  function enqueue(uid: string): void {
    queue.add(uid);
    if (!scheduled && synced === watched.length) {
      scheduled = true;
      setImmediate(drain);
    }
  }

  async function drain(): Promise<void> {
    scheduled = false;
    const uids = [...queue];
    queue.clear();
    for (const uid of uids) {
      if (stopped) return;
      try {
        await reconcile(uid);
      } catch (err) {
        if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) {
          log.warn({ err: String(err), uid }, "garbage collector");
        }
        setTimeout(() => enqueue(uid), 1000).unref();
      }
    }
  }

  async function reconcile(uid: string): Promise<void> {
    const item = byUid.get(uid);
    if (!item) {
      // An owner that is gone: its dependents may now be orphans to collect.
      for (const d of dependents.get(uid) ?? []) if (byUid.has(d)) await collectIfOwnersGone(d);
      return;
    }
    const { r, o } = item;
    const finalizers = o.metadata.finalizers ?? [];
    if (o.metadata.deletionTimestamp && finalizers.includes("orphan")) {
      for (const d of dependents.get(uid) ?? []) {
        const dep = byUid.get(d);
        if (!dep) continue;
        const refs = (dep.o.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
        await client.request(
          "PATCH",
          objectPath(dep.r, dep.o),
          { metadata: { ownerReferences: refs.length ? refs : null } },
          "application/merge-patch+json",
        );
      }
      await removeFinalizer(r, o, "orphan");
      return;
    }
    if (o.metadata.deletionTimestamp && finalizers.includes("foregroundDeletion")) {
      const live = [...(dependents.get(uid) ?? [])].filter((d) => byUid.has(d));
      for (const d of live) {
        const dep = byUid.get(d)!;
        if (!dep.o.metadata.deletionTimestamp) {
          await client.request("DELETE", objectPath(dep.r, dep.o), { propagationPolicy: "Foreground" });
        }
      }
      if (live.length === 0) await removeFinalizer(r, o, "foregroundDeletion");
      return;
    }
    await collectIfOwnersGone(uid);
  }

  async function collectIfOwnersGone(uid: string): Promise<void> {
    const item = byUid.get(uid);
    const refs: OwnerReference[] = item?.o.metadata.ownerReferences ?? [];
    if (!item || refs.length === 0 || item.o.metadata.deletionTimestamp) return;
    for (const ref of refs) {
      const owner = byUid.get(ref.uid);
      if (owner?.o.metadata.deletionTimestamp && owner.o.metadata.finalizers?.includes("foregroundDeletion"))
        continue;
      if (owner) return;
      // The informers may not have seen the owner yet: as kube's collector does, ask the API.
      if (await ownerExists(ref, item.o.metadata.namespace)) return;
    }
    await client.request("DELETE", objectPath(item.r, item.o), {
      propagationPolicy: "Background",
      preconditions: { uid },
    });
  }

  async function ownerExists(ref: OwnerReference, namespace: string | undefined): Promise<boolean> {
    const r = findKind(ref.apiVersion, ref.kind);
    if (!r) return false;
    const probe = { metadata: { name: ref.name, namespace } } as StoredObject;
    try {
      const live = await client.request<StoredObject>("GET", objectPath(r, probe));
      return live.metadata.uid === ref.uid;
    } catch (err) {
      if (isStatusError(err, "NotFound")) return false;
      throw err;
    }
  }

  async function removeFinalizer(r: ResourceInfo, o: StoredObject, finalizer: string): Promise<void> {
    const remaining = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await client.request(
      "PATCH",
      objectPath(r, o),
      [
        { op: "test", path: "/metadata/resourceVersion", value: o.metadata.resourceVersion },
        { op: "replace", path: "/metadata/finalizers", value: remaining },
      ],
      "application/json-patch+json",
    );
  }

  for (const r of watched) {
    const path = r.group ? `/apis/${apiVersionOf(r)}/${r.plural}` : `/api/v1/${r.plural}`;
    informers.push(
      startInformer<StoredObject>(
        client,
        path,
        {
          onChange: (o, type) => index(r, o, type),
          onSynced: () => {
            synced++;
            if (synced === watched.length) for (const uid of byUid.keys()) enqueue(uid);
          },
        },
        (err) => log.warn({ err: String(err), resource: r.plural }, "garbage collector informer"),
      ),
    );
  }
  return {
    stop() {
      stopped = true;
      for (const i of informers) i.stop();
    },
  };
}
