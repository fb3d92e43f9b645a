// Container validation (validateContainers, validateInitContainers, validateContainerCommon and
// what they call in pkg/apis/core/validation): names, image, ports, env, mounts, probes, resources.
import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  ObjectFieldSelector,
  Probe,
  ResourceFieldSelector,
  VolumeMount,
} from "kubernetes-types/core/v1.js";
import { type FieldError, fieldErr } from "../field-errors.js";
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isValidPortName,
  isValidPortNum,
  nonNegativeError,
} from "./names.js";
import { validateResourceRequirements } from "./resources.js";

export const supportedPortProtocols = ["SCTP", "TCP", "UDP"];
const pullPolicies = ["Always", "IfNotPresent", "Never"];

function dnsLabel(value: string, path: string): FieldError[] {
  return isDNS1123Label(value).map((msg) => fieldErr.invalid(path, value, msg));
}

export function validateContainerPorts(ports: ContainerPort[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const p = `${path}[${i}]`;
    if (port.name) {
      const msgs = isValidPortName(port.name);
      if (msgs.length > 0) for (const msg of msgs) errs.push(fieldErr.invalid(`${p}.name`, port.name, msg));
      else if (names.has(port.name)) errs.push(fieldErr.duplicate(`${p}.name`, port.name));
      else names.add(port.name);
    }
    if (!port.containerPort) errs.push(fieldErr.required(`${p}.containerPort`));
    else
      for (const msg of isValidPortNum(port.containerPort))
        errs.push(fieldErr.invalid(`${p}.containerPort`, port.containerPort, msg));
    if (port.hostPort) {
      for (const msg of isValidPortNum(port.hostPort))
        errs.push(fieldErr.invalid(`${p}.hostPort`, port.hostPort, msg));
    }
    if (!port.protocol) errs.push(fieldErr.required(`${p}.protocol`));
    else if (!supportedPortProtocols.includes(port.protocol)) {
      errs.push(fieldErr.notSupported(`${p}.protocol`, port.protocol, supportedPortProtocols));
    }
  });
  return errs;
}

/** checkHostPortConflicts: the same protocol/hostIP/hostPort may be claimed only once in a pod. */
export function checkHostPortConflicts(
  containers: Container[],
  path: string,
  seen: Set<string>,
): FieldError[] {
  const errs: FieldError[] = [];
  containers.forEach((c, ci) => {
    (c.ports ?? []).forEach((port, pi) => {
      if (!port.hostPort) return;
      const key = `${port.protocol ?? ""}/${port.hostIP ?? ""}/${port.hostPort}`;
      if (seen.has(key)) errs.push(fieldErr.duplicate(`${path}[${ci}].ports[${pi}].hostPort`, key));
      else seen.add(key);
    });
  });
  return errs;
}

const validEnvFieldPaths = [
  "metadata.name",
  "metadata.namespace",
  "metadata.uid",
  "spec.nodeName",
  "spec.serviceAccountName",
  "status.hostIP",
  "status.hostIPs",
  "status.podIP",
  "status.podIPs",
];

export function validateObjectFieldSelector(
  sel: ObjectFieldSelector,
  supported: string[],
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (!sel.apiVersion) {
    errs.push(fieldErr.required(`${path}.apiVersion`));
    return errs;
  }
  if (!sel.fieldPath) {
    errs.push(fieldErr.required(`${path}.fieldPath`));
    return errs;
  }
  // metadata.labels['key'] and metadata.annotations['key'] address single entries.
  const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(sel.fieldPath);
  if (subscript) return errs;
  if (!supported.includes(sel.fieldPath)) {
    errs.push(fieldErr.notSupported(`${path}.fieldPath`, sel.fieldPath, supported));
  }
  return errs;
}

const validResourceFieldRefs = [
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
];

export function validateResourceFieldSelector(
  sel: ResourceFieldSelector,
  requireContainer: boolean,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  if (requireContainer && !sel.containerName) errs.push(fieldErr.required(`${path}.containerName`));
  if (!sel.resource) errs.push(fieldErr.required(`${path}.resource`));
  else if (
    !validResourceFieldRefs.includes(sel.resource) &&
    !/^(limits|requests)\.hugepages-/.test(sel.resource)
  ) {
    errs.push(fieldErr.notSupported(`${path}.resource`, sel.resource, validResourceFieldRefs));
  }
  return errs;
}

function validateEnvVarValueFrom(ev: EnvVar, path: string): FieldError[] {
  const from = ev.valueFrom;
  if (!from) return [];
  const errs: FieldError[] = [];
  let n = 0;
  if (from.fieldRef) {
    n++;
    errs.push(...validateObjectFieldSelector(from.fieldRef, validEnvFieldPaths, `${path}.fieldRef`));
  }
  if (from.resourceFieldRef) {
    n++;
    errs.push(...validateResourceFieldSelector(from.resourceFieldRef, false, `${path}.resourceFieldRef`));
  }
  for (const [field, ref] of [
    ["configMapKeyRef", from.configMapKeyRef],
    ["secretKeyRef", from.secretKeyRef],
  ] as const) {
    if (!ref) continue;
    n++;
    if (!ref.key) errs.push(fieldErr.required(`${path}.${field}.key`));
    else
      for (const msg of isConfigMapKey(ref.key))
        errs.push(fieldErr.invalid(`${path}.${field}.key`, ref.key, msg));
    if (!ref.name) errs.push(fieldErr.required(`${path}.${field}.name`));
    else
      for (const msg of isDNS1123Subdomain(ref.name))
        errs.push(fieldErr.invalid(`${path}.${field}.name`, ref.name, msg));
  }
  if (n === 0) {
    errs.push(
      fieldErr.invalid(
        path,
        "",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
      ),
    );
  } else if (ev.value) {
    errs.push(fieldErr.invalid(path, "", "may not be specified when `value` is not empty"));
  } else if (n > 1) {
    errs.push(fieldErr.invalid(path, "", "may not have more than one field specified at a time"));
  }
  return errs;
}

export function validateEnv(vars: EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (vars ?? []).forEach((ev, i) => {
    const p = `${path}[${i}]`;
    if (!ev.name) errs.push(fieldErr.required(`${p}.name`));
    else for (const msg of isEnvVarName(ev.name)) errs.push(fieldErr.invalid(`${p}.name`, ev.name, msg));
    errs.push(...validateEnvVarValueFrom(ev, `${p}.valueFrom`));
  });
  return errs;
}

export function validateEnvFrom(sources: EnvFromSource[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  (sources ?? []).forEach((src, i) => {
    const p = `${path}[${i}]`;
    if (src.prefix)
      for (const msg of isEnvVarName(src.prefix)) errs.push(fieldErr.invalid(`${p}.prefix`, src.prefix, msg));
    let n = 0;
    for (const [field, ref] of [
      ["configMapRef", src.configMapRef],
      ["secretRef", src.secretRef],
    ] as const) {
      if (!ref) continue;
      n++;
      if (!ref.name) errs.push(fieldErr.required(`${p}.${field}.name`));
      else
        for (const msg of isDNS1123Subdomain(ref.name))
          errs.push(fieldErr.invalid(`${p}.${field}.name`, ref.name, msg));
    }
    if (n === 0) errs.push(fieldErr.invalid(p, "", "must specify one of: `configMapRef` or `secretRef`"));
    else if (n > 1)
      errs.push(fieldErr.invalid(p, "", "may not have more than one field specified at a time"));
  });
  return errs;
}

/** validateLocalDescendingPath: relative, without "..". */
export function validateLocalDescendingPath(target: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (target.startsWith("/")) errs.push(fieldErr.invalid(path, target, "must be a relative path"));
  if (target.split(/[\\/]/).includes(".."))
    errs.push(fieldErr.invalid(path, target, "must not contain '..'"));
  return errs;
}

export function validateVolumeMounts(
  mounts: VolumeMount[] | undefined,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  (mounts ?? []).forEach((m, i) => {
    const p = `${path}[${i}]`;
    if (!m.name) errs.push(fieldErr.required(`${p}.name`));
    if (!volumes.has(m.name)) errs.push(fieldErr.notFound(`${p}.name`, m.name ?? ""));
    if (!m.mountPath) errs.push(fieldErr.required(`${p}.mountPath`));
    if (mountPoints.has(m.mountPath))
      errs.push(fieldErr.invalid(`${p}.mountPath`, m.mountPath, "must be unique"));
    mountPoints.add(m.mountPath);
    // kube reports subPath problems against the list path, not the item; kept for identical output.
    if (m.subPath) errs.push(...validateLocalDescendingPath(m.subPath, `${path}.subPath`));
    if (m.subPathExpr) {
      if (m.subPath) {
        errs.push(
          fieldErr.invalid(
            `${p}.subPathExpr`,
            m.subPathExpr,
            "subPathExpr and subPath are mutually exclusive",
          ),
        );
      }
      errs.push(...validateLocalDescendingPath(m.subPathExpr, `${path}.subPathExpr`));
    }
    if (m.mountPropagation && !["None", "HostToContainer", "Bidirectional"].includes(m.mountPropagation)) {
      errs.push(
        fieldErr.notSupported(`${path}.mountPropagation`, m.mountPropagation, [
          "Bidirectional",
          "HostToContainer",
          "None",
        ]),
      );
    }
  });
  return errs;
}

function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === "number") return isValidPortNum(port).map((msg) => fieldErr.invalid(path, port, msg));
  if (typeof port === "string") return isValidPortName(port).map((msg) => fieldErr.invalid(path, port, msg));
  return [fieldErr.invalid(path, 0, isValidPortNum(0)[0])];
}

function validateHandler(probe: Probe, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (probe.exec) {
    n++;
    if (!probe.exec.command?.length) errs.push(fieldErr.required(`${path}.exec.command`));
  }
  if (probe.httpGet) {
    if (n++ > 0) errs.push(fieldErr.forbidden(`${path}.httpGet`, "may not specify more than 1 handler type"));
    else {
      const h = probe.httpGet;
      if (!h.path) errs.push(fieldErr.required(`${path}.httpGet.path`));
      errs.push(...validatePortNumOrName(h.port, `${path}.httpGet.port`));
      if (h.scheme && !["HTTP", "HTTPS"].includes(h.scheme)) {
        errs.push(fieldErr.notSupported(`${path}.httpGet.scheme`, h.scheme, ["HTTP", "HTTPS"]));
      }
      (h.httpHeaders ?? []).forEach((hdr, i) => {
        if (!/^[-!#$%&'*+.^_`|~0-9A-Za-z]+$/.test(hdr.name ?? "")) {
          errs.push(
            fieldErr.invalid(
              `${path}.httpGet.httpHeaders[${i}].name`,
              hdr.name,
              "a valid HTTP header must consist of alphanumeric characters or '-'",
            ),
          );
        }
      });
    }
  }
  if (probe.tcpSocket) {
    if (n++ > 0)
      errs.push(fieldErr.forbidden(`${path}.tcpSocket`, "may not specify more than 1 handler type"));
    else errs.push(...validatePortNumOrName(probe.tcpSocket.port, `${path}.tcpSocket.port`));
  }
  if (probe.grpc) {
    if (n++ > 0) errs.push(fieldErr.forbidden(`${path}.grpc`, "may not specify more than 1 handler type"));
    else
      errs.push(
        ...isValidPortNum(probe.grpc.port).map((m) =>
          fieldErr.invalid(`${path}.grpc.port`, probe.grpc?.port, m),
        ),
      );
  }
  if (n === 0) errs.push(fieldErr.required(path, "must specify a handler type"));
  return errs;
}

export function validateProbe(
  probe: Probe | undefined,
  kind: "liveness" | "readiness" | "startup",
  path: string,
): FieldError[] {
  if (!probe) return [];
  const errs = validateHandler(probe, path);
  for (const f of [
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
  ] as const) {
    const v = probe[f];
    if (v !== undefined && v < 0) errs.push(fieldErr.invalid(`${path}.${f}`, v, nonNegativeError));
  }
  if (probe.terminationGracePeriodSeconds !== undefined) {
    if (kind === "readiness") {
      errs.push(
        fieldErr.invalid(
          `${path}.terminationGracePeriodSeconds`,
          probe.terminationGracePeriodSeconds,
          "must not be set for readinessProbes",
        ),
      );
    } else if (probe.terminationGracePeriodSeconds <= 0) {
      errs.push(
        fieldErr.invalid(
          `${path}.terminationGracePeriodSeconds`,
          probe.terminationGracePeriodSeconds,
          "must be greater than 0",
        ),
      );
    }
  }
  if (kind !== "readiness" && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(fieldErr.invalid(`${path}.successThreshold`, probe.successThreshold, "must be 1"));
  }
  return errs;
}

/** validateContainerCommon: what regular and init containers share. */
function validateContainerCommon(c: Container, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(fieldErr.required(`${path}.name`));
  else errs.push(...dnsLabel(c.name, `${path}.name`));
  if (!c.image) errs.push(fieldErr.required(`${path}.image`));
  const tmp = c.terminationMessagePolicy;
  if (!tmp)
    errs.push(
      fieldErr.required(`${path}.terminationMessagePolicy`, "must be 'File' or 'FallbackToLogsOnError'"),
    );
  else if (tmp !== "File" && tmp !== "FallbackToLogsOnError") {
    errs.push(
      fieldErr.notSupported(`${path}.terminationMessagePolicy`, tmp, ["File", "FallbackToLogsOnError"]),
    );
  }
  errs.push(...validateContainerPorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  if (!c.imagePullPolicy) errs.push(fieldErr.required(`${path}.imagePullPolicy`));
  else if (!pullPolicies.includes(c.imagePullPolicy)) {
    errs.push(fieldErr.notSupported(`${path}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
  }
  errs.push(...validateResourceRequirements(c.resources, `${path}.resources`));
  return errs;
}

export function validateContainers(
  containers: Container[] | undefined,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  if (!containers || containers.length === 0) return [fieldErr.required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    if (names.has(c.name)) errs.push(fieldErr.duplicate(`${p}.name`, c.name));
    else names.add(c.name);
    errs.push(...validateProbe(c.livenessProbe, "liveness", `${p}.livenessProbe`));
    errs.push(...validateProbe(c.readinessProbe, "readiness", `${p}.readinessProbe`));
    errs.push(...validateProbe(c.startupProbe, "startup", `${p}.startupProbe`));
    if (c.restartPolicy !== undefined)
      errs.push(fieldErr.forbidden(`${p}.restartPolicy`, "may not be set for non-init containers"));
  });
  errs.push(...checkHostPortConflicts(containers, path, new Set()));
  return errs;
}

export function validateInitContainers(
  inits: Container[] | undefined,
  containers: Container[] | undefined,
  volumes: Set<string>,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((containers ?? []).map((c) => c.name));
  (inits ?? []).forEach((c, i) => {
    const p = `${path}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, p));
    let restartAlways = false;
    if (c.restartPolicy !== undefined) {
      if (c.restartPolicy !== "Always")
        errs.push(fieldErr.notSupported(`${p}.restartPolicy`, c.restartPolicy, ["Always"]));
      restartAlways = c.restartPolicy === "Always";
    }
    if (names.has(c.name)) errs.push(fieldErr.duplicate(`${p}.name`, c.name));
    else if (c.name) names.add(c.name);
    if (restartAlways) {
      errs.push(...validateProbe(c.livenessProbe, "liveness", `${p}.livenessProbe`));
      errs.push(...validateProbe(c.readinessProbe, "readiness", `${p}.readinessProbe`));
      errs.push(...validateProbe(c.startupProbe, "startup", `${p}.startupProbe`));
    } else {
      const why = "may not be set for init containers without restartPolicy=Always";
      if (c.lifecycle) errs.push(fieldErr.forbidden(`${p}.lifecycle`, why));
      if (c.livenessProbe) errs.push(fieldErr.forbidden(`${p}.livenessProbe`, why));
      if (c.readinessProbe) errs.push(fieldErr.forbidden(`${p}.readinessProbe`, why));
      if (c.startupProbe) errs.push(fieldErr.forbidden(`${p}.startupProbe`, why));
    }
  });
  errs.push(...checkHostPortConflicts(inits ?? [], path, new Set()));
  return errs;
}
