// Meta handling common to every resource (kube's rest.BeforeCreate / BeforeUpdate):
// names and generateName, uid, creationTimestamp, generation, immutable system fields.
import { randomInt, randomUUID } from "node:crypto";
import { badRequest } from "../../api/errors.js";
import { type FieldError, fieldErr } from "../../api/field-errors.js";
import type { KubeObject, Meta } from "../../api/object.js";
import type { ResourceInfo } from "../../api/registry.js";

/** RFC 3339 with second precision, the form metav1.Time marshals to. */
export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

// apiserver's names.SimpleNameGenerator alphabet: no vowels, no confusable digits.
const alphabet = "bcdfghjklmnpqrstvwxz2456789";
export function generateName(base: string): string {
  const trimmed = base.length > 58 ? base.slice(0, 58) : base;
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[randomInt(alphabet.length)];
  return trimmed + s;
}

/** Resources whose metadata.generation tracks spec changes (pods since Kubernetes 1.33). */
const generationTracked = new Set(["Pod"]);

export function prepareMetaForCreate(
  r: ResourceInfo,
  obj: KubeObject,
  namespace: string | undefined,
  now: Date,
): Meta {
  const meta: Meta = (obj.metadata ??= {});
  if (r.namespaced) {
    if (meta.namespace && namespace && meta.namespace !== namespace) {
      throw badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    meta.namespace = namespace ?? meta.namespace;
  } else {
    delete meta.namespace;
  }
  if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
  meta.uid = randomUUID();
  meta.creationTimestamp = timestamp(now);
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.resourceVersion;
  delete meta.selfLink;
  if (generationTracked.has(r.kind)) meta.generation = 1;
  else delete meta.generation;
  return meta;
}

export function nameRequired(meta: Meta | undefined): FieldError[] {
  return meta?.name ? [] : [fieldErr.required("metadata.name", "name or generateName is required")];
}

/** Carries the fields a client can't change over from the stored object (rest.BeforeUpdate). */
export function prepareMetaForUpdate(r: ResourceInfo, obj: KubeObject, old: KubeObject): FieldError[] {
  const meta: Meta = (obj.metadata ??= {});
  const oldMeta = old.metadata!;
  const errs: FieldError[] = [];
  if (meta.uid && meta.uid !== oldMeta.uid) {
    // kube reports this as a failed precondition (409) — the caller handles uid mismatch earlier.
    errs.push(fieldErr.invalid("metadata.uid", meta.uid, "field is immutable"));
  }
  meta.uid = oldMeta.uid;
  meta.creationTimestamp = oldMeta.creationTimestamp;
  meta.deletionTimestamp = oldMeta.deletionTimestamp;
  meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
  if (oldMeta.deletionTimestamp === undefined) delete meta.deletionTimestamp;
  if (oldMeta.deletionGracePeriodSeconds === undefined) delete meta.deletionGracePeriodSeconds;
  if (r.namespaced) meta.namespace = oldMeta.namespace;
  delete meta.selfLink;
  if (generationTracked.has(r.kind)) {
    meta.generation = oldMeta.generation ?? 1;
    if (JSON.stringify(obj.spec) !== JSON.stringify(old.spec)) meta.generation += 1;
  } else {
    delete meta.generation;
  }
  return errs;
}
