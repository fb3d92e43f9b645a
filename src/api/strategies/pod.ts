// The pod strategy (pkg/registry/core/pod/strategy.go): defaults and admission on create,
// status reset to Pending with the computed QoS class, spec/status split on update.
import type { Pod, PodCondition } from "kubernetes-types/core/v1.js";
import { admitPod, defaultPod } from "../defaults/pod.js";
import type { KubeObject } from "../object.js";
import type { ResourceStrategy } from "../strategy.js";
import { validatePodCreate, validatePodStatusUpdate, validatePodUpdate } from "../validation/pod.js";
import { computePodQOS } from "./qos.js";
import { keepAllButStatus, keepStatus } from "./status.js";

const asPod = (o: KubeObject) => o as unknown as Pod;

function mutableStatus(pod: Pod): NonNullable<Pod["status"]> & { conditions?: PodCondition[] } {
  const p = pod as { status?: NonNullable<Pod["status"]> };
  p.status ??= {};
  return p.status;
}

export const podStrategy: ResourceStrategy = {
  applyDefaults(obj) {
    defaultPod(asPod(obj));
  },
  prepareForCreate(obj) {
    const pod = asPod(obj);
    admitPod(pod);
    (pod as { status?: unknown }).status = { phase: "Pending", qosClass: computePodQOS(pod) };
    // applySchedulingGatedCondition: a gated pod says why it is not being scheduled.
    if (pod.spec?.schedulingGates?.length) {
      mutableStatus(pod).conditions = [
        {
          type: "PodScheduled",
          status: "False",
          reason: "SchedulingGated",
          message: "Scheduling is blocked due to non-empty scheduling gates",
        },
      ];
    }
  },
  prepareForUpdate(newObj, oldObj) {
    keepStatus(newObj, oldObj);
  },
  prepareForStatusUpdate(newObj, oldObj) {
    keepAllButStatus(newObj, oldObj);
    const st = mutableStatus(asPod(newObj));
    // kube backfills the QoS class that old kubelets dropped
    if (!st.qosClass) st.qosClass = asPod(oldObj).status?.qosClass;
    if (st.qosClass === undefined) delete st.qosClass;
  },
  validateCreate(obj) {
    return validatePodCreate(asPod(obj));
  },
  validateUpdate(newObj, oldObj) {
    return validatePodUpdate(asPod(newObj), asPod(oldObj));
  },
  validateStatusUpdate(newObj, oldObj) {
    return validatePodStatusUpdate(asPod(newObj), asPod(oldObj));
  },
};
