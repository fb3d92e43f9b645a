// A SPDY/3.1 server session, the subset kubectl's SPDY client (moby/spdystream) uses: the client
// opens streams with SYN_STREAM (headers say what each stream is), the server answers SYN_REPLY,
// both send DATA with FIN to half-close, RST_STREAM cancels, PING is echoed, GOAWAY ends. Header
// blocks are zlib-compressed with SPDY/3's dictionary, one compression context per direction for
// the whole session. spdystream does no flow control (it ignores WINDOW_UPDATE and sends none), so
// neither does this: windows are not counted and WINDOW_UPDATE/SETTINGS are ignored.
// It runs over any byte stream: an upgraded TCP/TLS socket, or a WebSocket that tunnels SPDY
// (port-forward from kubectl 1.31, `SPDY/3.1+portforward.k8s.io`).
import { EventEmitter } from "node:events";
import { Duplex } from "node:stream";
import zlib from "node:zlib";

/** SPDY/3's header compression dictionary (draft 3, section 2.6.10.1), 1423 bytes. */
const dictionary = Buffer.from(
  "AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==",
  "base64",
);

const SYN_STREAM = 1;
const SYN_REPLY = 2;
const RST_STREAM = 3;
const PING = 6;
const GOAWAY = 7;
const HEADERS = 8;
const FLAG_FIN = 1;
/** RST_STREAM status codes */
export const RstProtocolError = 1;
export const RstCancel = 5;
/** Data frames are cut to this size so one stream cannot hold the connection for long. */
const maxData = 32 * 1024;

/** Runs a block through a long-lived zlib stream and returns what a sync flush yields. */
function flushThrough(z: zlib.Inflate | zlib.Deflate, block: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const out: Buffer[] = [];
    const onData = (d: Buffer) => out.push(d);
    const onError = (err: Error) => {
      z.off("data", onData);
      reject(err);
    };
    z.on("data", onData);
    z.once("error", onError);
    z.write(block);
    z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      z.off("data", onData);
      z.off("error", onError);
      resolve(Buffer.concat(out));
    });
  });
}

/** One stream of a session: a Duplex whose writes become DATA frames and end() a FIN. */
export class SpdyStream extends Duplex {
  /** true once the peer reset the stream, or we did */
  reset = false;
  private remoteFin = false;
  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    /** lower-cased names; several values joined by "," */
    readonly headers: Record<string, string>,
  ) {
    super({ allowHalfOpen: true });
  }
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.reset) cb();
    else this.session.sendData(this.id, chunk, false, cb);
  }
  override _final(cb: (err?: Error | null) => void): void {
    if (this.reset) cb();
    else this.session.sendData(this.id, Buffer.alloc(0), true, cb);
  }
  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.session.forget(this.id);
    cb(err);
  }
  /** Sends RST_STREAM (CANCEL) and drops the stream. */
  cancel(): void {
    if (!this.reset) {
      this.reset = true;
      this.session.sendControl(RST_STREAM, 0, u32(this.id, RstCancel));
    }
    this.destroy();
  }
  /** @internal */
  receive(data: Buffer, fin: boolean): void {
    if (this.remoteFin) return;
    if (data.length) this.push(data);
    if (fin) {
      this.remoteFin = true;
      this.push(null);
    }
  }
  /** @internal */
  peerReset(): void {
    this.reset = true;
    this.receive(Buffer.alloc(0), true);
    this.destroy();
  }
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) b.writeUInt32BE(v >>> 0, i * 4);
  return b;
}

export interface SpdySessionEvents {
  stream: [SpdyStream];
  close: [];
}

/**
 * The server end of a SPDY/3.1 connection over `socket`. Every stream the client opens is answered
 * with an empty SYN_REPLY and emitted as "stream"; "close" fires once the connection is gone.
 */
export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private buf: Buffer = Buffer.alloc(0);
  private readonly streams = new Map<number, SpdyStream>();
  private readonly inflate = zlib.createInflate({ dictionary });
  private readonly deflate = zlib.createDeflate({ dictionary });
  /** frames are handled one at a time, in order: header blocks share one zlib context */
  private busy = false;
  private closed = false;
  private lastStreamId = 0;

  constructor(private readonly socket: Duplex) {
    super();
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    const done = () => this.teardown();
    socket.on("end", done);
    socket.on("close", done);
    socket.on("error", done);
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    if (!this.busy) void this.drain();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.buf.length >= 8) {
        const len = this.buf.readUInt32BE(4) & 0xffffff;
        if (this.buf.length < 8 + len) break;
        const first = this.buf.readUInt32BE(0);
        const flags = this.buf[4]!;
        const body = Buffer.from(this.buf.subarray(8, 8 + len));
        this.buf = this.buf.length === 8 + len ? Buffer.alloc(0) : this.buf.subarray(8 + len);
        if (first & 0x80000000) await this.onControl(first & 0xffff, flags, body);
        else this.streams.get(first & 0x7fffffff)?.receive(body, (flags & FLAG_FIN) !== 0);
      }
    } catch {
      // A frame we cannot read (bad compression, truncated header block): the session is lost.
      this.socket.destroy();
    } finally {
      this.busy = false;
    }
  }

  private async onControl(type: number, flags: number, body: Buffer): Promise<void> {
    switch (type) {
      case SYN_STREAM: {
        const id = body.readUInt32BE(0) & 0x7fffffff;
        const headers = await this.decodeHeaders(body.subarray(10));
        this.lastStreamId = Math.max(this.lastStreamId, id);
        const s = new SpdyStream(this, id, headers);
        this.streams.set(id, s);
        this.sendControl(SYN_REPLY, 0, Buffer.concat([u32(id), await this.encodeHeaders({})]));
        if (flags & FLAG_FIN) s.receive(Buffer.alloc(0), true);
        this.emit("stream", s);
        return;
      }
      case HEADERS:
        // the header block must still pass through the shared decompressor
        await this.decodeHeaders(body.subarray(4));
        return;
      case RST_STREAM: {
        const s = this.streams.get(body.readUInt32BE(0) & 0x7fffffff);
        s?.peerReset();
        return;
      }
      case PING:
        // odd ids are the client's; answer them with the same frame
        if (body.readUInt32BE(0) & 1) this.sendControl(PING, 0, Buffer.from(body));
        return;
      case GOAWAY:
        this.teardown();
        this.socket.end();
        return;
      default:
      // SETTINGS, WINDOW_UPDATE, CREDENTIAL: nothing kite acts on
    }
  }

  private async decodeHeaders(block: Buffer): Promise<Record<string, string>> {
    const raw = await flushThrough(this.inflate, block);
    const out: Record<string, string> = {};
    let p = 4;
    const n = raw.readUInt32BE(0);
    for (let i = 0; i < n; i++) {
      const nl = raw.readUInt32BE(p);
      const name = raw.toString("utf8", p + 4, p + 4 + nl).toLowerCase();
      p += 4 + nl;
      const vl = raw.readUInt32BE(p);
      const value = raw
        .toString("utf8", p + 4, p + 4 + vl)
        .split("\0")
        .join(",");
      p += 4 + vl;
      out[name] = name in out ? `${out[name]},${value}` : value;
    }
    return out;
  }

  private encodeHeaders(h: Record<string, string>): Promise<Buffer> {
    const parts: Buffer[] = [u32(Object.keys(h).length)];
    for (const [k, v] of Object.entries(h)) {
      const kb = Buffer.from(k.toLowerCase());
      const vb = Buffer.from(v);
      parts.push(u32(kb.length), kb, u32(vb.length), vb);
    }
    return flushThrough(this.deflate, Buffer.concat(parts));
  }

  /** @internal */
  sendControl(type: number, flags: number, body: Buffer): void {
    if (this.closed) return;
    const h = Buffer.alloc(8);
    h.writeUInt32BE((0x80000000 | (3 << 16) | type) >>> 0, 0);
    h.writeUInt32BE(((flags << 24) | body.length) >>> 0, 4);
    this.socket.write(Buffer.concat([h, body]));
  }

  /** @internal */
  sendData(id: number, data: Buffer, fin: boolean, cb: (err?: Error | null) => void): void {
    if (this.closed) {
      cb();
      return;
    }
    let ok = true;
    let off = 0;
    do {
      const piece = data.subarray(off, off + maxData);
      off += piece.length;
      const last = off >= data.length;
      const h = Buffer.alloc(8);
      h.writeUInt32BE(id & 0x7fffffff, 0);
      h.writeUInt32BE((((fin && last ? FLAG_FIN : 0) << 24) | piece.length) >>> 0, 4);
      ok = this.socket.write(Buffer.concat([h, piece]));
    } while (off < data.length);
    if (ok) cb();
    else this.socket.once("drain", () => cb());
  }

  /** @internal */
  forget(id: number): void {
    this.streams.delete(id);
  }

  /** Sends GOAWAY and closes the connection once written. */
  close(): void {
    if (this.closed) return;
    this.sendControl(GOAWAY, 0, u32(this.lastStreamId, 0));
    this.closed = true;
    this.socket.end();
    this.teardown();
  }

  private teardown(): void {
    this.closed = true;
    for (const s of [...this.streams.values()]) s.peerReset();
    this.streams.clear();
    if (!this.emitted) {
      this.emitted = true;
      this.emit("close");
    }
  }
  private emitted = false;
}
