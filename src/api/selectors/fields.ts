// Field selectors (`?fieldSelector=`, `kubectl --field-selector`): k8s.io/apimachinery/pkg/fields for the
// syntax and escaping, and for each resource the labels kube-apiserver accepts (the scheme's field label
// conversion functions) and the values it matches them against (each registry's ToSelectableFields).
import type { Namespace, Node, Pod, Secret } from "kubernetes-types/core/v1.js";
import { badRequest } from "../errors.js";
import type { KubeObject } from "../object.js";
import type { ResourceInfo } from "../registry.js";
import { eventView } from "./event-view.js";
import { SelectorError } from "./labels.js";
import { compareGoStrings, goQuote } from "./validation.js";

export interface FieldRequirement {
  field: string;
  /** `==` parses to `=`, as apimachinery's hasTerm does */
  operator: "=" | "!=";
  value: string;
}

/** Requirements are ANDed; no requirements selects everything. */
export interface FieldSelector {
  requirements: FieldRequirement[];
}

export const everyField: FieldSelector = Object.freeze({ requirements: [] }) as FieldSelector;

/** fields.EscapeValue: `\`, `,` and `=` are backslash-escaped inside values. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue, with its two error messages (the rune is printed as its number, as Go's %v does). */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = "";
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === "\\" || c === "," || c === "=") out += c;
      else throw new SelectorError(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === "\\") inSlash = true;
    else if (c === "," || c === "=") {
      throw new SelectorError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else out += c;
  }
  if (inSlash) throw new SelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === "\\") inSlash = true;
    else if (c === ",") {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const termOperators = ["!=", "==", "="] as const;

function splitTerm(
  term: string,
): { lhs: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.ParseSelector. Throws SelectorError with apimachinery's message. */
export function parseFieldSelector(selector: string): FieldSelector {
  const parts = splitTerms(selector).sort(compareGoStrings);
  const requirements: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === "") continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    requirements.push({
      field: t.lhs,
      operator: t.op === "!=" ? "!=" : "=",
      value: unescapeFieldValue(t.rhs),
    });
  }
  return { requirements };
}

type Conversion = (label: string) => string;

function allow(...labels: string[]): Conversion {
  const ok = new Set(labels);
  return (label) => {
    if (ok.has(label)) return label;
    throw new SelectorError(`field label not supported: ${label}`);
  };
}

/** runtime.DefaultMetaV1FieldSelectorConversion: every kind without its own conversion function. */
const defaultConversion: Conversion = (label) => {
  if (label === "metadata.name" || label === "metadata.namespace") return label;
  throw new SelectorError(
    `${goQuote(label)} is not a known field selector: only ${goQuote("metadata.name")}, ${goQuote("metadata.namespace")}`,
  );
};

const podLabels = allow(
  "metadata.name",
  "metadata.namespace",
  "spec.nodeName",
  "spec.restartPolicy",
  "spec.schedulerName",
  "spec.serviceAccountName",
  "spec.hostNetwork",
  "status.phase",
  "status.podIP",
  "status.podIPs",
  "status.nominatedNodeName",
);

const coreEventLabels = allow(
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
  "metadata.namespace",
  "metadata.name",
);

// events.k8s.io/v1 names map onto the internal (core) field names the registry selects on.
const eventsV1Mapping: Record<string, string> = {
  reason: "reason",
  "regarding.kind": "involvedObject.kind",
  "regarding.namespace": "involvedObject.namespace",
  "regarding.name": "involvedObject.name",
  "regarding.uid": "involvedObject.uid",
  "regarding.apiVersion": "involvedObject.apiVersion",
  "regarding.resourceVersion": "involvedObject.resourceVersion",
  "regarding.fieldPath": "involvedObject.fieldPath",
  reportingController: "reportingComponent",
  // kube keeps selection by the deprecated source, though events.k8s.io objects have no such field
  source: "source",
  type: "type",
  "metadata.namespace": "metadata.namespace",
  "metadata.name": "metadata.name",
};

const conversions: Record<string, Conversion> = {
  "/Pod": (label) => (label === "spec.host" ? "spec.nodeName" : podLabels(label)),
  "/Node": allow("metadata.name", "spec.unschedulable"),
  "/Event": coreEventLabels,
  "/Namespace": allow("status.phase", "metadata.name"),
  "/Secret": allow("type", "metadata.namespace", "metadata.name"),
  "events.k8s.io/Event": (label) => {
    const mapped = Object.hasOwn(eventsV1Mapping, label) ? eventsV1Mapping[label] : undefined;
    if (mapped === undefined) throw new SelectorError(`field label not supported: ${label}`);
    return mapped;
  },
};

/**
 * Selector.Transform with scheme.ConvertFieldLabel: rejects labels the kind does not support (kube's message)
 * and renames versioned labels to the internal names fieldsOf() uses (`spec.host`, `regarding.*`).
 */
export function convertFieldSelector(r: ResourceInfo, sel: FieldSelector): FieldSelector {
  const convert = conversions[`${r.group}/${r.kind}`] ?? defaultConversion;
  const requirements: FieldRequirement[] = [];
  for (const req of sel.requirements) {
    const field = convert(req.field);
    requirements.push({ ...req, field });
  }
  return { requirements };
}

/** The `?fieldSelector=` query parameter for a resource: parsed, converted, and any error a 400 BadRequest. */
export function parseFieldSelectorParam(r: ResourceInfo, selector: string | undefined | null): FieldSelector {
  if (!selector) return everyField;
  try {
    return convertFieldSelector(r, parseFieldSelector(selector));
  } catch (err) {
    throw err instanceof SelectorError ? badRequest(err.message) : err;
  }
}

function metaFields(r: ResourceInfo, obj: KubeObject): Record<string, string> {
  const f: Record<string, string> = { "metadata.name": obj.metadata?.name ?? "" };
  if (r.namespaced) f["metadata.namespace"] = obj.metadata?.namespace ?? "";
  return f;
}

/**
 * The selectable fields of an object, as the resource's registry (ToSelectableFields / GetAttrs) computes
 * them from the internal object. A field a selector names but this set lacks matches as "", as in kube:
 * pods accept `status.podIPs` in a selector but never set it, so only `status.podIPs=` matches.
 */
export function fieldsOf(r: ResourceInfo, obj: KubeObject): Record<string, string> {
  const f = metaFields(r, obj);
  if (r.group === "" && r.kind === "Pod") {
    const pod = obj as Pod;
    const spec = pod.spec;
    const status = pod.status;
    f["spec.nodeName"] = spec?.nodeName ?? "";
    f["spec.restartPolicy"] = spec?.restartPolicy ?? "";
    f["spec.schedulerName"] = spec?.schedulerName ?? "";
    // v1's deprecated serviceAccount is an alias the conversion folds into serviceAccountName.
    f["spec.serviceAccountName"] = spec?.serviceAccountName || spec?.serviceAccount || "";
    f["spec.hostNetwork"] = spec?.hostNetwork ? "true" : "false";
    f["status.phase"] = status?.phase ?? "";
    f["status.podIP"] = status?.podIPs?.[0]?.ip || status?.podIP || "";
    f["status.nominatedNodeName"] = status?.nominatedNodeName ?? "";
    return f;
  }
  if (r.group === "" && r.kind === "Node") {
    f["spec.unschedulable"] = (obj as Node).spec?.unschedulable ? "true" : "false";
    return f;
  }
  if (r.group === "" && r.kind === "Namespace") {
    f["status.phase"] = (obj as Namespace).status?.phase ?? "";
    return f;
  }
  if (r.group === "" && r.kind === "Secret") {
    f.type = (obj as Secret).type ?? "";
    return f;
  }
  if ((r.group === "" || r.group === "events.k8s.io") && r.kind === "Event") {
    const e = eventView(obj);
    const io = e.involvedObject;
    f["involvedObject.kind"] = io.kind ?? "";
    f["involvedObject.namespace"] = io.namespace ?? "";
    f["involvedObject.name"] = io.name ?? "";
    f["involvedObject.uid"] = io.uid ?? "";
    f["involvedObject.apiVersion"] = io.apiVersion ?? "";
    f["involvedObject.resourceVersion"] = io.resourceVersion ?? "";
    f["involvedObject.fieldPath"] = io.fieldPath ?? "";
    f.reason = e.reason;
    f.reportingComponent = e.reportingController;
    f.source = e.source.component || e.reportingController;
    f.type = e.type;
    return f;
  }
  return f;
}

/** Selector.Matches against a field set (a missing field reads as ""). */
export function matchesFields(sel: FieldSelector, fields: Readonly<Record<string, string>>): boolean {
  return sel.requirements.every((req) => {
    const v = Object.hasOwn(fields, req.field) ? (fields[req.field] ?? "") : "";
    return req.operator === "=" ? v === req.value : v !== req.value;
  });
}

/** Convenience: does this object of this resource pass the (converted) field selector? */
export function objectMatchesFields(r: ResourceInfo, sel: FieldSelector, obj: KubeObject): boolean {
  return sel.requirements.length === 0 || matchesFields(sel, fieldsOf(r, obj));
}

/** RequiresExactMatch: the value an `=` term pins a field to (e.g. spec.nodeName for an agent's watch). */
export function fieldExactMatch(sel: FieldSelector, field: string): string | undefined {
  return sel.requirements.find((q) => q.field === field && q.operator === "=")?.value;
}

/** Selector.String(): `a=b,c!=d` with values escaped. */
export function formatFieldSelector(sel: FieldSelector): string {
  return sel.requirements.map((q) => `${q.field}${q.operator}${escapeFieldValue(q.value)}`).join(",");
}
