// Strategies of the kinds other than Pod: which defaults apply, what create resets, how the
// status subresource splits the object, and which validation runs.
import type { Lease } from "kubernetes-types/coordination/v1.js";
import type {
  Binding,
  ConfigMap,
  Event,
  Namespace,
  Node,
  PersistentVolume,
  PersistentVolumeClaim,
  Secret,
} from "kubernetes-types/core/v1.js";
import type { Event as EventsV1 } from "kubernetes-types/events/v1.js";
import type { StorageClass } from "kubernetes-types/storage/v1.js";
import {
  defaultCoreEvent,
  defaultNamespace,
  defaultNode,
  defaultPersistentVolume,
  defaultPersistentVolumeClaim,
  defaultSecret,
  defaultStorageClass,
} from "../defaults/core.js";
import type { FieldError } from "../field-errors.js";
import type { KubeObject } from "../object.js";
import type { ResourceStrategy } from "../strategy.js";
import {
  validateConfigMap,
  validateConfigMapUpdate,
  validateSecret,
  validateSecretUpdate,
} from "../validation/config.js";
import { type EventAPI, validateEventCreate, validateEventUpdate } from "../validation/event.js";
import { validateBinding, validateLease, validateLeaseUpdate } from "../validation/lease.js";
import { type NameValidator, nameIsDNSSubdomain } from "../validation/names.js";
import {
  validateNamespace,
  validateNamespaceStatusUpdate,
  validateNamespaceUpdate,
} from "../validation/namespace.js";
import { validateNode, validateNodeUpdate } from "../validation/node.js";
import { validateObjectMeta, validateObjectMetaUpdate } from "../validation/objectmeta.js";
import {
  validatePersistentVolume,
  validatePersistentVolumeClaim,
  validatePersistentVolumeClaimStatusUpdate,
  validatePersistentVolumeClaimUpdate,
  validatePersistentVolumeStatusUpdate,
  validatePersistentVolumeUpdate,
} from "../validation/persistentvolume.js";
import { validateStorageClass, validateStorageClassUpdate } from "../validation/storageclass.js";
import { keepAllButStatus, keepStatus, nowTime } from "./status.js";

const noop = () => {};
const none = (): FieldError[] => [];

/** A kind with no status: create and update leave everything as sent. */
function statusless<T>(
  defaults: (o: T) => void,
  create: (o: T) => FieldError[],
  update: (n: T, o: T) => FieldError[],
): ResourceStrategy {
  const as = (o: KubeObject) => o as unknown as T;
  return {
    applyDefaults: (o) => defaults(as(o)),
    prepareForCreate: noop,
    prepareForUpdate: noop,
    prepareForStatusUpdate: keepAllButStatus,
    validateCreate: (o) => create(as(o)),
    validateUpdate: (n, o) => update(as(n), as(o)),
    validateStatusUpdate: none,
  };
}

/** ObjectMeta rules only, for a served kind kite has no specific rules for. */
export function metadataOnlyStrategy(
  namespaced: boolean,
  nameFn: NameValidator = nameIsDNSSubdomain,
): ResourceStrategy {
  const opts = { namespaced, nameFn };
  return {
    applyDefaults: noop,
    prepareForCreate: noop,
    prepareForUpdate: keepStatus,
    prepareForStatusUpdate: keepAllButStatus,
    validateCreate: (o) => validateObjectMeta(o.metadata, opts),
    validateUpdate: (n, o) => validateObjectMetaUpdate(n.metadata, o.metadata, opts),
    validateStatusUpdate: (n, o) => validateObjectMetaUpdate(n.metadata, o.metadata, opts),
  };
}

export const namespaceStrategy: ResourceStrategy = {
  applyDefaults: (o) => defaultNamespace(o as Namespace),
  prepareForCreate(o) {
    const ns = o as Namespace;
    (ns as { status?: unknown }).status = { phase: "Active" };
    // The "kubernetes" finalizer is required on create, then left to the namespace controller
    // (not a default, since it may be removed over the object's life).
    ns.spec ??= {};
    const fins = ns.spec.finalizers ?? [];
    if (!fins.includes("kubernetes")) ns.spec.finalizers = [...fins, "kubernetes"];
  },
  prepareForUpdate(n, o) {
    const ns = n as Namespace;
    const old = o as Namespace;
    ns.spec ??= {};
    if (old.spec?.finalizers === undefined) delete ns.spec.finalizers;
    else ns.spec.finalizers = [...old.spec.finalizers];
    keepStatus(n, o);
  },
  prepareForStatusUpdate: keepAllButStatus,
  validateCreate: (o) => validateNamespace(o as Namespace),
  validateUpdate: (n, o) => validateNamespaceUpdate(n as Namespace, o as Namespace),
  validateStatusUpdate: (n, o) => validateNamespaceStatusUpdate(n as Namespace, o as Namespace),
};

export const nodeStrategy: ResourceStrategy = {
  applyDefaults: (o) => defaultNode(o as Node),
  // The kubelet registers its node with status filled in; kube keeps it on create.
  prepareForCreate: noop,
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validateCreate: (o) => validateNode(o as Node),
  validateUpdate: (n, o) => validateNodeUpdate(n as Node, o as Node),
  validateStatusUpdate: (n, o) => validateNodeUpdate(n as Node, o as Node),
};

export function eventStrategy(api: EventAPI): ResourceStrategy {
  return statusless<Event | EventsV1>(
    (e) => {
      if (api === "v1") defaultCoreEvent(e as Event);
    },
    (e) => validateEventCreate(e, api),
    (n, o) => validateEventUpdate(n, o, api),
  );
}

export const configMapStrategy = statusless<ConfigMap>(noop, validateConfigMap, validateConfigMapUpdate);
export const secretStrategy = statusless<Secret>(defaultSecret, validateSecret, validateSecretUpdate);
export const storageClassStrategy = statusless<StorageClass>(
  defaultStorageClass,
  validateStorageClass,
  validateStorageClassUpdate,
);
export const leaseStrategy = statusless<Lease>(noop, validateLease, validateLeaseUpdate);
export const bindingStrategy = statusless<Binding>(noop, validateBinding, (n) => validateBinding(n));

type PVStatus = { phase?: string; lastPhaseTransitionTime?: string };

export const persistentVolumeStrategy: ResourceStrategy = {
  applyDefaults: (o) => defaultPersistentVolume(o as PersistentVolume),
  prepareForCreate(o) {
    // PersistentVolumeLastPhaseTransitionTime (beta, on in 1.30): a new volume starts Pending now.
    o.status = { phase: "Pending", lastPhaseTransitionTime: nowTime() };
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate(n, o) {
    keepAllButStatus(n, o);
    const ns = (n.status ?? {}) as PVStatus;
    const os = (o.status ?? {}) as PVStatus;
    if (ns.phase === os.phase && !ns.lastPhaseTransitionTime) {
      if (os.lastPhaseTransitionTime) ns.lastPhaseTransitionTime = os.lastPhaseTransitionTime;
    } else if (
      ns.phase !== os.phase &&
      (!ns.lastPhaseTransitionTime || ns.lastPhaseTransitionTime === os.lastPhaseTransitionTime)
    ) {
      ns.lastPhaseTransitionTime = nowTime();
    }
    n.status = ns;
  },
  validateCreate: (o) => validatePersistentVolume(o as PersistentVolume),
  validateUpdate: (n, o) => validatePersistentVolumeUpdate(n as PersistentVolume, o as PersistentVolume),
  validateStatusUpdate: (n, o) =>
    validatePersistentVolumeStatusUpdate(n as PersistentVolume, o as PersistentVolume),
};

export const persistentVolumeClaimStrategy: ResourceStrategy = {
  applyDefaults: (o) => defaultPersistentVolumeClaim(o as PersistentVolumeClaim),
  prepareForCreate(o) {
    o.status = { phase: "Pending" };
  },
  prepareForUpdate: keepStatus,
  prepareForStatusUpdate: keepAllButStatus,
  validateCreate: (o) => validatePersistentVolumeClaim(o as PersistentVolumeClaim),
  validateUpdate: (n, o) =>
    validatePersistentVolumeClaimUpdate(n as PersistentVolumeClaim, o as PersistentVolumeClaim),
  validateStatusUpdate: (n, o) =>
    validatePersistentVolumeClaimStatusUpdate(n as PersistentVolumeClaim, o as PersistentVolumeClaim),
};
