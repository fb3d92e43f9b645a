// The labels and annotations the kubelet puts on sandboxes and containers (kubelet's
// kuberuntime/labels.go): the runtime keeps them, so after a restart the agent rebuilds which
// container belongs to which pod, its restart count and its spec hash from the runtime alone.
import { createHash } from "node:crypto";
import type { Container } from "kubernetes-types/core/v1.js";

export const PodNameLabel = "io.kubernetes.pod.name";
export const PodNamespaceLabel = "io.kubernetes.pod.namespace";
export const PodUIDLabel = "io.kubernetes.pod.uid";
export const ContainerNameLabel = "io.kubernetes.container.name";
/** kite's own: "init" or "app", so an init container and an app container may share a name. */
export const ContainerTypeLabel = "io.kite.container.type";

export const ContainerHashAnnotation = "io.kubernetes.container.hash";
export const ContainerRestartCountAnnotation = "io.kubernetes.container.restartCount";
export const TerminationMessagePathAnnotation = "io.kubernetes.container.terminationMessagePath";
export const TerminationMessagePolicyAnnotation = "io.kubernetes.container.terminationMessagePolicy";
export const PodTerminationGracePeriodAnnotation = "io.kubernetes.pod.terminationGracePeriod";

/**
 * A hash of the fields whose change means "kill and re-create" (kubelet's HashContainer): the
 * container spec as JSON, so an image change on a running pod restarts the container.
 */
export function hashContainer(c: Container): string {
  const { resources: _resources, ...rest } = c;
  return createHash("sha256").update(JSON.stringify(rest)).digest("hex").slice(0, 8);
}
