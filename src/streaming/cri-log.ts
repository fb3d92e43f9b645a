// CRI container log lines and the filters of `kubectl logs` (kubelet's kuberuntime/logs): each
// line of a log file is `<RFC3339Nano time> <stdout|stderr> <F|P> <content>\n`, P marking a
// partial line the runtime split (its content has no newline of its own). The kubelet prints the
// content, joined, and applies --since/--since-time, --timestamps and --limit-bytes while reading;
// --tail counts lines of the file from its end.

export interface LogOptions {
  /** Only entries at or after this time (ms since the epoch; --since and --since-time). */
  sinceMs?: number;
  /** Prefix each entry with its time in RFC3339Nano (--timestamps). */
  timestamps?: boolean;
  /** Stop after this many bytes of output (--limit-bytes). */
  limitBytes?: number;
}

export interface LogEntry {
  /** the time as written, e.g. `2024-05-01T10:00:00.123456789+00:00` */
  time: string;
  stream: "stdout" | "stderr";
  partial: boolean;
  /** the content; a full line's ends with "\n" */
  content: Buffer;
}

const SP = 0x20;
const NL = 0x0a;

/** Parses one line without its newline; undefined when it is not a CRI log line. */
export function parseCriLine(line: Buffer): LogEntry | undefined {
  return parseLineAt(Buffer.concat([line, NEWLINE]), 0, line.length);
}

const NEWLINE = Buffer.from("\n");
const EMPTY = Buffer.alloc(0);

/**
 * Parses the line buf[start, nl) whose newline is at buf[nl]; a full line's content is a view of
 * buf that takes that newline along, so nothing is copied per line.
 */
function parseLineAt(buf: Buffer, start: number, nl: number): LogEntry | undefined {
  const line = buf.subarray(start, nl);
  const a = line.indexOf(SP);
  if (a <= 0) return undefined;
  const b = line.indexOf(SP, a + 1);
  if (b < 0) return undefined;
  const stream = line.toString("latin1", a + 1, b);
  if (stream !== "stdout" && stream !== "stderr") return undefined;
  // The tag may be followed by more fields after ':' (CRI reserves them); F or P comes first.
  const c = line.indexOf(SP, b + 1);
  const tagEnd = c < 0 ? line.length : c;
  const partial = line[b + 1] === 0x50 /* P */ && (tagEnd === b + 2 || line[b + 2] === 0x3a); /* ':' */
  const from = c < 0 ? nl : start + c + 1;
  return {
    time: line.toString("latin1", 0, a),
    stream,
    partial,
    content: buf.subarray(from, partial ? nl : nl + 1),
  };
}

/** Milliseconds since the epoch of an RFC3339 time (sub-millisecond digits as a fraction). */
export function parseTime(t: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/i.exec(t);
  if (!m) return Number.NaN;
  const zone = m[3]!.toUpperCase() === "Z" ? "Z" : m[3]!.replace(/^([+-]\d\d)(\d\d)$/, "$1:$2");
  const base = Date.parse(`${m[1]}${zone}`);
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return base + frac;
}

/**
 * The time as Go's RFC3339Nano prints it (kubelet reformats the file's time): trailing zeros of
 * the fraction dropped, "Z" for a zero offset.
 */
export function rfc3339Nano(t: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/i.exec(t);
  if (!m) return t;
  const frac = (m[2] ?? "").slice(0, 9).replace(/0+$/, "");
  let zone = m[3]!.toUpperCase();
  if (zone !== "Z") {
    zone = zone.replace(/^([+-]\d\d)(\d\d)$/, "$1:$2");
    if (/^[+-]00:00$/.test(zone)) zone = "Z";
  }
  return `${m[1]}${frac ? `.${frac}` : ""}${zone}`;
}

/**
 * Where the tag of the CRI line buf[start, nl) begins (just past `<time> stdout|stderr `), or -1
 * when the line is not a CRI line. Bytes are compared in place, so reading a line allocates nothing.
 */
function tagStart(buf: Buffer, start: number, nl: number): number {
  let i = start;
  while (i < nl && buf[i] !== SP) i++;
  if (i === start || i + 8 > nl || buf[i + 7] !== SP) return -1;
  if (buf[i + 1] !== 0x73 /* s */ || buf[i + 2] !== 0x74 /* t */ || buf[i + 3] !== 0x64 /* d */) return -1;
  const out = buf[i + 4] === 0x6f && buf[i + 5] === 0x75 && buf[i + 6] === 0x74; // "out"
  const err = buf[i + 4] === 0x65 && buf[i + 5] === 0x72 && buf[i + 6] === 0x72; // "err"
  return out || err ? i + 8 : -1;
}

/** Whether the tag buf[from, to) marks a partial line: "P", or "P:" and more fields. */
function isPartialTag(buf: Buffer, from: number, to: number): boolean {
  return buf[from] === 0x50 /* P */ && (to === from + 1 || buf[from + 1] === 0x3a); /* ':' */
}

/**
 * Turns raw log-file bytes into `kubectl logs` output: feed chunks with push(), read what to
 * write from the return value. Lines split across chunks are kept until their newline arrives.
 * push() takes the chunk over: without --since/--timestamps the output is the chunk itself,
 * compacted in place, so the caller must not use it afterwards.
 */
export class CriLogFilter {
  private rest: Buffer = EMPTY;
  private written = 0;
  /** true once --limit-bytes is reached: stop reading */
  done = false;
  /**
   * Without --since and --timestamps no line's time is needed, so the contents are copied out of
   * each chunk into one buffer (the usual `kubectl logs`, and the one that moves the most bytes).
   */
  private readonly contentOnly: boolean;
  constructor(private readonly opts: LogOptions = {}) {
    this.contentOnly = opts.sinceMs === undefined && !opts.timestamps;
  }

  push(chunk: Buffer): Buffer[] {
    if (this.done) return [];
    let head: Buffer | undefined;
    let buf = chunk;
    if (this.rest.length) {
      // The line the last chunk left unfinished is joined with its own end only: concatenating
      // the whole chunk would copy every byte of the log once more.
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.rest = Buffer.concat([this.rest, chunk]);
        return [];
      }
      head = Buffer.concat([this.rest, chunk.subarray(0, nl + 1)]);
      buf = chunk.subarray(nl + 1);
      this.rest = EMPTY;
    }
    let start: number;
    let out: Buffer[];
    if (this.contentOnly) {
      out = [];
      if (head) {
        const n = this.contents(head)[0];
        if (n) out.push(head.subarray(0, n));
      }
      let n = 0;
      [n, start] = this.done ? [0, buf.length] : this.contents(buf);
      if (n) out.push(buf.subarray(0, n));
    } else {
      out = head ? this.entries(head)[0] : [];
      const [more, end] = this.entries(buf);
      out.push(...more);
      start = end;
    }
    // a copy: the remainder must not keep the whole chunk alive, nor see it reused
    this.rest = this.done || start >= buf.length ? EMPTY : Buffer.from(buf.subarray(start));
    return out;
  }

  /**
   * The fast path: the contents of buf's full lines, moved to its front (a content never starts
   * before the place it moves to, and memmove within one buffer is the cheapest copy there is);
   * returns their length and where buf's unfinished line starts.
   */
  private contents(buf: Buffer): [number, number] {
    const limit = this.opts.limitBytes;
    let n = 0;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      const tag = tagStart(buf, start, nl);
      if (tag >= 0) {
        let tagEnd = tag;
        while (tagEnd < nl && buf[tagEnd] !== SP) tagEnd++;
        const from = tagEnd < nl ? tagEnd + 1 : nl;
        let to = isPartialTag(buf, tag, tagEnd) ? nl : nl + 1;
        if (limit !== undefined && this.written + (to - from) >= limit) {
          to = from + (limit - this.written);
          this.done = true;
        }
        buf.copyWithin(n, from, to);
        n += to - from;
        this.written += to - from;
        if (this.done) break;
      }
      start = nl + 1;
    }
    return [n, start];
  }

  /** Line by line, for the filters that need each line's time. */
  private entries(buf: Buffer): [Buffer[], number] {
    const out: Buffer[] = [];
    let start = 0;
    while (!this.done) {
      const nl = buf.indexOf(NL, start);
      if (nl < 0) break;
      const e = parseLineAt(buf, start, nl);
      start = nl + 1;
      if (e) this.emit(e, out);
    }
    return [out, start];
  }

  private emit(e: LogEntry, out: Buffer[]): void {
    const o = this.opts;
    if (o.sinceMs !== undefined && parseTime(e.time) < o.sinceMs) return;
    const parts = o.timestamps ? [Buffer.from(`${rfc3339Nano(e.time)} `), e.content] : [e.content];
    for (const p of parts) {
      if (o.limitBytes !== undefined) {
        const left = o.limitBytes - this.written;
        if (p.length >= left) {
          if (left > 0) out.push(p.subarray(0, left));
          this.written = o.limitBytes;
          this.done = true;
          return;
        }
      }
      this.written += p.length;
      out.push(p);
    }
  }
}

/**
 * Where the last `n` lines of `buf` begin (kubelet's tail.FindTailLineStartIndex: lines of the
 * file, the final newline ending the last one); 0 when buf holds n lines or fewer.
 */
export function tailStart(buf: Buffer, n: number): number {
  if (n <= 0) return buf.length;
  let i = buf.length > 0 && buf[buf.length - 1] === NL ? buf.length - 1 : buf.length;
  for (let found = 0; ; ) {
    const nl = i > 0 ? buf.lastIndexOf(NL, i - 1) : -1;
    if (nl < 0) return 0;
    found++;
    if (found === n) return nl + 1;
    i = nl;
  }
}

/** Newlines in buf, to know when a backwards read has gathered enough lines for --tail. */
export function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NL); i >= 0; i = buf.indexOf(NL, i + 1)) n++;
  return n;
}
