// ObjectMeta validation shared by every kind (apimachinery/pkg/api/validation/objectmeta.go):
// names, namespace, labels, annotations, finalizers, ownerReferences, and the immutable parts on
// update. Messages and field paths are kube's, so `kubectl` prints what users already know.
import type { ObjectMeta, OwnerReference } from "kubernetes-types/meta/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import {
  fieldImmutable,
  isDNS1123Label,
  isQualifiedName,
  isValidLabelValue,
  type NameValidator,
  nonNegativeError,
} from "./names.js";

export const totalAnnotationSizeLimitB = 256 * 1024;

/**
 * Kube 1.30 field.TooLong text ("must have at most N bytes"); fieldErr.tooLong has the wording
 * of later releases, so this one is built here.
 */
export function tooLong(field: string, max: number): FieldError {
  return { type: "FieldValueTooLong", field, detail: `must have at most ${max} bytes` };
}

export interface ObjectMetaOptions {
  namespaced: boolean;
  nameFn: NameValidator;
}

export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  opts: ObjectMetaOptions,
  path = "metadata",
): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of opts.nameFn(m.generateName, true))
      errs.push(fieldErr.invalid(`${path}.generateName`, m.generateName, msg));
  }
  if (!m.name) {
    errs.push(fieldErr.required(`${path}.name`, "name or generateName is required"));
  } else {
    for (const msg of opts.nameFn(m.name, false)) errs.push(fieldErr.invalid(`${path}.name`, m.name, msg));
  }
  if (opts.namespaced) {
    if (!m.namespace) errs.push(fieldErr.required(`${path}.namespace`));
    else
      for (const msg of isDNS1123Label(m.namespace))
        errs.push(fieldErr.invalid(`${path}.namespace`, m.namespace, msg));
  } else if (m.namespace) {
    errs.push(fieldErr.forbidden(`${path}.namespace`, "not allowed on this type"));
  }
  if (m.generation !== undefined && m.generation < 0) {
    errs.push(fieldErr.invalid(`${path}.generation`, m.generation, nonNegativeError));
  }
  errs.push(...validateLabels(m.labels, `${path}.labels`));
  errs.push(...validateAnnotations(m.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(m.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(m.finalizers, `${path}.finalizers`));
  return errs;
}

export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(fieldErr.invalid(path, k, msg));
    if (typeof v !== "string") {
      errs.push(fieldErr.invalid(`${path}[${k}]`, v, "must be a string"));
      continue;
    }
    for (const msg of isValidLabelValue(v)) errs.push(fieldErr.invalid(`${path}[${k}]`, v, msg));
  }
  return errs;
}

export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid(path, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > totalAnnotationSizeLimitB) errs.push(tooLong(path, totalAnnotationSizeLimitB));
  return errs;
}

export function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const f of finalizers ?? []) {
    for (const msg of isQualifiedName(f)) errs.push(fieldErr.invalid(path, f, msg));
    if (seen.has(f)) errs.push(fieldErr.duplicate(path, f));
    seen.add(f);
  }
  return errs;
}

export function validateOwnerReferences(refs: OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const controllers: string[] = [];
  for (const ref of refs ?? []) {
    if (!ref.apiVersion)
      errs.push(fieldErr.invalid(`${path}.apiVersion`, ref.apiVersion ?? "", "version must not be empty"));
    if (!ref.kind) errs.push(fieldErr.invalid(`${path}.kind`, ref.kind ?? "", "kind must not be empty"));
    if (!ref.name) errs.push(fieldErr.invalid(`${path}.name`, ref.name ?? "", "name must not be empty"));
    if (!ref.uid) errs.push(fieldErr.invalid(`${path}.uid`, ref.uid ?? "", "uid must not be empty"));
    if (ref.controller) controllers.push(`${ref.kind}/${ref.name}`);
  }
  if (controllers.length > 1) {
    errs.push(
      fieldErr.invalid(
        path,
        refs,
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(" and ")}`,
      ),
    );
  }
  return errs;
}

function immutable(field: string, newVal: unknown, oldVal: unknown): FieldError[] {
  const same = JSON.stringify(newVal ?? null) === JSON.stringify(oldVal ?? null);
  return same ? [] : [fieldErr.invalid(field, newVal ?? null, fieldImmutable)];
}

/** ValidateObjectMetaUpdate: identity fields may not change; the new metadata must itself be valid. */
export function validateObjectMetaUpdate(
  newMeta: ObjectMeta | undefined,
  oldMeta: ObjectMeta | undefined,
  opts: ObjectMetaOptions,
  path = "metadata",
): FieldError[] {
  const n = newMeta ?? {};
  const o = oldMeta ?? {};
  const errs = validateObjectMeta(n, opts, path);
  errs.push(...immutable(`${path}.name`, n.name, o.name));
  errs.push(...immutable(`${path}.namespace`, n.namespace, o.namespace));
  errs.push(...immutable(`${path}.uid`, n.uid, o.uid));
  errs.push(...immutable(`${path}.creationTimestamp`, n.creationTimestamp, o.creationTimestamp));
  // deletionTimestamp and deletionGracePeriodSeconds are carried over by the generic update path
  // (kube's BeforeUpdate), so the deletion flow may shorten them; here only finalizers are guarded.
  if (o.deletionTimestamp) {
    const had = new Set(o.finalizers ?? []);
    const extra = (n.finalizers ?? []).filter((f) => !had.has(f));
    if (extra.length > 0) {
      errs.push(
        fieldErr.forbidden(
          `${path}.finalizers`,
          `no new finalizers can be added if the object is being deleted, found new finalizers []string{${extra.map((f) => JSON.stringify(f)).join(", ")}}`,
        ),
      );
    }
  }
  return errs;
}
