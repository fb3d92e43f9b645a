// The prober manager (kubelet's prober/prober_manager.go and worker.go): one worker per probe of
// each running container, probing every periodSeconds once initialDelaySeconds have passed, with
// successThreshold/failureThreshold runs before a result flips. Liveness and readiness wait for
// the startup probe to succeed. Each failed attempt records an Unhealthy event; a flipped result
// triggers a sync of the pod, which restarts (liveness, startup) or marks it unready (readiness).
import type { Container, Pod, Probe } from "kubernetes-types/core/v1.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { PodEventRecorder as EventRecorder } from "../events.js";
import * as ev from "../events.js";
import { type ProbeResult, runProbe } from "./probe.js";

export type ProbeType = "Liveness" | "Readiness" | "Startup";

export interface RunningContainer {
  container: Container;
  id: string;
  /** ms since the epoch */
  startedAt: number;
}

export interface ProberManager {
  /** Starts workers for the pod's running containers that have probes, stops the rest. */
  update(pod: Pod, running: RunningContainer[], podIP: string): void;
  removePod(uid: string): void;
  /** readiness of a running container: undefined before any result */
  readiness(containerId: string): boolean | undefined;
  started(containerId: string): boolean;
  livenessFailed(containerId: string): boolean;
  startupFailed(containerId: string): boolean;
  stop(): void;
}

export interface ProberOptions {
  runtime: Runtime;
  recorder: EventRecorder;
  userAgent: string;
  /** the pod's probe results changed */
  onChange(uid: string): void;
  /** injectable for tests */
  probe?: (
    probe: Probe,
    target: { containerId: string; container: Container; podIP: string },
  ) => Promise<ProbeResult>;
}

interface Worker {
  type: ProbeType;
  uid: string;
  name: string;
  containerId: string;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  lastResult?: boolean;
  resultRun: number;
  onHold: boolean;
  pod: Pod;
  container: Container;
  podIP: string;
}

const probeOf = (c: Container, type: ProbeType): Probe | undefined =>
  type === "Liveness" ? c.livenessProbe : type === "Readiness" ? c.readinessProbe : c.startupProbe;

export function newProberManager(o: ProberOptions): ProberManager {
  const workers = new Map<string, Worker>();
  const liveness = new Map<string, boolean>();
  const readiness = new Map<string, boolean>();
  const startup = new Map<string, boolean>();
  const resultsOf = (t: ProbeType) => (t === "Liveness" ? liveness : t === "Readiness" ? readiness : startup);
  const doProbe =
    o.probe ??
    ((probe: Probe, t: { containerId: string; container: Container; podIP: string }) =>
      runProbe({ runtime: o.runtime, userAgent: o.userAgent, ...t }, probe));

  const started = (id: string, c?: Container): boolean => {
    if (c && !c.startupProbe) return true;
    return startup.get(id) === true;
  };

  function stopWorker(key: string, w: Worker) {
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    workers.delete(key);
    resultsOf(w.type).delete(w.containerId);
  }

  async function tick(w: Worker) {
    if (w.stopped) return;
    const probe = probeOf(w.container, w.type) as Probe;
    const skip =
      w.onHold ||
      (w.type !== "Startup" && w.container.startupProbe && startup.get(w.containerId) !== true) ||
      (w.type === "Startup" && startup.get(w.containerId) === true);
    if (!skip) {
      let r: ProbeResult;
      try {
        r = await doProbe(probe, { containerId: w.containerId, container: w.container, podIP: w.podIP });
      } catch (err) {
        r = { result: "unknown", output: (err as Error).message };
      }
      if (w.stopped) return;
      const ok = r.result === "success" || r.result === "warning";
      if (r.result === "warning") {
        o.recorder.event(w.pod, "Warning", ev.ContainerProbeWarning, `${w.type} probe warning: ${r.output}`);
      } else if (r.result === "failure") {
        o.recorder.event(w.pod, "Warning", ev.ContainerUnhealthy, ev.messages.probeFailed(w.type, r.output));
      } else if (r.result === "unknown") {
        o.recorder.event(w.pod, "Warning", ev.ContainerUnhealthy, ev.messages.probeErrored(w.type, r.output));
      }
      w.resultRun = w.lastResult === ok ? w.resultRun + 1 : 1;
      w.lastResult = ok;
      const enough = ok
        ? w.resultRun >= (probe.successThreshold ?? 1)
        : w.resultRun >= (probe.failureThreshold ?? 3);
      if (enough) {
        const results = resultsOf(w.type);
        const prev = results.get(w.containerId);
        results.set(w.containerId, ok);
        if (!ok && w.type !== "Readiness") {
          // The container is about to be killed; stop probing it until a new one runs.
          w.onHold = true;
          w.resultRun = 0;
        }
        if (prev !== ok) o.onChange(w.uid);
      }
    }
    if (!w.stopped) w.timer = setTimeout(() => void tick(w), (probe.periodSeconds ?? 10) * 1000).unref();
  }

  return {
    update(pod, running, podIP) {
      const uid = pod.metadata?.uid ?? "";
      const want = new Set<string>();
      for (const r of running) {
        for (const type of ["Startup", "Liveness", "Readiness"] as ProbeType[]) {
          const probe = probeOf(r.container, type);
          if (!probe) continue;
          const key = `${uid}/${r.container.name}/${type}`;
          want.add(key);
          const existing = workers.get(key);
          if (existing && existing.containerId === r.id) {
            existing.pod = pod;
            existing.podIP = podIP;
            continue;
          }
          if (existing) stopWorker(key, existing);
          const w: Worker = {
            type,
            uid,
            name: r.container.name,
            containerId: r.id,
            stopped: false,
            resultRun: 0,
            onHold: false,
            pod,
            container: r.container,
            podIP,
          };
          if (type === "Readiness") readiness.set(r.id, false);
          workers.set(key, w);
          const delay = Math.max(0, r.startedAt + (probe.initialDelaySeconds ?? 0) * 1000 - Date.now());
          w.timer = setTimeout(() => void tick(w), delay).unref();
        }
      }
      for (const [key, w] of workers) if (w.uid === uid && !want.has(key)) stopWorker(key, w);
    },
    removePod(uid) {
      for (const [key, w] of workers) if (w.uid === uid) stopWorker(key, w);
    },
    readiness: (id) => readiness.get(id),
    started: (id) => {
      for (const w of workers.values()) if (w.containerId === id) return started(id, w.container);
      return startup.get(id) ?? true;
    },
    livenessFailed: (id) => liveness.get(id) === false,
    startupFailed: (id) => startup.get(id) === false,
    stop() {
      for (const [key, w] of workers) stopWorker(key, w);
    },
  };
}
