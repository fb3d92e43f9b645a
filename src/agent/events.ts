// Event reasons and messages as the kubelet emits them (pkg/kubelet/events/event.go and the
// messages at their call sites), so `kubectl describe pod` reads as on a real node.
import type { Pod } from "kubernetes-types/core/v1.js";
import type { StoredObject } from "../api/object.js";
import type { EventRecorder } from "../client/events.js";

export const CreatedContainer = "Created";
export const StartedContainer = "Started";
export const FailedToCreateContainer = "Failed";
export const FailedToStartContainer = "Failed";
export const KillingContainer = "Killing";
export const PreemptContainer = "Preempting";
export const BackOffStartContainer = "BackOff";
export const ExceededGracePeriod = "ExceededGracePeriod";
export const PullingImage = "Pulling";
export const PulledImage = "Pulled";
export const FailedToPullImage = "Failed";
export const BackOffPullImage = "BackOff";
export const ErrImageNeverPullPolicy = "ErrImageNeverPull";
export const InspectFailed = "InspectFailed";
export const ContainerUnhealthy = "Unhealthy";
export const ContainerProbeWarning = "ProbeWarning";
export const FailedPostStartHook = "FailedPostStartHook";
export const FailedPreStopHook = "FailedPreStopHook";
export const SandboxChanged = "SandboxChanged";
export const FailedCreatePodSandBox = "FailedCreatePodSandBox";
export const FailedKillPod = "FailedKillPod";
export const FailedSync = "FailedSync";
export const DeadlineExceeded = "DeadlineExceeded";
export const FailedMount = "FailedMount";

/** format.Pod: `name_namespace(uid)`, the kubelet's way of naming a pod in messages. */
export function formatPod(pod: Pod): string {
  return `${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})`;
}

/** Go's time.Duration.String() for a duration in milliseconds: "10s", "1m20s", "5m0s", "1.234s", "567ms". */
export function goDuration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, "")}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

export const messages = {
  created: (name: string) => `Created container ${name}`,
  started: (name: string) => `Started container ${name}`,
  killing: (name: string) => `Stopping container ${name}`,
  backOffRestart: (name: string, pod: Pod) =>
    `Back-off restarting failed container ${name} in pod ${formatPod(pod)}`,
  /** the CrashLoopBackOff waiting message */
  crashLoopBackOff: (backoffMs: number, name: string, pod: Pod) =>
    `back-off ${goDuration(backoffMs)} restarting failed container=${name} pod=${formatPod(pod)}`,
  pulling: (image: string) => `Pulling image "${image}"`,
  alreadyPresent: (image: string) => `Container image "${image}" already present on machine`,
  pulled: (image: string, pullMs: number, totalMs: number, size: number) =>
    `Successfully pulled image "${image}" in ${goDuration(pullMs)} (${goDuration(totalMs)} including waiting). Image size: ${size} bytes.`,
  failedToPull: (image: string, err: string) => `Failed to pull image "${image}": ${err}`,
  backOffPull: (image: string) => `Back-off pulling image "${image}"`,
  neverPull: (image: string) => `Container image "${image}" is not present with pull policy of Never`,
  error: (reason: string) => `Error: ${reason}`,
  probeFailed: (probe: string, output: string) => `${probe} probe failed: ${output}`,
  probeErrored: (probe: string, err: string) => `${probe} probe errored: ${err}`,
  sandboxChanged: () => "Pod sandbox changed, it will be killed and re-created.",
  deadlineExceeded: () => "Pod was active on the node longer than the specified deadline",
};

/** The pod as an event's involved object (list items come without apiVersion and kind). */
export function podRef(pod: Pod): StoredObject {
  return { ...(pod as unknown as StoredObject), apiVersion: "v1", kind: "Pod" };
}

/** Records events about pods; the kubelet's recorder narrowed to what the agent uses. */
export interface PodEventRecorder {
  event(pod: Pod, type: "Normal" | "Warning", reason: string, message: string): void;
}

export function podEventRecorder(recorder: EventRecorder): PodEventRecorder {
  return { event: (pod, type, reason, message) => recorder.event(podRef(pod), type, reason, message) };
}
