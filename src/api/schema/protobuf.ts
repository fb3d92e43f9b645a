// A minimal protocol buffers writer: just enough wire format (varints and length-delimited fields)
// to encode gnostic's openapi.v2.Document, which kubectl 1.27/1.28 (and 1.29+ as a fallback) fetch
// from /openapi/v2. Messages are built bottom-up: encode the child, then embed its bytes.

export class ProtoWriter {
  private chunks: Buffer[] = [];
  private size = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private varint(n: number): void {
    const bytes: number[] = [];
    let v = n;
    while (v > 0x7f) {
      bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.push(Buffer.from(bytes));
  }

  private tag(field: number, wireType: 0 | 2): void {
    this.varint(field * 8 + wireType);
  }

  /** A string field; proto3 omits empty strings. */
  string(field: number, value: string | undefined): this {
    if (value === undefined || value === "") return this;
    return this.bytes(field, Buffer.from(value, "utf8"));
  }

  strings(field: number, values: readonly string[] | undefined): this {
    for (const v of values ?? []) this.bytes(field, Buffer.from(v, "utf8"));
    return this;
  }

  /** A bool field; proto3 omits false. */
  bool(field: number, value: boolean | undefined): this {
    if (!value) return this;
    this.tag(field, 0);
    this.varint(1);
    return this;
  }

  bytes(field: number, value: Buffer): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  /** An embedded message; written even when empty, as presence matters for message fields. */
  message(field: number, value: ProtoWriter | Buffer): this {
    return this.bytes(field, value instanceof ProtoWriter ? value.finish() : value);
  }

  finish(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

export const proto = (): ProtoWriter => new ProtoWriter();
