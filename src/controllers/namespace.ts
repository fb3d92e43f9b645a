// The namespace lifecycle controller: when a namespace is being deleted, delete everything in
// it, and once nothing is left remove the "kubernetes" finalizer so the API server lets it go.
// Level-triggered: a terminating namespace is re-examined until it is gone.
import type { Namespace } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import { apiVersionOf, resources } from "../api/registry.js";
import type { Client } from "../client/client.js";
import { startInformer } from "../client/informer.js";
import type { Logger } from "../util/log.js";

type NamespaceObject = Namespace & StoredObject;

const namespaced = resources.filter(
  (r) => r.namespaced && r.verbs.includes("deletecollection") && r.group !== "events.k8s.io",
);

function collectionPath(r: (typeof resources)[number], ns: string): string {
  const base = r.group ? `/apis/${apiVersionOf(r)}` : "/api/v1";
  return `${base}/namespaces/${encodeURIComponent(ns)}/${r.plural}`;
}

export function startNamespaceController(client: Client, log: Logger): { stop(): void } {
  const working = new Set<string>();
  let stopped = false;

  async function reconcile(ns: NamespaceObject): Promise<void> {
    const name = ns.metadata.name;
    if (!ns.metadata.deletionTimestamp || working.has(name) || stopped) return;
    working.add(name);
    try {
      let remaining = 0;
      for (const r of namespaced) {
        const path = collectionPath(r, name);
        await client.request("DELETE", path, { propagationPolicy: "Background" });
        const left = await client.request<{ items: unknown[] }>("GET", path);
        remaining += left.items.length;
      }
      if (remaining > 0) {
        // Pods on a node linger until the node finishes them; look again shortly.
        setTimeout(() => {
          const cur = informer.get(name);
          if (cur) void reconcile(cur);
        }, 1000).unref();
        return;
      }
      const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== "kubernetes");
      await client.request("PUT", `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
        ...ns,
        spec: { ...ns.spec, finalizers },
      });
    } catch (err) {
      if (!isStatusError(err, "NotFound") && !isStatusError(err, "Conflict")) {
        log.warn({ err: String(err), namespace: name }, "namespace cleanup failed; retrying");
      }
      setTimeout(() => {
        const cur = informer.get(name);
        if (cur) void reconcile(cur);
      }, 1000).unref();
    } finally {
      working.delete(name);
    }
  }

  const informer = startInformer<NamespaceObject>(
    client,
    "/api/v1/namespaces",
    { onChange: (ns, type) => type !== "DELETED" && void reconcile(ns) },
    (err) => log.warn({ err: String(err) }, "namespace informer"),
  );
  return {
    stop() {
      stopped = true;
      informer.stop();
    },
  };
}
