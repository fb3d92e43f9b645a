// core/v1 Event and events.k8s.io/v1 Event are one stored object in two shapes, converted as
// kube-apiserver's conversion functions do (pkg/apis/events/v1/conversion.go). kite stores the
// core/v1 shape.
import type { Event as CoreEvent } from "kubernetes-types/core/v1.js";
import type { Event as EventsV1Event } from "kubernetes-types/events/v1.js";
import type { KubeObject } from "../object.js";

export function coreToEventsV1(e: CoreEvent): EventsV1Event {
  const out: EventsV1Event = {
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
    metadata: e.metadata,
    eventTime: e.eventTime ?? (null as unknown as string),
    reason: e.reason,
    regarding: e.involvedObject,
    note: e.message,
    type: e.type,
    reportingController: e.reportingComponent ?? e.source?.component,
    reportingInstance: e.reportingInstance ?? e.source?.host,
    action: e.action,
    related: e.related,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  };
  if (e.series)
    out.series = { count: e.series.count ?? 0, lastObservedTime: e.series.lastObservedTime ?? "" };
  return prune(out as unknown as KubeObject) as unknown as EventsV1Event;
}

export function eventsV1ToCore(e: EventsV1Event): CoreEvent {
  const out: CoreEvent = {
    apiVersion: "v1",
    kind: "Event",
    metadata: e.metadata ?? {},
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    type: e.type,
    eventTime: e.eventTime,
    reportingComponent: e.reportingController ?? "",
    reportingInstance: e.reportingInstance ?? "",
    action: e.action,
    related: e.related,
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
  };
  if (e.series) out.series = { count: e.series.count, lastObservedTime: e.series.lastObservedTime };
  return prune(out as unknown as KubeObject) as unknown as CoreEvent;
}

function prune(o: KubeObject): KubeObject {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
