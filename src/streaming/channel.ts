// The `channel.k8s.io` remote-command protocol (k8s.io/apimachinery/pkg/util/remotecommand and
// kubelet's cri/streaming/remotecommand): the streams of an exec or attach and what travels on
// them. Over WebSocket every binary message is one frame, its first byte naming the stream; over
// SPDY each stream is its own SPDY stream named by a `streamType` header. Versions 4 and 5 carry a
// JSON `Status` on the error stream and JSON terminal sizes on the resize stream; v5 adds the
// close signal (stream 255) with which a WebSocket client half-closes stdin.
import type { Status } from "kubernetes-types/meta/v1.js";
import { StatusError } from "../api/errors.js";

export const StreamProtocolV5 = "v5.channel.k8s.io";
export const StreamProtocolV4 = "v4.channel.k8s.io";
/** What kite's exec/attach endpoints accept, best first (kubelet also has v1–v3: no JSON Status). */
export const remoteCommandProtocols = [StreamProtocolV5, StreamProtocolV4] as const;
export type RemoteCommandProtocol = (typeof remoteCommandProtocols)[number];

export const Stdin = 0;
export const Stdout = 1;
export const Stderr = 2;
export const ErrorStream = 3;
export const Resize = 4;
/** v5: the client sends [255, <stream>] to close that stream (stdin), as a half-close. */
export const Close = 255;

/** SPDY `streamType` header values, by channel number. */
export const spdyStreamTypes: Record<string, number> = {
  stdin: Stdin,
  stdout: Stdout,
  stderr: Stderr,
  error: ErrorStream,
  resize: Resize,
};

/** One WebSocket message: the stream's byte, then the data. */
export function frame(stream: number, data: Buffer | string): Buffer {
  const body = typeof data === "string" ? Buffer.from(data) : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = stream;
  body.copy(out, 1);
  return out;
}

export interface Frame {
  stream: number;
  data: Buffer;
}

export function unframe(message: Buffer): Frame | undefined {
  if (message.length === 0) return undefined;
  return { stream: message[0]!, data: message.subarray(1) };
}

/** Picks the subprotocol as kube's wsstream does: the first the client offers that the server speaks. */
export function negotiate<T extends string>(
  offered: string | string[] | undefined,
  supported: readonly T[],
): T | undefined {
  const list = (Array.isArray(offered) ? offered.join(",") : (offered ?? ""))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of list) if ((supported as readonly string[]).includes(p)) return p as T;
  return undefined;
}

/** The error-stream Status of a finished command, as kubelet's v4 error writer makes it. */
export function exitStatus(exitCode: number, cmd: string[] = []): Status {
  if (exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(" ")}], exit code ${exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(exitCode) }] },
  };
}

/** The error-stream Status of a failure before or during the command (no exit code). */
export function errorStatus(err: unknown): Status {
  if (err instanceof StatusError) {
    const s = err.toStatus();
    return { metadata: {}, status: "Failure", message: s.message, reason: s.reason, code: s.code };
  }
  return {
    metadata: {},
    status: "Failure",
    message: err instanceof Error ? err.message : String(err),
    reason: "InternalError",
    code: 500,
  };
}

export interface TerminalSize {
  width: number;
  height: number;
}

/**
 * Splits the resize stream into sizes. kubectl writes `{"Width":80,"Height":24}` with Go's
 * json.Encoder (one object per line); a message may hold several or part of one.
 */
export class ResizeDecoder {
  private buf = "";
  push(chunk: Buffer | string): TerminalSize[] {
    this.buf += chunk.toString();
    const out: TerminalSize[] = [];
    let depth = 0;
    let start = -1;
    let consumed = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c === "{") {
        if (depth === 0) start = i;
        depth++;
      } else if (c === "}" && depth > 0) {
        depth--;
        if (depth === 0) {
          try {
            const o = JSON.parse(this.buf.slice(start, i + 1)) as { Width?: number; Height?: number };
            if (typeof o.Width === "number" && typeof o.Height === "number")
              out.push({ width: o.Width, height: o.Height });
          } catch {
            // a malformed size is dropped, as kubelet's decoder loop logs and goes on
          }
          consumed = i + 1;
        }
      }
    }
    this.buf = this.buf.slice(consumed);
    return out;
  }
}
