// Pod QoS class, computed as kube's qos.ComputePodQOS (pkg/apis/core/helper/qos): only cpu and
// memory count; a zero quantity counts as unset; init containers count like containers.
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import { compareQuantities, isQuantity, parseQuantity, type Quantity } from "../quantity.js";

export type QOSClass = "Guaranteed" | "Burstable" | "BestEffort";

const qosResources = ["cpu", "memory"];

function nonZero(raw: unknown): Quantity | undefined {
  if (!isQuantity(raw)) return undefined;
  const q = parseQuantity(raw as string | number);
  return q.nanos > 0n ? q : undefined;
}

export function computePodQOS(pod: Pod): QOSClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  const all: Container[] = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const add = (m: Map<string, Quantity>, name: string, q: Quantity) => {
    const prev = m.get(name);
    m.set(name, prev ? { nanos: prev.nanos + q.nanos, format: prev.format } : q);
  };
  for (const c of all) {
    for (const name of qosResources) {
      const r = nonZero(c.resources?.requests?.[name]);
      if (r) add(requests, name, r);
    }
    const found = new Set<string>();
    for (const name of qosResources) {
      const l = nonZero(c.resources?.limits?.[name]);
      if (l) {
        found.add(name);
        add(limits, name, l);
      }
    }
    if (found.size !== qosResources.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return "BestEffort";
  if (guaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (!lim || compareQuantities(req, lim) !== 0) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? "Guaranteed" : "Burstable";
}
