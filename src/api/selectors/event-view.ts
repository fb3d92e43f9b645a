// core/v1 and events.k8s.io/v1 Events are one object in two shapes (kube-apiserver stores the internal
// type once and converts on the way out). Field selection and printing work on the internal view, so
// either shape reads the same: `regarding` is `involvedObject`, `note` is `message`, and so on.
import type {
  Event as CoreEvent,
  EventSeries as CoreEventSeries,
  EventSource,
  ObjectReference,
} from "kubernetes-types/core/v1.js";
import type { Event as EventsV1Event } from "kubernetes-types/events/v1.js";
import type { ObjectMeta } from "kubernetes-types/meta/v1.js";

export interface EventView {
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  reason: string;
  message: string;
  source: EventSource;
  firstTimestamp?: string;
  lastTimestamp?: string;
  count: number;
  type: string;
  eventTime?: string;
  series?: CoreEventSeries;
  reportingController: string;
  reportingInstance: string;
}

function isEventsV1(obj: Record<string, unknown>): boolean {
  if (typeof obj.apiVersion === "string") return obj.apiVersion === "events.k8s.io/v1";
  return "regarding" in obj || "note" in obj || "deprecatedSource" in obj;
}

/** The internal (unversioned) Event that Convert_v1_Event_To_core_Event would produce from either shape. */
export function eventView(obj: unknown): EventView {
  const o = (obj ?? {}) as Record<string, unknown>;
  if (isEventsV1(o)) {
    const e = o as unknown as EventsV1Event;
    return {
      metadata: e.metadata ?? {},
      involvedObject: e.regarding ?? {},
      reason: e.reason ?? "",
      message: e.note ?? "",
      source: e.deprecatedSource ?? {},
      firstTimestamp: e.deprecatedFirstTimestamp,
      lastTimestamp: e.deprecatedLastTimestamp,
      count: e.deprecatedCount ?? 0,
      type: e.type ?? "",
      eventTime: e.eventTime,
      series: e.series ? { count: e.series.count, lastObservedTime: e.series.lastObservedTime } : undefined,
      reportingController: e.reportingController ?? "",
      reportingInstance: e.reportingInstance ?? "",
    };
  }
  const e = o as unknown as CoreEvent;
  return {
    metadata: e.metadata ?? {},
    involvedObject: e.involvedObject ?? {},
    reason: e.reason ?? "",
    message: e.message ?? "",
    source: e.source ?? {},
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    count: e.count ?? 0,
    type: e.type ?? "",
    eventTime: e.eventTime,
    series: e.series,
    reportingController: e.reportingComponent ?? "",
    reportingInstance: e.reportingInstance ?? "",
  };
}
