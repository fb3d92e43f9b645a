// Pod defaulting: the v1 defaulting funcs (pkg/apis/core/v1/defaults.go) plus what the admission
// plugins of a stock kube-apiserver add (ServiceAccount, DefaultTolerationSeconds, Priority), so a
// created pod reads back as it does from a real 1.30 cluster.
import type {
  Container,
  HTTPGetAction,
  LifecycleHandler,
  Pod,
  PodSpec,
  Probe,
  Toleration,
  Volume,
} from "kubernetes-types/core/v1.js";
import { canonicalizeMap, canonicalizeQuantityField } from "./quantities.js";

export const defaultTerminationGracePeriodSeconds = 30;
export const defaultSchedulerName = "default-scheduler";
export const defaultFileMode = 0o644; // 420, as kube prints it
export const defaultTolerationSeconds = 300;

/** Built-in PriorityClasses every cluster has (scheduling/v1 system classes). */
export const systemPriorityClasses: Record<string, number> = {
  "system-node-critical": 2000001000,
  "system-cluster-critical": 2000000000,
};

/** parsers.ParseImageName's tag: "latest" when the reference has neither tag nor digest. */
export function imageTag(image: string): string {
  const at = image.indexOf("@");
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSlash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > lastSlash) return name.slice(colon + 1);
  return at >= 0 ? "" : "latest";
}

function defaultHTTPGet(h: HTTPGetAction | undefined): void {
  if (!h) return;
  h.path ??= "/";
  h.scheme ??= "HTTP";
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHTTPGet(p.httpGet);
  if (p.grpc) p.grpc.service ??= "";
}

function defaultHandler(h: LifecycleHandler | undefined): void {
  defaultHTTPGet(h?.httpGet);
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  if (!c.imagePullPolicy)
    c.imagePullPolicy = imageTag(c.image ?? "") === "latest" ? "Always" : "IfNotPresent";
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  for (const port of c.ports ?? []) {
    port.protocol ??= "TCP";
    if (hostNetwork && !port.hostPort) port.hostPort = port.containerPort;
  }
  for (const ev of c.env ?? []) {
    if (ev.valueFrom?.fieldRef) ev.valueFrom.fieldRef.apiVersion ??= "v1";
  }
  // requests default to limits for every resource that has a limit but no request (SetDefaults_Pod)
  c.resources ??= {};
  if (c.resources.limits) {
    c.resources.requests ??= {};
    for (const [name, q] of Object.entries(c.resources.limits)) {
      if (!(name in c.resources.requests)) c.resources.requests[name] = q;
    }
  }
  canonicalizeMap(c.resources.limits);
  canonicalizeMap(c.resources.requests);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
}

function defaultVolume(v: Volume): void {
  const sources = Object.keys(v).filter((k) => k !== "name");
  if (sources.length === 0) v.emptyDir = {};
  if (v.emptyDir) canonicalizeQuantityField(v.emptyDir, "sizeLimit");
  if (v.hostPath) v.hostPath.type ??= "";
  if (v.secret) v.secret.defaultMode ??= defaultFileMode;
  if (v.configMap) v.configMap.defaultMode ??= defaultFileMode;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= defaultFileMode;
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ??= "v1";
  }
  if (v.projected) {
    v.projected.defaultMode ??= defaultFileMode;
    for (const src of v.projected.sources ?? []) {
      if (src.serviceAccountToken) src.serviceAccountToken.expirationSeconds ??= 3600;
      for (const item of src.downwardAPI?.items ?? []) if (item.fieldRef) item.fieldRef.apiVersion ??= "v1";
    }
  }
}

function tolerates(tols: Toleration[], key: string): boolean {
  // A toleration with an empty key and Exists tolerates every taint; an empty effect matches all effects.
  return tols.some(
    (t) =>
      (t.effect === undefined || t.effect === "" || t.effect === "NoExecute") &&
      ((t.operator === "Exists" && (t.key === undefined || t.key === "")) || t.key === key),
  );
}

/** DefaultTolerationSeconds admission: tolerate not-ready/unreachable nodes for 300s unless already tolerated. */
function defaultTolerations(spec: PodSpec): void {
  const tols = spec.tolerations ?? [];
  const add: Toleration[] = [];
  for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
    if (!tolerates(tols, key)) {
      add.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: defaultTolerationSeconds });
    }
  }
  if (add.length > 0) spec.tolerations = [...tols, ...add];
}

/**
 * The v1 defaulting funcs, run on every write as kube runs them on every decode. Idempotent.
 * The admission-time defaults are in admitPod, which runs on create only.
 */
export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.restartPolicy ??= "Always";
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= defaultTerminationGracePeriodSeconds;
  spec.schedulerName ??= defaultSchedulerName;
  spec.enableServiceLinks ??= true;
  // v1 conversion keeps the deprecated serviceAccount field in step with serviceAccountName.
  if (!spec.serviceAccountName && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c as Container, false);
  for (const v of spec.volumes ?? []) defaultVolume(v);
  canonicalizeMap(spec.overhead);
}

/**
 * What a stock kube-apiserver's mutating admission adds on create: the ServiceAccount plugin
 * ("default"), DefaultTolerationSeconds (not-ready/unreachable for 300s) and Priority (0 unless a
 * system PriorityClass is named; kite has no PriorityClass objects). Not run on update, as in kube,
 * so a later `kubectl replace` of the bare manifest is refused the same way.
 */
export function admitPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  if (!spec.serviceAccountName) spec.serviceAccountName = "default";
  spec.serviceAccount = spec.serviceAccountName;
  defaultTolerations(spec);
  if (spec.priority === undefined) spec.priority = systemPriorityClasses[spec.priorityClassName ?? ""] ?? 0;
  spec.preemptionPolicy ??= "PreemptLowerPriority";
}
