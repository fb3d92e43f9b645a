// Event validation for core/v1 and events.k8s.io/v1 (ValidateEventCreate, ValidateEventUpdate).
// Kube validates both through the internal core.Event, so errors name core fields
// (involvedObject, message) whichever API the event came through; core/v1 keeps the loose legacy
// rules for old clients, events.k8s.io/v1 adds the strict ones.
import type { Event as CoreEvent } from "kubernetes-types/core/v1.js";
import type { Event as EventsV1 } from "kubernetes-types/events/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { sameJSON } from "./diff.js";
import { fieldImmutable, isDNS1123Subdomain, isQualifiedName, nameIsDNSSubdomain } from "./names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";

export type EventAPI = "v1" | "events.k8s.io/v1";

const reportingInstanceLimit = 128;
const actionLimit = 128;
const reasonLimit = 128;
const noteLimit = 1024;

/** The internal fields validation reads, from either shape. */
interface EventFields {
  namespace: string;
  involvedNamespace: string;
  eventTime: unknown;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  message: string;
  type: string;
  firstTimestamp: unknown;
  lastTimestamp: unknown;
  count: number;
  sourceComponent: string;
  sourceHost: string;
  series?: { count?: number; lastObservedTime?: unknown };
  involvedObject: unknown;
  related: unknown;
}

export function eventFields(obj: CoreEvent | EventsV1, api: EventAPI): EventFields {
  if (api === "v1") {
    const e = obj as CoreEvent;
    return {
      namespace: e.metadata?.namespace ?? "",
      involvedNamespace: e.involvedObject?.namespace ?? "",
      eventTime: e.eventTime ?? null,
      reportingController: e.reportingComponent ?? "",
      reportingInstance: e.reportingInstance ?? "",
      action: e.action ?? "",
      reason: e.reason ?? "",
      message: e.message ?? "",
      type: e.type ?? "",
      firstTimestamp: e.firstTimestamp ?? null,
      lastTimestamp: e.lastTimestamp ?? null,
      count: e.count ?? 0,
      sourceComponent: e.source?.component ?? "",
      sourceHost: e.source?.host ?? "",
      series: e.series,
      involvedObject: e.involvedObject ?? {},
      related: e.related ?? null,
    };
  }
  const e = obj as EventsV1;
  return {
    namespace: e.metadata?.namespace ?? "",
    involvedNamespace: e.regarding?.namespace ?? "",
    eventTime: e.eventTime ?? null,
    reportingController: e.reportingController ?? "",
    reportingInstance: e.reportingInstance ?? "",
    action: e.action ?? "",
    reason: e.reason ?? "",
    message: e.note ?? "",
    type: e.type ?? "",
    firstTimestamp: e.deprecatedFirstTimestamp ?? null,
    lastTimestamp: e.deprecatedLastTimestamp ?? null,
    count: e.deprecatedCount ?? 0,
    sourceComponent: e.deprecatedSource?.component ?? "",
    sourceHost: e.deprecatedSource?.host ?? "",
    series: e.series,
    involvedObject: e.regarding ?? {},
    related: e.related ?? null,
  };
}

function legacyValidate(f: EventFields, api: EventAPI): FieldError[] {
  const errs: FieldError[] = [];
  const rcField = api === "v1" ? "reportingComponent" : "reportingController";
  const mismatch = () =>
    fieldErr.invalid("involvedObject.namespace", f.involvedNamespace, "does not match event.namespace");
  if (!f.eventTime) {
    if (!f.involvedNamespace) {
      if (f.namespace !== "" && f.namespace !== "default") errs.push(mismatch());
    } else if (f.namespace !== f.involvedNamespace) {
      errs.push(mismatch());
    }
  } else {
    if (!f.involvedNamespace && f.namespace !== "default" && f.namespace !== "kube-system")
      errs.push(mismatch());
    if (!f.reportingController) errs.push(fieldErr.required(rcField));
    errs.push(
      ...isQualifiedName(f.reportingController).map((m) =>
        fieldErr.invalid(rcField, f.reportingController, m),
      ),
    );
    if (!f.reportingInstance) errs.push(fieldErr.required("reportingInstance"));
    if (f.reportingInstance.length > reportingInstanceLimit) {
      errs.push(
        fieldErr.invalid("reportingInstance", "", `can have at most ${reportingInstanceLimit} characters`),
      );
    }
    if (!f.action) errs.push(fieldErr.required("action"));
    if (f.action.length > actionLimit)
      errs.push(fieldErr.invalid("action", "", `can have at most ${actionLimit} characters`));
    if (!f.reason) errs.push(fieldErr.required("reason"));
    if (f.reason.length > reasonLimit)
      errs.push(fieldErr.invalid("reason", "", `can have at most ${reasonLimit} characters`));
    if (f.message.length > noteLimit)
      errs.push(fieldErr.invalid("message", "", `can have at most ${noteLimit} characters`));
  }
  errs.push(...isDNS1123Subdomain(f.namespace).map((m) => fieldErr.invalid("namespace", f.namespace, m)));
  return errs;
}

function strictValidate(obj: EventsV1, f: EventFields): FieldError[] {
  const errs = validateObjectMeta(obj.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain });
  if (f.series) {
    if ((f.series.count ?? 0) < 2) errs.push(fieldErr.invalid("series.count", "", "should be at least 2"));
    if (!f.series.lastObservedTime) errs.push(fieldErr.required("series.lastObservedTime"));
  }
  if (!f.eventTime) errs.push(fieldErr.required("eventTime"));
  if (f.type !== "Normal" && f.type !== "Warning")
    errs.push(fieldErr.invalid("type", "", `has invalid value: ${f.type}`));
  if (f.firstTimestamp) errs.push(fieldErr.invalid("firstTimestamp", "", "needs to be unset"));
  if (f.lastTimestamp) errs.push(fieldErr.invalid("lastTimestamp", "", "needs to be unset"));
  if (f.count !== 0) errs.push(fieldErr.invalid("count", "", "needs to be unset"));
  if (f.sourceComponent || f.sourceHost) errs.push(fieldErr.invalid("source", "", "needs to be unset"));
  return errs;
}

export function validateEventCreate(obj: CoreEvent | EventsV1, api: EventAPI): FieldError[] {
  const f = eventFields(obj, api);
  const errs = legacyValidate(f, api);
  if (api === "v1") return errs;
  return [...errs, ...strictValidate(obj as EventsV1, f)];
}

export function validateEventUpdate(
  obj: CoreEvent | EventsV1,
  old: CoreEvent | EventsV1,
  api: EventAPI,
): FieldError[] {
  const f = eventFields(obj, api);
  const errs = legacyValidate(f, api);
  if (api === "v1") return errs;
  errs.push(
    ...validateObjectMetaUpdate(obj.metadata, old.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }),
  );
  const o = eventFields(old, api);
  const immutable: [string, unknown, unknown][] = [
    ["involvedObject", f.involvedObject, o.involvedObject],
    ["reason", f.reason, o.reason],
    ["message", f.message, o.message],
    ["source", [f.sourceComponent, f.sourceHost], [o.sourceComponent, o.sourceHost]],
    ["firstTimestamp", f.firstTimestamp, o.firstTimestamp],
    ["lastTimestamp", f.lastTimestamp, o.lastTimestamp],
    ["count", f.count, o.count],
    ["reportingController", f.reportingController, o.reportingController],
    ["reportingInstance", f.reportingInstance, o.reportingInstance],
    ["eventTime", f.eventTime, o.eventTime],
    ["action", f.action, o.action],
    ["related", f.related, o.related],
    ["type", f.type, o.type],
  ];
  for (const [field, n, prev] of immutable) {
    if (!sameJSON(n, prev)) errs.push(fieldErr.invalid(field, n, fieldImmutable));
  }
  return errs;
}
