// k8s.io/apimachinery/pkg/apis/meta/v1 messages (generated.proto) that kite's kinds embed.
import { f, type MessageRegistry } from "./descriptor.js";

export const metaMessages: MessageRegistry = {
  ObjectMeta: [
    f(1, "name", "string"),
    f(2, "generateName", "string"),
    f(3, "namespace", "string"),
    f(4, "selfLink", "string"),
    f(5, "uid", "string"),
    f(6, "resourceVersion", "string"),
    f(7, "generation", "int64"),
    f(8, "creationTimestamp", "Time"),
    f(9, "deletionTimestamp", "*Time"),
    f(10, "deletionGracePeriodSeconds", "*int64"),
    f(11, "labels", "map[string]string"),
    f(12, "annotations", "map[string]string"),
    f(13, "ownerReferences", "[]OwnerReference"),
    f(14, "finalizers", "[]string"),
    f(17, "managedFields", "[]ManagedFieldsEntry"),
  ],
  OwnerReference: [
    f(5, "apiVersion", "string!"),
    f(1, "kind", "string!"),
    f(3, "name", "string!"),
    f(4, "uid", "string!"),
    f(6, "controller", "*bool"),
    f(7, "blockOwnerDeletion", "*bool"),
  ],
  ManagedFieldsEntry: [
    f(1, "manager", "string"),
    f(2, "operation", "string"),
    f(3, "apiVersion", "string"),
    f(4, "time", "*Time"),
    f(6, "fieldsType", "string"),
    f(7, "fieldsV1", "*FieldsV1"),
    f(8, "subresource", "string"),
  ],
  DeleteOptions: [
    f(1, "gracePeriodSeconds", "*int64"),
    f(2, "preconditions", "*Preconditions"),
    f(3, "orphanDependents", "*bool"),
    f(4, "propagationPolicy", "*string"),
    f(5, "dryRun", "[]string"),
    f(6, "ignoreStoreReadErrorWithClusterBreakingPotential", "*bool"),
  ],
  Preconditions: [f(1, "uid", "*string"), f(2, "resourceVersion", "*string")],
  LabelSelector: [
    f(1, "matchLabels", "map[string]string"),
    f(2, "matchExpressions", "[]LabelSelectorRequirement"),
  ],
  LabelSelectorRequirement: [f(1, "key", "string!"), f(2, "operator", "string!"), f(3, "values", "[]string")],
};
