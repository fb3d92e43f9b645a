// The event table, for core/v1 and events.k8s.io/v1 alike (kube prints the internal Event for both):
// LAST SEEN TYPE REASON OBJECT MESSAGE (+ SUBOBJECT SOURCE FIRST SEEN COUNT NAME).

import type { KubeObject } from "../../api/object.js";
import { eventView } from "../../api/selectors/index.js";
import { doc } from "./descriptions.js";
import { parseTime, translateTimestampSince } from "./duration.js";
import { column, nameColumn, type Printer } from "./types.js";

function formatEventSource(component: string, host: string): string {
  return host ? `${component}, ${host}` : component;
}

export const eventPrinter: Printer<KubeObject> = {
  columns: [
    column("Last Seen", "string", doc["Event.lastTimestamp"]),
    column("Type", "string", doc["Event.type"]),
    column("Reason", "string", doc["Event.reason"]),
    column("Object", "string", doc["Event.involvedObject"]),
    column("Subobject", "string", doc["ObjectReference.fieldPath"], { priority: 1 }),
    column("Source", "string", doc["Event.source"], { priority: 1 }),
    column("Message", "string", doc["Event.message"]),
    column("First Seen", "string", doc["Event.firstTimestamp"], { priority: 1 }),
    column("Count", "string", doc["Event.count"], { priority: 1 }),
    { ...nameColumn, priority: 1 },
  ],
  row(obj, now) {
    const e = eventView(obj);
    // Events from the events.k8s.io API carry eventTime instead of first/last timestamps.
    const firstSeen =
      parseTime(e.firstTimestamp) === undefined
        ? translateTimestampSince(e.eventTime, now)
        : translateTimestampSince(e.firstTimestamp, now);
    let lastSeen =
      parseTime(e.lastTimestamp) === undefined ? firstSeen : translateTimestampSince(e.lastTimestamp, now);
    let count = e.count;
    if (e.series) {
      lastSeen = translateTimestampSince(e.series.lastObservedTime, now);
      count = e.series.count ?? 0;
    } else if (count === 0) {
      // Singleton events don't have a count set in the new API.
      count = 1;
    }
    const io = e.involvedObject;
    const kind = (io.kind ?? "").toLowerCase();
    const target = io.name ? `${kind}/${io.name}` : kind;
    return {
      cells: [
        lastSeen,
        e.type,
        e.reason,
        target,
        io.fieldPath ?? "",
        formatEventSource(e.source.component || e.reportingController, e.source.host || e.reportingInstance),
        e.message.trim(),
        firstSeen,
        count,
        e.metadata.name ?? "",
      ],
    };
  },
};
