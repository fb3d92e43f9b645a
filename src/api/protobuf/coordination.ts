// coordination.k8s.io/v1 Lease and events.k8s.io/v1 Event (generated.proto). The events.k8s.io
// messages are qualified: their names clash with core/v1's.
import { f, type MessageRegistry } from "./descriptor.js";

export const groupMessages: MessageRegistry = {
  Lease: [f(1, "metadata", "ObjectMeta"), f(2, "spec", "LeaseSpec")],
  LeaseSpec: [
    f(1, "holderIdentity", "*string"),
    f(2, "leaseDurationSeconds", "*int32"),
    f(3, "acquireTime", "*MicroTime"),
    f(4, "renewTime", "*MicroTime"),
    f(5, "leaseTransitions", "*int32"),
    f(6, "strategy", "*string"),
    f(7, "preferredHolder", "*string"),
  ],
  "events.k8s.io/v1.Event": [
    f(1, "metadata", "ObjectMeta"),
    f(2, "eventTime", "MicroTime"),
    f(3, "series", "*events.k8s.io/v1.EventSeries"),
    f(4, "reportingController", "string"),
    f(5, "reportingInstance", "string"),
    f(6, "action", "string"),
    f(7, "reason", "string"),
    f(8, "regarding", "ObjectReference"),
    f(9, "related", "*ObjectReference"),
    f(10, "note", "string"),
    f(11, "type", "string"),
    f(12, "deprecatedSource", "EventSource"),
    f(13, "deprecatedFirstTimestamp", "Time"),
    f(14, "deprecatedLastTimestamp", "Time"),
    f(15, "deprecatedCount", "int32"),
  ],
  "events.k8s.io/v1.EventSeries": [f(1, "count", "int32!"), f(2, "lastObservedTime", "MicroTime")],
};
