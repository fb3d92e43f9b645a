// The event recorder, client-go's record.EventRecorder in small: core/v1 Events about an object,
// with repeats of the same reason and message folded into one Event whose count grows (the
// aggregation that keeps `kubectl describe` readable).
import { randomBytes } from "node:crypto";
import type { Event, ObjectReference } from "kubernetes-types/core/v1.js";
import { isStatusError } from "../api/errors.js";
import type { StoredObject } from "../api/object.js";
import type { Client } from "./client.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  event(obj: StoredObject, type: EventType, reason: string, message: string): void;
  /** resolves when every recorded event has been written (tests and shutdown) */
  flush(): Promise<void>;
}

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function newEventRecorder(
  client: Client,
  source: { component: string; host?: string },
  onError: (err: unknown) => void = () => {},
): EventRecorder {
  // Repeats within this window update the existing Event, as client-go's correlator does.
  const windowMs = 10 * 60 * 1000;
  const seen = new Map<
    string,
    { name: string; namespace: string; count: number; first: string; at: number }
  >();
  let pending: Promise<void> = Promise.resolve();

  function reference(obj: StoredObject): ObjectReference {
    return {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion,
    };
  }

  async function write(obj: StoredObject, type: EventType, reason: string, message: string): Promise<void> {
    const namespace = obj.metadata.namespace || "default";
    const key = [obj.metadata.uid, type, reason, message].join("\u0000");
    const now = new Date();
    const prev = seen.get(key);
    if (prev && now.getTime() - prev.at < windowMs) {
      prev.count++;
      prev.at = now.getTime();
      try {
        await client.request(
          "PATCH",
          `/api/v1/namespaces/${encodeURIComponent(prev.namespace)}/events/${encodeURIComponent(prev.name)}`,
          { count: prev.count, lastTimestamp: rfc3339(now) },
          "application/merge-patch+json",
        );
        return;
      } catch (err) {
        if (!isStatusError(err, "NotFound")) throw err;
      }
    }
    // client-go names events <object>.<hex nanoseconds>.
    const name = `${obj.metadata.name}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(randomBytes(2).readUInt16BE())).toString(16)}`;
    const event: Event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace },
      involvedObject: reference(obj),
      reason,
      message,
      type,
      source: source.host
        ? { component: source.component, host: source.host }
        : { component: source.component },
      firstTimestamp: rfc3339(now),
      lastTimestamp: rfc3339(now),
      count: 1,
      eventTime: null as unknown as string,
      reportingComponent: source.component,
      reportingInstance: source.host ?? "",
    };
    await client.request("POST", `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, event);
    seen.set(key, { name, namespace, count: 1, first: rfc3339(now), at: now.getTime() });
    if (seen.size > 4096) {
      for (const [k, v] of seen) if (now.getTime() - v.at > windowMs) seen.delete(k);
    }
  }

  return {
    event(obj, type, reason, message) {
      // Events are best effort and in order; a failure never blocks the caller.
      pending = pending.then(() => write(obj, type, reason, message)).catch(onError);
    },
    flush: () => pending,
  };
}
