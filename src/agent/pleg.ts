// The pod lifecycle event generator (kubelet's pleg/generic.go): relists the runtime every second
// and reports the pods whose sandboxes or containers changed state since the last relist — how
// the agent notices a container exit, including one that happened while it was down.
import type { Runtime } from "../runtime/runtime.js";
import { groupByPod } from "./runtime-pod.js";

export interface PLEG {
  /** One relist; resolves to the UIDs of pods that changed (all of them the first time). */
  relist(): Promise<string[]>;
  start(onChange: (uids: string[]) => void, onError: (err: unknown) => void): void;
  stop(): void;
}

export function newPLEG(runtime: Runtime, periodMs = 1000): PLEG {
  let last = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function relist(): Promise<string[]> {
    const [sandboxes, containers] = await Promise.all([runtime.listPodSandbox(), runtime.listContainers()]);
    const now = new Map<string, string>();
    for (const [uid, p] of groupByPod(sandboxes, containers)) {
      now.set(
        uid,
        [
          ...p.sandboxes.map((s) => `${s.id}:${s.state}`),
          ...p.containers.map((c) => `${c.id}:${c.state}`),
        ].join(","),
      );
    }
    const changed: string[] = [];
    for (const [uid, fp] of now) if (last.get(uid) !== fp) changed.push(uid);
    for (const uid of last.keys()) if (!now.has(uid)) changed.push(uid);
    last = now;
    return changed;
  }

  return {
    relist,
    start(onChange, onError) {
      const tick = async () => {
        if (stopped) return;
        try {
          const changed = await relist();
          if (changed.length) onChange(changed);
        } catch (err) {
          onError(err);
        }
        if (!stopped) timer = setTimeout(() => void tick(), periodMs);
      };
      timer = setTimeout(() => void tick(), periodMs);
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
