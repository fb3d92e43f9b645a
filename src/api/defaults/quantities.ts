// Quantities are stored in canonical form, as kube re-serializes every resource.Quantity it
// decodes ("0.5" is read back as "500m"). Values that do not parse are left for validation to report.
import { canonicalizeQuantity, isQuantity } from "../quantity.js";

export function canonicalizeMap(map: Record<string, string> | undefined): void {
  if (!map) return;
  for (const [k, v] of Object.entries(map)) {
    if (isQuantity(v)) map[k] = canonicalizeQuantity(v);
  }
}

export function canonicalizeQuantityField<K extends string>(obj: { [k in K]?: string }, key: K): void {
  const v = obj[key];
  if (v !== undefined && isQuantity(v)) obj[key] = canonicalizeQuantity(v);
}
