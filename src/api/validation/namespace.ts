// Namespace validation (ValidateNamespace, ValidateNamespaceUpdate, ValidateNamespaceStatusUpdate).
import type { Namespace } from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { isQualifiedName, nameIsDNSLabel } from "./names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";

const metaOptions = { namespaced: false, nameFn: nameIsDNSLabel };
const standardFinalizers = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

/** validateFinalizerName: qualified, and either domain-prefixed or one of kube's standard names. */
export function validateKubeFinalizerName(name: string, path: string): FieldError[] {
  const errs = isQualifiedName(name).map((m) => fieldErr.invalid(path, name, m));
  if (errs.length === 0 && !name.includes("/") && !standardFinalizers.has(name)) {
    errs.push(
      fieldErr.invalid(path, name, "name is neither a standard finalizer name nor is it fully qualified"),
    );
  }
  return errs;
}

function validateSpec(ns: Namespace): FieldError[] {
  return (ns.spec?.finalizers ?? []).flatMap((f) => validateKubeFinalizerName(f, "spec.finalizers"));
}

export function validateNamespace(ns: Namespace): FieldError[] {
  return [...validateObjectMeta(ns.metadata, metaOptions), ...validateSpec(ns)];
}

export function validateNamespaceUpdate(ns: Namespace, old: Namespace): FieldError[] {
  return [...validateObjectMetaUpdate(ns.metadata, old.metadata, metaOptions), ...validateSpec(ns)];
}

export function validateNamespaceStatusUpdate(ns: Namespace, old: Namespace): FieldError[] {
  const errs = validateObjectMetaUpdate(ns.metadata, old.metadata, metaOptions);
  const phase = ns.status?.phase ?? "";
  if (!ns.metadata?.deletionTimestamp) {
    if (phase !== "Active")
      errs.push(
        fieldErr.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"),
      );
  } else if (phase !== "Terminating") {
    errs.push(
      fieldErr.invalid(
        "status.Phase",
        phase,
        "may only be 'Terminating' if `deletionTimestamp` is not empty",
      ),
    );
  }
  return errs;
}
