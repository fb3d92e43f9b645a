// Resource names and quantities (ValidateResourceRequirements, ValidateResourceQuantityValue).
// Quantities arrive as JSON text here because kite does not decode into typed structs; a value
// kube's decoder would reject is reported with the decoder's own message.
import type { ResourceRequirements } from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import {
  compareQuantities,
  formatQuantity,
  parseQuantity,
  type Quantity,
  QuantityError,
} from "../quantity.js";
import { isQualifiedName, nonNegativeError } from "./names.js";

const standardContainerResources = new Set(["cpu", "memory", "ephemeral-storage"]);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith("hugepages-");
}

/** Native resources: unprefixed or under kubernetes.io/ (helper.IsNativeResource). */
export function isNativeResource(name: string): boolean {
  return !name.includes("/") || name.includes("kubernetes.io/");
}

/** Only native, non-hugepage resources may have requests below limits (helper.IsOvercommitAllowed). */
export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith("requests.")) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

/** Parses a quantity field, pushing kube's message on failure. */
export function quantityAt(value: unknown, path: string, errs: FieldError[]): Quantity | undefined {
  if (typeof value !== "string" && typeof value !== "number") {
    errs.push(fieldErr.invalid(path, value, "must be a quantity"));
    return undefined;
  }
  try {
    return parseQuantity(value);
  } catch (e) {
    errs.push(fieldErr.invalid(path, value, e instanceof QuantityError ? e.message : String(e)));
    return undefined;
  }
}

function validateContainerResourceName(name: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const msg of isQualifiedName(name)) errs.push(fieldErr.invalid(path, name, msg));
  if (errs.length > 0) return errs;
  if (!name.includes("/")) {
    if (!standardContainerResources.has(name) && !isHugePageResourceName(name)) {
      errs.push(fieldErr.invalid(path, name, "must be a standard resource for containers"));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(fieldErr.invalid(path, name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

function validateQuantityValue(name: string, q: Quantity, raw: unknown, path: string): FieldError[] {
  if (q.nanos < 0n) return [fieldErr.invalid(path, formatQuantity(q), nonNegativeError)];
  // Extended resources are counted in whole units.
  if (!isNativeResource(name) && q.nanos % 1_000_000_000n !== 0n) {
    return [fieldErr.invalid(path, raw, "must be an integer")];
  }
  return [];
}

export function validateResourceRequirements(
  req: ResourceRequirements | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const limits = new Map<string, Quantity>();
  for (const [name, raw] of Object.entries(req?.limits ?? {})) {
    const p = `${path}.limits[${name}]`;
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityAt(raw, p, errs);
    if (!q) continue;
    errs.push(...validateQuantityValue(name, q, raw, p));
    limits.set(name, q);
  }
  for (const [name, raw] of Object.entries(req?.requests ?? {})) {
    const p = `${path}.requests[${name}]`;
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityAt(raw, p, errs);
    if (!q) continue;
    errs.push(...validateQuantityValue(name, q, raw, p));
    const limit = limits.get(name);
    if (limit) {
      const cmp = compareQuantities(q, limit);
      if (cmp !== 0 && !isOvercommitAllowed(name)) {
        errs.push(
          fieldErr.invalid(
            `${path}.requests`,
            formatQuantity(q),
            `must be equal to ${name} limit of ${formatQuantity(limit)}`,
          ),
        );
      } else if (cmp > 0) {
        errs.push(
          fieldErr.invalid(
            `${path}.requests`,
            formatQuantity(q),
            `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`,
          ),
        );
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(fieldErr.required(`${path}.limits`, "Limit must be set for non overcommitable resources"));
    }
  }
  return errs;
}

/** A map of quantities that must each parse and be non-negative (node capacity, PV capacity…). */
export function validateQuantityMap(map: Record<string, unknown> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, raw] of Object.entries(map ?? {})) {
    const p = `${path}[${name}]`;
    for (const msg of isQualifiedName(name)) errs.push(fieldErr.invalid(p, name, msg));
    const q = quantityAt(raw, p, errs);
    if (q && q.nanos < 0n) errs.push(fieldErr.invalid(p, formatQuantity(q), nonNegativeError));
  }
  return errs;
}
