// Image pulls per imagePullPolicy (kubelet's images/image_manager.go EnsureImageExists), with the
// kubelet's events and its back-off: a failed pull reports ErrImagePull, and retries inside the
// back-off window report ImagePullBackOff without pulling.
import type { Container, Pod } from "kubernetes-types/core/v1.js";
import type { Image, ImageService } from "../image/service.js";
import { type Backoff, newBackoff } from "./backoff.js";
import type { PodEventRecorder as EventRecorder } from "./events.js";
import * as ev from "./events.js";

export const ErrImagePull = "ErrImagePull";
export const ErrImagePullBackOff = "ImagePullBackOff";
export const ErrImageNeverPull = "ErrImageNeverPull";
export const ErrImageInspect = "ImageInspectError";

export type EnsureImageResult =
  | { ok: true; image: Image }
  | { ok: false; reason: string; message: string; retryAt?: number };

export interface ImageManager {
  ensureImageExists(pod: Pod, container: Container): Promise<EnsureImageResult>;
}

/** The policy the API defaults: Always for :latest or no tag, IfNotPresent otherwise. */
export function pullPolicy(c: Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const image = c.image ?? "";
  const lastPart = image.split("/").pop() ?? "";
  if (image.includes("@")) return "IfNotPresent";
  const tag = lastPart.includes(":") ? lastPart.split(":").pop() : undefined;
  return tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
}

export function newImageManager(
  images: ImageService,
  recorder: EventRecorder,
  backoff: Backoff = newBackoff(10_000, 300_000),
  now: () => number = Date.now,
): ImageManager {
  return {
    async ensureImageExists(pod, container) {
      const image = container.image ?? "";
      const policy = pullPolicy(container);
      let present: Image | undefined;
      try {
        present = await images.inspect(image);
      } catch (err) {
        const message = `Failed to inspect image "${image}": ${(err as Error).message}`;
        recorder.event(pod, "Warning", ev.InspectFailed, message);
        return { ok: false, reason: ErrImageInspect, message };
      }
      if (policy !== "Always" && present) {
        recorder.event(pod, "Normal", ev.PulledImage, ev.messages.alreadyPresent(image));
        return { ok: true, image: present };
      }
      if (policy === "Never") {
        const message = ev.messages.neverPull(image);
        recorder.event(pod, "Warning", ev.ErrImageNeverPullPolicy, message);
        return { ok: false, reason: ErrImageNeverPull, message };
      }
      const key = `${pod.metadata?.uid}_${image}`;
      if (backoff.isInBackOffSince(key, now())) {
        const message = ev.messages.backOffPull(image);
        recorder.event(pod, "Normal", ev.BackOffPullImage, message);
        return { ok: false, reason: ErrImagePullBackOff, message, retryAt: backoff.expiresAt(key, now()) };
      }
      recorder.event(pod, "Normal", ev.PullingImage, ev.messages.pulling(image));
      const start = now();
      try {
        const pulled = await images.pull(image);
        const took = now() - start;
        recorder.event(pod, "Normal", ev.PulledImage, ev.messages.pulled(image, took, took, pulled.size));
        backoff.reset(key);
        return { ok: true, image: pulled };
      } catch (err) {
        const message = (err as Error).message;
        recorder.event(pod, "Warning", ev.FailedToPullImage, ev.messages.failedToPull(image, message));
        backoff.next(key, now());
        return { ok: false, reason: ErrImagePull, message, retryAt: backoff.expiresAt(key, now()) };
      }
    },
  };
}
