import assert from "node:assert/strict";
import { test } from "node:test";
import type { Pod } from "kubernetes-types/core/v1.js";
import { formatFieldError, invalid } from "../field-errors.js";
import type { KubeObject } from "../object.js";
import { findKind } from "../registry.js";
import { strategyFor } from "./index.js";
import { computePodQOS } from "./qos.js";

const podInfo = findKind("v1", "Pod");
if (!podInfo) throw new Error("Pod not in registry");
const pods = strategyFor(podInfo);

/** The chapter's pod.yaml, as kubectl sends it (namespace filled in by the request path). */
function chapterPod(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-pod", namespace: "default" },
    spec: { containers: [{ name: "web", image: "nginx:alpine", ports: [{ containerPort: 80 }] }] },
  };
}

function create(obj: KubeObject): KubeObject {
  pods.applyDefaults(obj);
  pods.prepareForCreate(obj);
  return obj;
}

function message(obj: KubeObject, errs: ReturnType<typeof pods.validateCreate>): string {
  return invalid("Pod", "", obj.metadata?.name ?? "", errs).message;
}

test("the chapter's pod is defaulted exactly as a 1.30 cluster returns it", () => {
  const pod = create(chapterPod());
  assert.deepEqual(pods.validateCreate(pod), []);
  // kubectl get pod web-pod -o json on 1.30, less generic metadata and the kube-api-access volume
  assert.deepEqual(pod, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "web-pod", namespace: "default" },
    spec: {
      containers: [
        {
          image: "nginx:alpine",
          imagePullPolicy: "IfNotPresent",
          name: "web",
          ports: [{ containerPort: 80, protocol: "TCP" }],
          resources: {},
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
        },
      ],
      dnsPolicy: "ClusterFirst",
      enableServiceLinks: true,
      preemptionPolicy: "PreemptLowerPriority",
      priority: 0,
      restartPolicy: "Always",
      schedulerName: "default-scheduler",
      securityContext: {},
      serviceAccount: "default",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
      tolerations: [
        {
          effect: "NoExecute",
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          tolerationSeconds: 300,
        },
        {
          effect: "NoExecute",
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          tolerationSeconds: 300,
        },
      ],
    },
    status: { phase: "Pending", qosClass: "BestEffort" },
  });
});

test("defaulting is idempotent", () => {
  const once = create(chapterPod());
  const twice = structuredClone(once);
  pods.applyDefaults(twice);
  assert.deepEqual(twice, once);
});

test("imagePullPolicy is Always for :latest or no tag, IfNotPresent otherwise", () => {
  const pod = chapterPod();
  (pod.spec as Pod["spec"] & object).containers = [
    { name: "a", image: "nginx" },
    { name: "b", image: "nginx:latest" },
    { name: "c", image: "localhost:5000/nginx" },
    { name: "d", image: "nginx@sha256:abcd" },
    { name: "e", image: "nginx:1.27" },
  ];
  pods.applyDefaults(pod);
  const policies = (pod as Pod).spec?.containers.map((c) => c.imagePullPolicy);
  assert.deepEqual(policies, ["Always", "Always", "Always", "IfNotPresent", "IfNotPresent"]);
});

test("probes, volumes and requests get their v1 defaults", () => {
  const pod: Pod = {
    metadata: { name: "p", namespace: "default" },
    spec: {
      containers: [
        {
          name: "web",
          image: "nginx:1",
          livenessProbe: { httpGet: { port: 80 } },
          resources: { limits: { cpu: "0.5", memory: "128Mi" } },
          volumeMounts: [{ name: "cfg", mountPath: "/etc/cfg" }],
        },
      ],
      volumes: [
        { name: "cfg", configMap: { name: "cfg" } },
        { name: "scratch" },
        { name: "host", hostPath: { path: "/tmp" } },
      ],
    },
  };
  const obj = pod as unknown as KubeObject;
  create(obj);
  const c = pod.spec?.containers[0];
  assert.deepEqual(c?.livenessProbe, {
    httpGet: { port: 80, path: "/", scheme: "HTTP" },
    timeoutSeconds: 1,
    periodSeconds: 10,
    successThreshold: 1,
    failureThreshold: 3,
  });
  assert.deepEqual(c?.resources, {
    limits: { cpu: "500m", memory: "128Mi" },
    requests: { cpu: "500m", memory: "128Mi" },
  });
  assert.deepEqual(pod.spec?.volumes, [
    { name: "cfg", configMap: { name: "cfg", defaultMode: 420 } },
    { name: "scratch", emptyDir: {} },
    { name: "host", hostPath: { path: "/tmp", type: "" } },
  ]);
  assert.equal(pod.status?.qosClass, "Guaranteed");
  assert.deepEqual(pods.validateCreate(obj), []);
});

test("QoS class: BestEffort, Burstable, Guaranteed", () => {
  const withResources = (resources: object): Pod => ({
    spec: { containers: [{ name: "a", resources }] },
  });
  assert.equal(computePodQOS(withResources({})), "BestEffort");
  assert.equal(computePodQOS(withResources({ requests: { cpu: "0" } })), "BestEffort");
  assert.equal(computePodQOS(withResources({ requests: { cpu: "100m" } })), "Burstable");
  assert.equal(computePodQOS(withResources({ limits: { cpu: "1" }, requests: { cpu: "1" } })), "Burstable");
  assert.equal(
    computePodQOS(
      withResources({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "1000m", memory: "1024Mi" } }),
    ),
    "Guaranteed",
  );
  assert.equal(
    computePodQOS(
      withResources({ limits: { cpu: "1", memory: "1Gi" }, requests: { cpu: "500m", memory: "1Gi" } }),
    ),
    "Burstable",
  );
});

test("a duplicate container name is refused with kube's message", () => {
  const pod = chapterPod();
  (pod.spec as Pod["spec"] & object).containers.push({ name: "web", image: "busybox" });
  create(pod);
  assert.equal(
    message(pod, pods.validateCreate(pod)),
    'Pod "web-pod" is invalid: spec.containers[1].name: Duplicate value: "web"',
  );
});

test("an init container may not reuse a container's name", () => {
  const pod = chapterPod();
  (pod.spec as Pod["spec"] & object).initContainers = [{ name: "web", image: "busybox" }];
  create(pod);
  assert.deepEqual(pods.validateCreate(pod).map(formatFieldError), [
    'spec.initContainers[0].name: Duplicate value: "web"',
  ]);
});

test("a bad pod name is refused with the RFC 1123 subdomain message", () => {
  const pod = chapterPod();
  (pod.metadata ?? {}).name = "Web_Pod";
  create(pod);
  assert.equal(
    message(pod, pods.validateCreate(pod)),
    `Pod "Web_Pod" is invalid: metadata.name: Invalid value: "Web_Pod": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
});

test("a negative container port is out of range", () => {
  const pod = chapterPod();
  ((pod as unknown as Pod).spec?.containers[0]?.ports ?? [])[0] = { containerPort: -1 };
  create(pod);
  assert.equal(
    message(pod, pods.validateCreate(pod)),
    'Pod "web-pod" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: -1: must be between 1 and 65535, inclusive',
  );
});

test("several errors are listed in kube's bracketed form", () => {
  const pod: KubeObject = {
    metadata: { name: "p", namespace: "default" },
    spec: {
      containers: [{ name: "a", image: "", ports: [{ containerPort: 80, protocol: "HTTP" }] }],
      restartPolicy: "Sometimes",
    },
  };
  create(pod);
  assert.equal(
    message(pod, pods.validateCreate(pod)),
    'Pod "p" is invalid: [spec.containers[0].image: Required value, spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP", spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"]',
  );
});

test("containers are required", () => {
  const pod: KubeObject = { metadata: { name: "p", namespace: "default" }, spec: {} };
  create(pod);
  assert.deepEqual(pods.validateCreate(pod).map(formatFieldError), ["spec.containers: Required value"]);
});

test("requests above limits are refused", () => {
  const pod = chapterPod();
  const c = (pod as unknown as Pod).spec?.containers[0];
  if (c) c.resources = { limits: { cpu: "1" }, requests: { cpu: "2" } };
  create(pod);
  assert.deepEqual(pods.validateCreate(pod).map(formatFieldError), [
    'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
  ]);
});

test("a malformed quantity is reported with the quantity regex", () => {
  const pod = chapterPod();
  const c = (pod as unknown as Pod).spec?.containers[0];
  if (c) c.resources = { requests: { memory: "lots" } };
  create(pod);
  assert.deepEqual(pods.validateCreate(pod).map(formatFieldError), [
    `spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
  ]);
});

test("volume mounts must name a declared volume; volumes need one source", () => {
  const pod = chapterPod();
  const spec = (pod as unknown as Pod).spec;
  if (spec) {
    spec.containers[0] = {
      ...spec.containers[0],
      name: "web",
      volumeMounts: [
        { name: "x", mountPath: "/x" },
        { name: "d", mountPath: "/x" },
      ],
    };
    spec.volumes = [
      { name: "d", emptyDir: {} },
      { name: "d", emptyDir: {} },
      { name: "two", emptyDir: {}, hostPath: { path: "/tmp" } },
    ];
  }
  create(pod);
  assert.deepEqual(pods.validateCreate(pod).map(formatFieldError), [
    'spec.volumes[1].name: Duplicate value: "d"',
    "spec.volumes[2].hostPath: Forbidden: may not specify more than 1 volume type",
    'spec.containers[0].volumeMounts[0].name: Not found: "x"',
    'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique',
  ]);
});

test("env names, port names and host port clashes", () => {
  const pod = chapterPod();
  const spec = (pod as unknown as Pod).spec;
  if (spec) {
    spec.containers = [
      {
        name: "a",
        image: "x",
        env: [{ name: "1BAD" }],
        ports: [{ containerPort: 80, hostPort: 8080, name: "HTTP" }],
      },
      { name: "b", image: "x", ports: [{ containerPort: 81, hostPort: 8080 }] },
    ];
  }
  create(pod);
  const errs = pods.validateCreate(pod).map(formatFieldError);
  assert.deepEqual(errs.length, 4);
  assert.equal(
    errs[0],
    'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
  );
  assert.match(
    errs[1] ?? "",
    /^spec\.containers\[0\]\.ports\[0\]\.name: Invalid value: "HTTP": must contain at least one letter/,
  );
  assert.match(
    errs[2] ?? "",
    /^spec\.containers\[0\]\.env\[0\]\.name: Invalid value: "1BAD": a valid environment variable name must consist of/,
  );
  assert.equal(errs[3], 'spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"');
});

test("probe and deadline limits", () => {
  const pod = chapterPod();
  const spec = (pod as unknown as Pod).spec;
  if (spec) {
    spec.activeDeadlineSeconds = 0;
    spec.terminationGracePeriodSeconds = -5;
    const c = spec.containers[0];
    if (c) c.livenessProbe = { exec: { command: ["true"] }, successThreshold: 2 };
  }
  create(pod);
  assert.deepEqual(pods.validateCreate(pod).map(formatFieldError), [
    "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
    "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive",
    "spec.terminationGracePeriodSeconds: Invalid value: -5: must be greater than or equal to 0",
  ]);
});

test("changing anything but images, deadline and tolerations is forbidden with kube's message", () => {
  const old = create(chapterPod());
  const changed = structuredClone(old);
  const c = (changed as unknown as Pod).spec?.containers[0];
  if (c) c.env = [{ name: "A", value: "1" }];
  pods.applyDefaults(changed);
  pods.prepareForUpdate(changed, old);
  const errs = pods.validateUpdate(changed, old);
  assert.equal(errs.length, 1);
  const msg = message(changed, errs);
  assert.ok(
    msg.startsWith(
      'Pod "web-pod" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n  core.PodSpec{\n',
    ),
    msg,
  );
  assert.match(msg, /\+ \tContainers\[0\]\.Env: \[\{"name":"A","value":"1"\}\],/);
});

test("image, activeDeadlineSeconds and added tolerations may change", () => {
  const old = create(chapterPod());
  const changed = structuredClone(old) as unknown as Pod;
  const spec = changed.spec;
  if (spec) {
    const c = spec.containers[0];
    if (c) c.image = "nginx:1.27";
    spec.activeDeadlineSeconds = 600;
    spec.tolerations = [...(spec.tolerations ?? []), { key: "x", operator: "Exists" }];
  }
  const obj = changed as unknown as KubeObject;
  pods.prepareForUpdate(obj, old);
  assert.deepEqual(pods.validateUpdate(obj, old), []);
});

test("removing a toleration or raising the deadline is refused", () => {
  const old = create(chapterPod());
  (old as unknown as Pod).spec = {
    ...(old as unknown as Pod).spec,
    containers: (old as unknown as Pod).spec?.containers ?? [],
    activeDeadlineSeconds: 60,
  };
  const changed = structuredClone(old) as unknown as Pod;
  if (changed.spec) {
    changed.spec.tolerations = [];
    changed.spec.activeDeadlineSeconds = 120;
  }
  const errs = pods.validateUpdate(changed as unknown as KubeObject, old).map(formatFieldError);
  assert.deepEqual(errs, [
    "spec.activeDeadlineSeconds: Invalid value: 120: must be less than or equal to previous value",
  ]);
  if (changed.spec) changed.spec.activeDeadlineSeconds = 60;
  assert.deepEqual(pods.validateUpdate(changed as unknown as KubeObject, old).map(formatFieldError), [
    "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds",
  ]);
});

test("main-resource update keeps status; status update keeps spec", () => {
  const old = create(chapterPod());
  const upd = structuredClone(old);
  upd.status = { phase: "Running" };
  pods.prepareForUpdate(upd, old);
  assert.deepEqual(upd.status, { phase: "Pending", qosClass: "BestEffort" });

  const st = structuredClone(old) as unknown as Pod;
  st.spec = { containers: [{ name: "other", image: "x" }] };
  (st as { status?: unknown }).status = { phase: "Running", containerStatuses: [] };
  const stObj = st as unknown as KubeObject;
  pods.prepareForStatusUpdate(stObj, old);
  assert.deepEqual(stObj.spec, old.spec);
  assert.deepEqual(stObj.status, { phase: "Running", containerStatuses: [], qosClass: "BestEffort" });
  assert.deepEqual(pods.validateStatusUpdate(stObj, old), []);
});

test("status updates check phase and container names", () => {
  const old = create(chapterPod());
  const st = structuredClone(old);
  st.status = {
    phase: "Sleeping",
    containerStatuses: [{ name: "nope", image: "x", imageID: "", ready: false, restartCount: 0 }],
  };
  assert.deepEqual(pods.validateStatusUpdate(st, old).map(formatFieldError), [
    'status.phase: Unsupported value: "Sleeping": supported values: "Pending", "Running", "Succeeded", "Failed", "Unknown"',
    'status.containerStatuses[0].name: Not found: "nope"',
  ]);
});

test("a container that will not restart may not leave Terminated", () => {
  const old = create(chapterPod()) as unknown as Pod;
  if (old.spec) old.spec.restartPolicy = "Never";
  const term = {
    name: "web",
    image: "x",
    imageID: "",
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode: 0 } },
  };
  (old as { status?: unknown }).status = { phase: "Succeeded", containerStatuses: [term] };
  const st = structuredClone(old) as unknown as KubeObject;
  st.status = { phase: "Running", containerStatuses: [{ ...term, state: { running: {} } }] };
  assert.deepEqual(pods.validateStatusUpdate(st, old as unknown as KubeObject).map(formatFieldError), [
    "status.containerStatuses[0].state: Forbidden: may not be transitioned to non-terminated state",
  ]);
});

test("hostNetwork pods get hostPort defaulted to containerPort", () => {
  const pod = chapterPod();
  (pod.spec as Pod["spec"] & object).hostNetwork = true;
  create(pod);
  assert.deepEqual((pod as unknown as Pod).spec?.containers[0]?.ports, [
    { containerPort: 80, hostPort: 80, protocol: "TCP" },
  ]);
  assert.deepEqual(pods.validateCreate(pod), []);
});
