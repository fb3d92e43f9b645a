// A started container's init process, told apart from any later process with the same pid by its
// start time in /proc/<pid>/stat — the check runc itself makes for `runc state` (its state.json
// keeps init_process_pid and init_process_start). Reading /proc answers "is it still running?" in
// microseconds; a `runc state` is a process of 6–7 ms, and the PLEG's relist, every status read
// and every exec used to spawn one per container. Only "running" is answered here: anything else
// (gone, a zombie not yet reaped, a pid taken by another process) goes on to the OCI runtime and
// conmon's exit file, which say how it ended.
import fs from "node:fs";

export interface InitProcess {
  pid: number;
  /** field 22 of /proc/<pid>/stat: clock ticks after boot, unique with the pid until reboot */
  startTime: string;
}

interface ProcStat {
  state: string;
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = rest[0];
  const startTime = rest[19];
  return state && startTime ? { state, startTime } : undefined;
}

/** The identity of a live process, to be recorded once the container has started. */
export function initProcessOf(pid: number | undefined): InitProcess | undefined {
  if (pid === undefined) return undefined;
  const st = procStat(pid);
  return st && !exited(st.state) ? { pid, startTime: st.startTime } : undefined;
}

/** Zombie (Z), dead (X, x): the process has ended even if its entry is still there. */
const exited = (state: string) => state === "Z" || state === "X" || state === "x";

/** True while the very process recorded runs (or sleeps, or is stopped by a signal). */
export function stillRunning(p: InitProcess | undefined): p is InitProcess {
  if (!p) return false;
  const st = procStat(p.pid);
  return st !== undefined && st.startTime === p.startTime && !exited(st.state);
}
