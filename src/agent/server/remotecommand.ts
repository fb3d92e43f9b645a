// The server end of exec and attach (kubelet's cri/streaming/remotecommand): accept the client's
// streams over WebSocket (v5/v4.channel.k8s.io) or SPDY/3.1 (X-Stream-Protocol-Version
// v5/v4.channel.k8s.io), run the command with them, and report how it ended on the error stream.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { PassThrough, Writable } from "node:stream";
import type { Status } from "kubernetes-types/meta/v1.js";
import type { WebSocket, WebSocketServer } from "ws";
import {
  Close,
  ErrorStream,
  frame,
  negotiate,
  Resize,
  ResizeDecoder,
  remoteCommandProtocols,
  Stderr,
  Stdin,
  Stdout,
  spdyStreamTypes,
  type TerminalSize,
} from "../../streaming/channel.js";
import { SpdySession, type SpdyStream } from "../../streaming/spdy.js";

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** The client's end of a command, whatever the transport. */
export interface RemoteStreams {
  stdin?: PassThrough;
  stdout?: Writable;
  stderr?: Writable;
  resize: AsyncIterable<TerminalSize>;
  /** Writes the Status on the error stream, flushes the output streams and closes the connection. */
  finish(status: Status): Promise<void>;
  /** Aborted when the client goes away before finish(). */
  signal: AbortSignal;
}

/** A queue the resize channel feeds and the runtime iterates. */
class SizeQueue implements AsyncIterable<TerminalSize> {
  private items: TerminalSize[] = [];
  private waiting?: (r: IteratorResult<TerminalSize>) => void;
  private ended = false;
  push(s: TerminalSize): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w({ value: s, done: false });
    } else this.items.push(s);
  }
  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = undefined;
  }
  [Symbol.asyncIterator](): AsyncIterator<TerminalSize> {
    return {
      next: () => {
        const s = this.items.shift();
        if (s) return Promise.resolve({ value: s, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => {
          this.waiting = r;
        });
      },
    };
  }
}

/** Output to a WebSocket channel; the callback waits for the socket to take the data. */
function wsWriter(ws: WebSocket, stream: number): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb();
      ws.send(frame(stream, chunk), { binary: true }, () => cb());
    },
  });
}

/** Accepts an already upgraded WebSocket carrying the channel protocol. */
export function wsRemoteStreams(ws: WebSocket, opts: StreamOptions): RemoteStreams {
  const abort = new AbortController();
  let finished = false;
  const sizes = new SizeQueue();
  const resize = new ResizeDecoder();
  const stdin = opts.stdin ? new PassThrough() : undefined;
  ws.on("message", (data: Buffer, isBinary: boolean) => {
    // v4 clients may send text frames (client-node); the byte layout is the same
    const msg = isBinary ? data : Buffer.from(data);
    if (msg.length === 0) return;
    const stream = msg[0];
    const body = msg.subarray(1);
    if (stream === Stdin) stdin?.write(body);
    else if (stream === Resize) for (const s of resize.push(body)) sizes.push(s);
    else if (stream === Close && body[0] === Stdin) stdin?.end();
  });
  ws.on("close", () => {
    stdin?.end();
    sizes.end();
    if (!finished) abort.abort();
  });
  ws.on("error", () => {});
  const out: RemoteStreams = {
    stdin,
    stdout: opts.stdout ? wsWriter(ws, Stdout) : undefined,
    stderr: opts.stderr && !opts.tty ? wsWriter(ws, Stderr) : undefined,
    resize: sizes,
    signal: abort.signal,
    async finish(status) {
      finished = true;
      await Promise.all([out.stdout, out.stderr].map((w) => w && endWritable(w)));
      if (ws.readyState === ws.OPEN) {
        await new Promise<void>((r) => ws.send(frame(ErrorStream, JSON.stringify(status)), () => r()));
        ws.close(1000);
      }
      sizes.end();
    },
  };
  return out;
}

function endWritable(w: Writable): Promise<void> {
  return new Promise((r) => {
    if (w.writableFinished) return r();
    w.once("finish", () => r());
    w.once("error", () => r());
    w.end();
  });
}

/** Answers a WebSocket upgrade with the channel protocol; undefined (and a 400 written) when none fits. */
export function acceptWebSocket(
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<WebSocket> {
  return new Promise((resolve) => wss.handleUpgrade(req, socket, head, (ws) => resolve(ws)));
}

export function wsProtocols(protocols: Set<string>): string | false {
  return negotiate([...protocols].join(","), remoteCommandProtocols) ?? false;
}

/**
 * Answers a SPDY upgrade (kubelet's httpstream.Handshake + spdy.NewResponseUpgrader): writes the
 * 101 with the chosen protocol and starts a session. Returns undefined after writing a 403 when
 * the client offers no protocol we speak.
 */
export function acceptSpdy(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  supported: readonly string[],
): { session: SpdySession; protocol: string } | undefined {
  const offered = req.headersDistinct["x-stream-protocol-version"] ?? [];
  const protocol = negotiate(offered.join(","), supported);
  if (!protocol) {
    const body = `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(supported)}`;
    socket.end(
      `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    return undefined;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  const session = new SpdySession(socket);
  if (head.length) socket.unshift(head);
  return { session, protocol };
}

/** Waits for the streams kubectl opens over SPDY for a command (kubelet waits up to 30 s). */
export function spdyRemoteStreams(session: SpdySession, opts: StreamOptions): Promise<RemoteStreams> {
  const want = new Set<number>([ErrorStream]);
  if (opts.stdin) want.add(Stdin);
  if (opts.stdout) want.add(Stdout);
  if (opts.stderr && !opts.tty) want.add(Stderr);
  if (opts.tty) want.add(Resize);
  const got = new Map<number, SpdyStream>();
  const abort = new AbortController();
  let finished = false;
  const sizes = new SizeQueue();
  session.on("close", () => {
    got.get(Stdin)?.push(null);
    sizes.end();
    if (!finished) abort.abort();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      session.close();
      reject(new Error("timed out waiting for client to create streams"));
    }, 30_000);
    session.on("stream", (s) => {
      const type = spdyStreamTypes[s.headers.streamtype ?? ""];
      if (type === undefined) return s.cancel();
      got.set(type, s);
      if (type === Resize) {
        const d = new ResizeDecoder();
        s.on("data", (b: Buffer) => {
          for (const size of d.push(b)) sizes.push(size);
        });
      } else if (type !== Stdin) s.resume(); // nothing comes on output streams; drain FIN
      if (![...want].every((w) => got.has(w))) return;
      clearTimeout(timer);
      let stdin: PassThrough | undefined;
      const src = got.get(Stdin);
      if (src) {
        stdin = new PassThrough();
        src.pipe(stdin);
      }
      const out: RemoteStreams = {
        stdin,
        stdout: got.get(Stdout),
        stderr: got.get(Stderr),
        resize: sizes,
        signal: abort.signal,
        async finish(status) {
          finished = true;
          await Promise.all([out.stdout, out.stderr].map((w) => w && endWritable(w)));
          const e = got.get(ErrorStream)!;
          // v4+: a JSON Status; success is an empty error stream to older decoders but v4 reads JSON
          e.write(Buffer.from(JSON.stringify(status)));
          await endWritable(e);
          session.close();
          sizes.end();
        },
      };
      resolve(out);
    });
  });
}
