// StorageClass validation (storage/validation ValidateStorageClass, ValidateStorageClassUpdate).
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { sameJSON } from "./diff.js";
import { fieldImmutable, isQualifiedName, nameIsDNSSubdomain } from "./names.js";
import { tooLong, validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";

const metaOptions = { namespaced: false, nameFn: nameIsDNSSubdomain };
const scReclaimPolicies = ["Delete", "Retain"];
const bindingModes = ["Immediate", "WaitForFirstConsumer"];
const maxParameterSize = 256 * 1024;
const maxParameters = 512;

function validateBody(sc: StorageClass): FieldError[] {
  const errs: FieldError[] = [];
  if (!sc.provisioner) errs.push(fieldErr.required("provisioner"));
  else
    errs.push(
      ...isQualifiedName(sc.provisioner.toLowerCase()).map((m) =>
        fieldErr.invalid("provisioner", sc.provisioner, m),
      ),
    );
  const params = sc.parameters ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(params)) {
    if (!k) errs.push(fieldErr.invalid("parameters", "", "field can not be empty."));
    size += k.length + String(v).length;
  }
  if (Object.keys(params).length > maxParameters) {
    errs.push({
      type: "FieldValueTooMany",
      field: "parameters",
      detail: `must have at most ${maxParameters} items`,
    });
  }
  if (size > maxParameterSize) errs.push(tooLong("parameters", maxParameterSize));
  if (sc.reclaimPolicy !== undefined && !scReclaimPolicies.includes(sc.reclaimPolicy)) {
    errs.push(fieldErr.notSupported("reclaimPolicy", sc.reclaimPolicy, scReclaimPolicies));
  }
  if (sc.volumeBindingMode === undefined) errs.push(fieldErr.required("volumeBindingMode"));
  else if (!bindingModes.includes(sc.volumeBindingMode)) {
    errs.push(fieldErr.notSupported("volumeBindingMode", sc.volumeBindingMode, bindingModes));
  }
  return errs;
}

export function validateStorageClass(sc: StorageClass): FieldError[] {
  return [...validateObjectMeta(sc.metadata, metaOptions), ...validateBody(sc)];
}

export function validateStorageClassUpdate(sc: StorageClass, old: StorageClass): FieldError[] {
  const errs = [...validateObjectMetaUpdate(sc.metadata, old.metadata, metaOptions), ...validateBody(sc)];
  if (!sameJSON(sc.parameters ?? {}, old.parameters ?? {})) {
    errs.push(fieldErr.forbidden("parameters", "updates to parameters are forbidden."));
  }
  if (sc.provisioner !== old.provisioner)
    errs.push(fieldErr.forbidden("provisioner", "updates to provisioner are forbidden."));
  if (sc.reclaimPolicy !== old.reclaimPolicy)
    errs.push(fieldErr.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden."));
  if (sc.volumeBindingMode !== old.volumeBindingMode) {
    errs.push(fieldErr.invalid("volumeBindingMode", sc.volumeBindingMode ?? null, fieldImmutable));
  }
  return errs;
}
