// The python3 helpers that do for kite what Node cannot: receive a pty master over a console
// socket (tty-exec.py) and speak conmon's SOCK_SEQPACKET attach socket (attach.py).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const python = "/usr/bin/python3";

/** A helper sits beside its .ts in the source tree; tsc does not copy it to dist. */
export function helperScript(name: "tty-exec.py" | "attach.py"): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "src", "runtime", "oci", name);
    if (fs.existsSync(candidate)) return candidate;
    const beside = path.join(dir, name);
    if (fs.existsSync(beside)) return beside;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`${name} not found`);
    dir = up;
  }
}
