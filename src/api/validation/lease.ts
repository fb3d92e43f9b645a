// Lease (coordination.k8s.io/v1) and Binding validation.
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type { Binding } from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { nameIsDNSSubdomain, nonNegativeError } from "./names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";

const metaOptions = { namespaced: true, nameFn: nameIsDNSSubdomain };

function validateLeaseSpec(lease: Lease): FieldError[] {
  const errs: FieldError[] = [];
  const s = lease.spec ?? {};
  if (s.leaseDurationSeconds !== undefined && s.leaseDurationSeconds <= 0) {
    errs.push(
      fieldErr.invalid("spec.leaseDurationSeconds", s.leaseDurationSeconds, "must be greater than 0"),
    );
  }
  if (s.leaseTransitions !== undefined && s.leaseTransitions < 0) {
    errs.push(fieldErr.invalid("spec.leaseTransitions", s.leaseTransitions, nonNegativeError));
  }
  return errs;
}

export function validateLease(lease: Lease): FieldError[] {
  return [...validateObjectMeta(lease.metadata, metaOptions), ...validateLeaseSpec(lease)];
}

export function validateLeaseUpdate(lease: Lease, old: Lease): FieldError[] {
  return [
    ...validateObjectMetaUpdate(lease.metadata, old.metadata, metaOptions),
    ...validateLeaseSpec(lease),
  ];
}

/** ValidatePodBinding: only Nodes are targets, by name. */
export function validateBinding(binding: Binding): FieldError[] {
  const errs: FieldError[] = [];
  const kind = binding.target?.kind ?? "";
  if (kind && kind !== "Node") errs.push(fieldErr.notSupported("target.kind", kind, ["Node", "<empty>"]));
  if (!binding.target?.name) errs.push(fieldErr.required("target.name"));
  return errs;
}
