// Node validation (ValidateNode, ValidateNodeUpdate): taints, pod CIDRs, capacity, addresses.
import type { Node, Taint } from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { isQualifiedName, isValidIP, isValidLabelValue, nameIsDNSSubdomain } from "./names.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";
import { validateQuantityMap } from "./resources.js";

const metaOptions = { namespaced: false, nameFn: nameIsDNSSubdomain };
const taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

export function validateTaints(taints: Taint[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    errs.push(...isQualifiedName(t.key ?? "").map((m) => fieldErr.invalid(`${p}.key`, t.key ?? "", m)));
    if (t.value)
      errs.push(...isValidLabelValue(t.value).map((m) => fieldErr.invalid(`${p}.value`, t.value, m)));
    if (!t.effect) errs.push(fieldErr.required(`${p}.effect`));
    else if (!taintEffects.includes(t.effect))
      errs.push(fieldErr.notSupported(`${p}.effect`, t.effect, taintEffects));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) {
      errs.push({
        type: "FieldValueDuplicate",
        field: p,
        value: t,
        detail: "taints must be unique by key and effect pair",
      });
    }
    seen.add(key);
  });
  return errs;
}

function isCIDR(v: string): boolean {
  const [ip, bits, ...rest] = v.split("/");
  if (rest.length > 0 || ip === undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
  const max = ip.includes(":") ? 128 : 32;
  return isValidIP(ip) && Number(bits) <= max;
}

function validateNodeBody(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateTaints(node.spec?.taints, "spec.taints"));
  const cidrs = node.spec?.podCIDRs ?? [];
  cidrs.forEach((c, i) => {
    if (!isCIDR(c)) errs.push(fieldErr.invalid(`spec.podCIDRs[${i}]`, c, "must be a valid CIDR"));
  });
  if (cidrs.length > 2)
    errs.push(
      fieldErr.invalid("spec.podCIDRs", cidrs, "may specify no more than one CIDR for each IP family"),
    );
  if (node.spec?.podCIDR && cidrs.length > 0 && cidrs[0] !== node.spec.podCIDR) {
    errs.push(fieldErr.invalid("spec.podCIDRs", cidrs, "first entry must match `podCIDR`"));
  }
  errs.push(...validateQuantityMap(node.status?.capacity, "status.capacity"));
  errs.push(...validateQuantityMap(node.status?.allocatable, "status.allocatable"));
  (node.status?.addresses ?? []).forEach((a, i) => {
    if (!a.type) errs.push(fieldErr.required(`status.addresses[${i}].type`));
    if (!a.address) errs.push(fieldErr.required(`status.addresses[${i}].address`));
  });
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  return [...validateObjectMeta(node.metadata, metaOptions), ...validateNodeBody(node)];
}

export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs = [
    ...validateObjectMetaUpdate(node.metadata, old.metadata, metaOptions),
    ...validateNodeBody(node),
  ];
  // Pod CIDRs and the provider ID may be set once, never changed.
  const oldCIDRs = old.spec?.podCIDRs ?? [];
  if (oldCIDRs.length > 0 && JSON.stringify(oldCIDRs) !== JSON.stringify(node.spec?.podCIDRs ?? [])) {
    errs.push(
      fieldErr.forbidden("spec.podCIDRs", 'node updates may not change podCIDR except from "" to valid'),
    );
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(
      fieldErr.forbidden("spec.providerID", 'node updates may not change providerID except from "" to valid'),
    );
  }
  return errs;
}
