// attach to a running container: its own stdio, as conmon holds it (CRI's Attach). conmon serves
// it on a SOCK_SEQPACKET socket in the bundle, which attach.py relays (Node has no SEQPACKET);
// terminal resizes go to conmon's `ctl` FIFO as podman sends them.
import type { Writable } from "node:stream";
import { start } from "../../util/exec.js";
import type { Logger } from "../../util/log.js";
import type { AttachOptions } from "../runtime.js";
import { conmonResize } from "./conmon.js";
import { helperScript, python } from "./helpers.js";

export interface AttachTarget {
  id: string;
  bundle: string;
  /** the container's own settings, which decide the streams whatever the client asks */
  tty: boolean;
  stdin: boolean;
}

export function ociAttach(t: AttachTarget, o: AttachOptions, log?: Logger): Promise<void> {
  const withStdin = t.stdin && o.stdin !== undefined;
  const args = [helperScript("attach.py"), t.bundle, ...(withStdin ? [] : ["--no-stdin"])];
  return new Promise((resolve, reject) => {
    const child = start(python, args, {
      stdio: [withStdin ? "pipe" : "ignore", "pipe", "pipe", "pipe"],
      log,
    });
    const onAbort = () => child.kill("SIGKILL");
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener("abort", onAbort, { once: true });
    if (withStdin && o.stdin && child.stdin) {
      child.stdin.on("error", () => {});
      o.stdin.pipe(child.stdin);
    }
    const relay = (from: NodeJS.ReadableStream, to: Writable | undefined) => {
      if (to) from.pipe(to, { end: false });
      else from.resume();
    };
    relay(child.stdout!, o.stdout);
    // A terminal has one stream: conmon sends nothing on stderr for a tty container.
    relay(child.stdio[3] as NodeJS.ReadableStream, t.tty ? undefined : o.stderr);
    const errs: Buffer[] = [];
    child.stderr!.on("data", (b: Buffer) => errs.push(b));
    if (t.tty && o.resize) {
      void (async () => {
        for await (const size of o.resize!) {
          if (child.exitCode !== null) break;
          try {
            conmonResize(t.bundle, size.width, size.height);
          } catch (err) {
            // conmon has gone with the container; the attach ends on its own.
            log?.debug({ err: String(err), id: t.id }, "attach resize");
          }
        }
      })();
    }
    child.on("error", reject);
    child.on("close", (code) => {
      o.signal?.removeEventListener("abort", onAbort);
      if (code === 1 && errs.length > 0) {
        reject(new Error(`attach to ${t.id} failed: ${Buffer.concat(errs).toString().trim()}`));
        return;
      }
      resolve();
    });
  });
}
