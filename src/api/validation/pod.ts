// Pod validation: create (ValidatePodCreate → ValidatePodSpec), update (ValidatePodUpdate, the
// "pod updates may not change fields other than …" rule) and status update (ValidatePodStatusUpdate).
import type { Pod, PodSpec, Toleration } from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import { computePodQOS } from "../strategies/qos.js";
import { validateContainers, validateInitContainers } from "./container.js";
import { canonicalJSON, sameJSON, structDiff } from "./diff.js";
import {
  inclusiveRangeError,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidIP,
  isValidLabelValue,
  nameIsDNSSubdomain,
  nonNegativeError,
} from "./names.js";
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from "./objectmeta.js";
import { validateVolumes } from "./volumes.js";

const maxInt32 = 2147483647;
export const restartPolicies = ["Always", "OnFailure", "Never"];
export const dnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
export const podPhases = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
const taintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

const podMetaOptions = { namespaced: true, nameFn: nameIsDNSSubdomain };

function invalidEach(msgs: string[], path: string, value: unknown): FieldError[] {
  return msgs.map((m) => fieldErr.invalid(path, value, m));
}

export function validateTolerations(tolerations: Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    if (t.key) errs.push(...invalidEach(isQualifiedName(t.key), `${p}.key`, t.key));
    if (!t.key && t.operator !== "Exists") {
      errs.push(
        fieldErr.invalid(
          `${p}.operator`,
          t.operator ?? "",
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") {
      errs.push(
        fieldErr.invalid(
          `${p}.effect`,
          t.effect ?? "",
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    switch (t.operator ?? "") {
      case "Equal":
      case "": {
        const msgs = isValidLabelValue(t.value ?? "");
        if (msgs.length > 0) errs.push(fieldErr.invalid(`${p}.operator`, t.value ?? "", msgs.join(";")));
        break;
      }
      case "Exists":
        if (t.value)
          errs.push(fieldErr.invalid(`${p}.operator`, t, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldErr.notSupported(`${p}.operator`, t.operator, ["Equal", "Exists"]));
    }
    if (t.effect && !taintEffects.includes(t.effect))
      errs.push(fieldErr.notSupported(`${p}.effect`, t.effect, taintEffects));
  });
  return errs;
}

function validateDNS(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const policy = spec.dnsPolicy ?? "";
  if (!policy) errs.push(fieldErr.required(`${path}.dnsPolicy`));
  else if (!dnsPolicies.includes(policy))
    errs.push(fieldErr.notSupported(`${path}.dnsPolicy`, policy, dnsPolicies));
  const cfg = spec.dnsConfig;
  const cp = `${path}.dnsConfig`;
  if (policy === "None" && !cfg) {
    errs.push(fieldErr.required(cp, "must provide `dnsConfig` when `dnsPolicy` is None"));
    return errs;
  }
  if (!cfg) return errs;
  const ns = cfg.nameservers ?? [];
  if (policy === "None" && ns.length === 0) {
    errs.push(
      fieldErr.required(
        `${cp}.nameservers`,
        "must provide at least one DNS nameserver when `dnsPolicy` is None",
      ),
    );
  }
  if (ns.length > 3)
    errs.push(fieldErr.invalid(`${cp}.nameservers`, ns, "must not have more than 3 nameservers"));
  ns.forEach((n, i) => {
    if (!isValidIP(n))
      errs.push(fieldErr.invalid(`${cp}.nameservers[${i}]`, n, "must be a valid IP address"));
  });
  const searches = cfg.searches ?? [];
  if (searches.length > 32)
    errs.push(fieldErr.invalid(`${cp}.searches`, searches, "must not have more than 32 search paths"));
  searches.forEach((s, i) => {
    const domain = s.endsWith(".") ? s.slice(0, -1) : s;
    errs.push(...invalidEach(isDNS1123Subdomain(domain), `${cp}.searches[${i}]`, s));
  });
  (cfg.options ?? []).forEach((o, i) => {
    if (!o.name) errs.push(fieldErr.required(`${cp}.options[${i}]`, "Option.Name must not be empty"));
  });
  return errs;
}

/** ValidatePodSpec, in kube's order. */
export function validatePodSpec(spec: PodSpec | undefined, path = "spec"): FieldError[] {
  const s: PodSpec = spec ?? { containers: [] };
  const { names: volumes, errs } = validateVolumes(s.volumes, `${path}.volumes`);
  errs.push(...validateContainers(s.containers, volumes, `${path}.containers`));
  errs.push(...validateInitContainers(s.initContainers, s.containers, volumes, `${path}.initContainers`));
  if (s.hostNetwork) {
    s.containers?.forEach((c, ci) => {
      c.ports?.forEach((port, pi) => {
        if (port.hostPort !== port.containerPort) {
          errs.push(
            fieldErr.invalid(
              `${path}.containers[${ci}].ports[${pi}].hostPort`,
              port.hostPort ?? 0,
              "must match `containerPort` when `hostNetwork` is true",
            ),
          );
        }
      });
    });
  }
  const rp = s.restartPolicy ?? "";
  if (!rp) errs.push(fieldErr.required(`${path}.restartPolicy`));
  else if (!restartPolicies.includes(rp))
    errs.push(fieldErr.notSupported(`${path}.restartPolicy`, rp, restartPolicies));
  errs.push(...validateLabels(s.nodeSelector, `${path}.nodeSelector`));
  (s.imagePullSecrets ?? []).forEach((ref, i) => {
    if (!ref.name) errs.push(fieldErr.required(`${path}.imagePullSecrets[${i}].name`));
  });
  errs.push(...validateDNS(s, path));
  if (s.serviceAccountName) {
    errs.push(
      ...invalidEach(
        isDNS1123Subdomain(s.serviceAccountName),
        `${path}.serviceAccountName`,
        s.serviceAccountName,
      ),
    );
  }
  if (s.nodeName) errs.push(...invalidEach(isDNS1123Subdomain(s.nodeName), `${path}.nodeName`, s.nodeName));
  if (
    s.activeDeadlineSeconds !== undefined &&
    (s.activeDeadlineSeconds < 1 || s.activeDeadlineSeconds > maxInt32)
  ) {
    errs.push(
      fieldErr.invalid(
        `${path}.activeDeadlineSeconds`,
        s.activeDeadlineSeconds,
        inclusiveRangeError(1, maxInt32),
      ),
    );
  }
  if (s.terminationGracePeriodSeconds !== undefined && s.terminationGracePeriodSeconds < 0) {
    errs.push(
      fieldErr.invalid(
        `${path}.terminationGracePeriodSeconds`,
        s.terminationGracePeriodSeconds,
        nonNegativeError,
      ),
    );
  }
  if (s.hostname) errs.push(...invalidEach(isDNS1123Label(s.hostname), `${path}.hostname`, s.hostname));
  if (s.subdomain) errs.push(...invalidEach(isDNS1123Label(s.subdomain), `${path}.subdomain`, s.subdomain));
  errs.push(...validateTolerations(s.tolerations, `${path}.tolerations`));
  (s.hostAliases ?? []).forEach((ha, i) => {
    if (!ha.ip || !isValidIP(ha.ip))
      errs.push(fieldErr.invalid(`${path}.hostAliases[${i}].ip`, ha.ip ?? "", "must be valid IP address"));
    (ha.hostnames ?? []).forEach((h, j) => {
      errs.push(...invalidEach(isDNS1123Subdomain(h), `${path}.hostAliases[${i}].hostnames[${j}]`, h));
    });
  });
  if (s.priorityClassName) {
    errs.push(
      ...invalidEach(
        isDNS1123Subdomain(s.priorityClassName),
        `${path}.priorityClassName`,
        s.priorityClassName,
      ),
    );
  }
  if (s.preemptionPolicy && !["Never", "PreemptLowerPriority"].includes(s.preemptionPolicy)) {
    errs.push(
      fieldErr.notSupported(`${path}.preemptionPolicy`, s.preemptionPolicy, [
        "Never",
        "PreemptLowerPriority",
      ]),
    );
  }
  (s.readinessGates ?? []).forEach((g, i) => {
    errs.push(
      ...invalidEach(
        isQualifiedName(g.conditionType ?? ""),
        `${path}.readinessGates[${i}].conditionType`,
        g.conditionType,
      ),
    );
  });
  return errs;
}

/** ValidatePodCreate */
export function validatePodCreate(pod: Pod): FieldError[] {
  const errs = validateObjectMeta(pod.metadata, podMetaOptions);
  errs.push(...validatePodSpec(pod.spec));
  if (pod.spec?.ephemeralContainers?.length)
    errs.push(fieldErr.forbidden("spec.ephemeralContainers", "cannot be set on create"));
  return errs;
}

const podUpdateForbidden =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

function tolerationKey(t: Toleration): string {
  return canonicalJSON({ ...t, tolerationSeconds: undefined });
}

/** validateOnlyAddedTolerations: existing ones stay; tolerationSeconds of NoExecute ones may shrink. */
function validateOnlyAddedTolerations(
  newTols: Toleration[] | undefined,
  oldTols: Toleration[] | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const old of oldTols ?? []) {
    const match = (newTols ?? []).find((t) => tolerationKey(t) === tolerationKey(old));
    const ok =
      match &&
      (match.tolerationSeconds === old.tolerationSeconds ||
        (old.effect === "NoExecute" &&
          old.tolerationSeconds !== undefined &&
          match.tolerationSeconds !== undefined &&
          match.tolerationSeconds <= old.tolerationSeconds &&
          match.tolerationSeconds >= 0));
    if (!ok) {
      errs.push(
        fieldErr.forbidden(path, "existing toleration can not be modified except its tolerationSeconds"),
      );
      break;
    }
  }
  errs.push(...validateTolerations(newTols, path));
  return errs;
}

/** ValidatePodUpdate */
export function validatePodUpdate(newPod: Pod, oldPod: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(newPod.metadata, oldPod.metadata, podMetaOptions);
  errs.push(...validatePodSpec(newPod.spec));
  const ns: PodSpec = newPod.spec ?? { containers: [] };
  const os: PodSpec = oldPod.spec ?? { containers: [] };
  const oldQOS = oldPod.status?.qosClass ?? computePodQOS(oldPod);
  if (oldQOS !== computePodQOS(newPod))
    errs.push(fieldErr.invalid("metadata", newPod.status?.qosClass ?? oldQOS, "Pod QoS is immutable"));

  for (const [field, nc, oc] of [
    ["containers", ns.containers ?? [], os.containers ?? []],
    ["initContainers", ns.initContainers ?? [], os.initContainers ?? []],
  ] as const) {
    if (nc.length !== oc.length) {
      errs.push(fieldErr.forbidden(`spec.${field}`, "pod updates may not add or remove containers"));
      return errs;
    }
    nc.forEach((c, i) => {
      if (!c.image) errs.push(fieldErr.required(`spec.${field}[${i}].image`));
      else if (c.image.trim() !== c.image) {
        errs.push(
          fieldErr.invalid(
            `spec.${field}[${i}].image`,
            c.image,
            "must not have leading or trailing whitespace",
          ),
        );
      }
    });
  }
  if (ns.activeDeadlineSeconds !== undefined) {
    const v = ns.activeDeadlineSeconds;
    if (v < 0 || v > maxInt32) {
      errs.push(fieldErr.invalid("spec.activeDeadlineSeconds", v, inclusiveRangeError(0, maxInt32)));
      return errs;
    }
    if (os.activeDeadlineSeconds !== undefined && os.activeDeadlineSeconds < v) {
      errs.push(
        fieldErr.invalid("spec.activeDeadlineSeconds", v, "must be less than or equal to previous value"),
      );
      return errs;
    }
  } else if (os.activeDeadlineSeconds !== undefined) {
    errs.push(
      fieldErr.invalid(
        "spec.activeDeadlineSeconds",
        null,
        "must not update from a positive integer to nil value",
      ),
    );
  }
  errs.push(...validateOnlyAddedTolerations(ns.tolerations, os.tolerations, "spec.tolerations"));

  // Everything else must be equal once the updatable fields are taken from the old spec.
  const munged: PodSpec = structuredClone(ns);
  munged.containers = (munged.containers ?? []).map((c, i) => ({
    ...c,
    image: os.containers[i]?.image ?? c.image,
  }));
  if (munged.initContainers) {
    munged.initContainers = munged.initContainers.map((c, i) => ({
      ...c,
      image: os.initContainers?.[i]?.image ?? c.image,
    }));
  }
  munged.activeDeadlineSeconds = os.activeDeadlineSeconds;
  munged.tolerations = os.tolerations;
  munged.schedulingGates = os.schedulingGates;
  if (
    os.terminationGracePeriodSeconds !== undefined &&
    os.terminationGracePeriodSeconds < 0 &&
    munged.terminationGracePeriodSeconds === 1
  ) {
    munged.terminationGracePeriodSeconds = os.terminationGracePeriodSeconds;
  }
  if (!sameJSON(munged, os)) {
    errs.push(fieldErr.forbidden("spec", `${podUpdateForbidden}\n${structDiff("core.PodSpec", os, munged)}`));
  }
  return errs;
}

/** ValidatePodStatusUpdate */
export function validatePodStatusUpdate(newPod: Pod, oldPod: Pod): FieldError[] {
  const errs = validateObjectMetaUpdate(newPod.metadata, oldPod.metadata, podMetaOptions);
  const st = newPod.status ?? {};
  if (st.phase !== undefined && st.phase !== "" && !podPhases.includes(st.phase)) {
    errs.push(fieldErr.notSupported("status.phase", st.phase, podPhases));
  }
  const system = new Set([
    "PodScheduled",
    "Ready",
    "Initialized",
    "ContainersReady",
    "PodReadyToStartContainers",
  ]);
  (st.conditions ?? []).forEach((c, i) => {
    const p = `status.conditions[${i}]`;
    if (!c.type) errs.push(fieldErr.required(`${p}.type`));
    else if (!system.has(c.type)) errs.push(...invalidEach(isQualifiedName(c.type), `${p}.type`, c.type));
    if (!["True", "False", "Unknown"].includes(c.status)) {
      errs.push(fieldErr.notSupported(`${p}.status`, c.status, ["False", "True", "Unknown"]));
    }
  });
  if ((newPod.spec?.nodeName ?? "") !== (oldPod.spec?.nodeName ?? "")) {
    errs.push(fieldErr.forbidden("status.nodeName", "may not be changed directly"));
  }
  if (st.nominatedNodeName && st.nominatedNodeName !== oldPod.status?.nominatedNodeName) {
    errs.push(
      ...invalidEach(
        isDNS1123Subdomain(st.nominatedNodeName),
        "status.nominatedNodeName",
        st.nominatedNodeName,
      ),
    );
  }
  for (const [field, specList] of [
    ["containerStatuses", newPod.spec?.containers ?? []],
    ["initContainerStatuses", newPod.spec?.initContainers ?? []],
  ] as const) {
    const names = new Set(specList.map((c) => c.name));
    const oldStatuses = oldPod.status?.[field] ?? [];
    (st[field] ?? []).forEach((cs, i) => {
      const p = `status.${field}[${i}]`;
      if (!names.has(cs.name)) errs.push(fieldErr.notFound(`${p}.name`, cs.name));
      // A container that will not restart stays terminated (ValidateContainerStateTransition).
      const old = oldStatuses.find((o) => o.name === cs.name);
      const restart = oldPod.spec?.restartPolicy ?? "Always";
      const exit = old?.state?.terminated?.exitCode;
      const mayRestart = restart === "Always" || (restart === "OnFailure" && exit !== 0);
      if (field === "containerStatuses" && old?.state?.terminated && !cs.state?.terminated && !mayRestart) {
        errs.push(fieldErr.forbidden(`${p}.state`, "may not be transitioned to non-terminated state"));
      }
    });
  }
  const ips = (st.podIPs ?? []).map((x) => x.ip ?? "");
  if (st.podIP && ips.length > 0 && ips[0] !== st.podIP) {
    errs.push(fieldErr.invalid("status.podIPs[0].ip", ips[0], "must be equal to `podIP`"));
  }
  ips.forEach((ip, i) => {
    if (!isValidIP(ip)) errs.push(fieldErr.invalid(`status.podIPs[${i}]`, ip, "must be a valid IP address"));
  });
  if (ips.length > 2)
    errs.push(fieldErr.invalid("status.podIPs", ips, "may specify no more than one IP for each IP family"));
  return errs;
}
