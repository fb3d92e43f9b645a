// The host side of /dev/termination-log: an empty file per container start under the pod's dir,
// bind-mounted at terminationMessagePath, read back by the status manager after the container
// exits (kubelet: /var/lib/kubelet/pods/<uid>/containers/<name>/<random>).

import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

export function prepareTerminationLog(podDir: string, containerName: string): string {
  const dir = path.join(podDir, "containers", containerName);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, randomBytes(4).toString("hex"));
  // World-writable, as the kubelet makes it: the container may run as any user.
  fs.writeFileSync(file, "", { mode: 0o666 });
  fs.chmodSync(file, 0o666);
  return file;
}

/** The message the container wrote, capped as the kubelet caps it (4096 bytes). */
export function readTerminationMessage(file: string): string {
  try {
    const buf = fs.readFileSync(file);
    return buf.subarray(0, 4096).toString();
  } catch {
    return "";
  }
}
