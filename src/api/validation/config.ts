// ConfigMap and Secret validation (ValidateConfigMap, ValidateSecret and their updates).
import type { ConfigMap, Secret } from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { fieldImmutable, isConfigMapKey, nameIsDNSSubdomain } from "./names.js";
import { tooLong, validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";

/** core.MaxSecretSize, which also bounds ConfigMaps. */
export const maxConfigSize = 1024 * 1024;
const metaOptions = { namespaced: true, nameFn: nameIsDNSSubdomain };

function keyErrors(map: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of Object.keys(map ?? {})) {
    for (const msg of isConfigMapKey(key)) errs.push(fieldErr.invalid(`${path}[${key}]`, key, msg));
  }
  return errs;
}

function base64Size(v: string): number {
  return Buffer.from(v, "base64").length;
}

export function validateConfigMap(cm: ConfigMap): FieldError[] {
  return [...validateObjectMeta(cm.metadata, metaOptions), ...validateConfigMapData(cm)];
}

function validateConfigMapData(cm: ConfigMap): FieldError[] {
  const errs = keyErrors(cm.data, "data");
  errs.push(...keyErrors(cm.binaryData, "binaryData"));
  let total = 0;
  for (const v of Object.values(cm.data ?? {})) total += Buffer.byteLength(String(v));
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
    if (cm.data && k in cm.data)
      errs.push(fieldErr.invalid(`binaryData[${k}]`, k, "duplicate of key present in data"));
    total += base64Size(v);
  }
  // kube reports the size against an empty path, which prints as "[]".
  if (total > maxConfigSize) errs.push(tooLong("[]", maxConfigSize));
  return errs;
}

function immutableData(field: string, a: unknown, b: unknown): FieldError[] {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {})
    ? []
    : [fieldErr.forbidden(field, "field is immutable when `immutable` is set")];
}

export function validateConfigMapUpdate(cm: ConfigMap, old: ConfigMap): FieldError[] {
  const errs = validateObjectMetaUpdate(cm.metadata, old.metadata, metaOptions);
  if (old.immutable) {
    if (!cm.immutable)
      errs.push(fieldErr.forbidden("immutable", "field is immutable when `immutable` is set"));
    errs.push(...immutableData("data", cm.data, old.data));
    errs.push(...immutableData("binaryData", cm.binaryData, old.binaryData));
  }
  errs.push(...validateConfigMapData(cm));
  return errs;
}

const redacted = "<secret contents redacted>";

function required(data: Record<string, string>, key: string): FieldError[] {
  return key in data ? [] : [fieldErr.required(`data[${key}]`)];
}

function validJSON(data: Record<string, string>, key: string): FieldError[] {
  const v = data[key];
  if (v === undefined) return [];
  try {
    JSON.parse(Buffer.from(v, "base64").toString("utf8"));
    return [];
  } catch (e) {
    return [fieldErr.invalid(`data[${key}]`, redacted, (e as Error).message)];
  }
}

export function validateSecret(secret: Secret): FieldError[] {
  return [...validateObjectMeta(secret.metadata, metaOptions), ...validateSecretData(secret)];
}

function validateSecretData(secret: Secret): FieldError[] {
  const errs: FieldError[] = [];
  const data = secret.data ?? {};
  let total = 0;
  for (const [key, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(key)) errs.push(fieldErr.invalid(`data[${key}]`, key, msg));
    // kube rejects bad base64 while decoding the request; kite decodes JSON generically, so here.
    if (typeof v !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) {
      errs.push(fieldErr.invalid(`data[${key}]`, redacted, "illegal base64 data"));
      continue;
    }
    total += base64Size(v);
  }
  if (total > maxConfigSize) errs.push(tooLong("data", maxConfigSize));
  switch (secret.type) {
    case "kubernetes.io/service-account-token":
      if (!secret.metadata?.annotations?.["kubernetes.io/service-account.name"]) {
        errs.push(fieldErr.required("metadata.annotations[kubernetes.io/service-account.name]"));
      }
      break;
    case "kubernetes.io/dockercfg":
      errs.push(...required(data, ".dockercfg"), ...validJSON(data, ".dockercfg"));
      break;
    case "kubernetes.io/dockerconfigjson":
      errs.push(...required(data, ".dockerconfigjson"), ...validJSON(data, ".dockerconfigjson"));
      break;
    case "kubernetes.io/basic-auth":
      if (!("username" in data) && !("password" in data))
        errs.push(...required(data, "username"), ...required(data, "password"));
      break;
    case "kubernetes.io/ssh-auth":
      errs.push(...required(data, "ssh-privatekey"));
      break;
    case "kubernetes.io/tls":
      errs.push(...required(data, "tls.crt"), ...required(data, "tls.key"));
      break;
  }
  return errs;
}

export function validateSecretUpdate(secret: Secret, old: Secret): FieldError[] {
  const errs = validateObjectMetaUpdate(secret.metadata, old.metadata, metaOptions);
  if ((secret.type ?? "") !== (old.type ?? ""))
    errs.push(fieldErr.invalid("type", secret.type ?? "", fieldImmutable));
  if (old.immutable) {
    if (!secret.immutable)
      errs.push(fieldErr.forbidden("immutable", "field is immutable when `immutable` is set"));
    errs.push(...immutableData("data", secret.data, old.data));
  }
  errs.push(...validateSecretData(secret));
  return errs;
}
