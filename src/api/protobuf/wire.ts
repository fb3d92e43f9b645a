// The protobuf wire format, only as far as decoding needs it: tags, varints, fixed-width numbers and
// length-delimited fields. Errors carry the texts gogo-protobuf's generated Unmarshal methods return,
// because kube-apiserver puts those texts in its 400 answers.

export const wireVarint = 0;
export const wireFixed64 = 1;
export const wireBytes = 2;
export const wireFixed32 = 5;

export interface WireField {
  /** the field number */
  no: number;
  wireType: number;
  /** varint and fixed values as bigint (64 bits are not safe in a number), bytes as a view of the input */
  value: bigint | Buffer;
}

export class WireError extends Error {}

/** Reads one varint at `pos`; returns the value and the position after it. */
export function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  for (let shift = 0n; shift < 70n; shift += 7n) {
    if (pos >= buf.length) throw new WireError("unexpected EOF");
    const b = buf[pos++]!;
    result |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [BigInt.asUintN(64, result), pos];
  }
  throw new WireError("proto: integer overflow");
}

/** Splits a message into its fields, in wire order. Groups (wire types 3 and 4) are refused, as gogo does. */
export function readFields(buf: Buffer): WireField[] {
  const out: WireField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const no = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (no <= 0 || no > 0x1fffffff) throw new WireError(`proto: illegal tag ${no} (wire type ${wireType})`);
    switch (wireType) {
      case wireVarint: {
        const [v, next] = readVarint(buf, pos);
        out.push({ no, wireType, value: v });
        pos = next;
        break;
      }
      case wireFixed64:
        if (pos + 8 > buf.length) throw new WireError("unexpected EOF");
        out.push({ no, wireType, value: buf.readBigUInt64LE(pos) });
        pos += 8;
        break;
      case wireFixed32:
        if (pos + 4 > buf.length) throw new WireError("unexpected EOF");
        out.push({ no, wireType, value: BigInt(buf.readUInt32LE(pos)) });
        pos += 4;
        break;
      case wireBytes: {
        const [len, next] = readVarint(buf, pos);
        if (len > BigInt(0x7fffffff)) throw new WireError("proto: negative length found during unmarshaling");
        const end = next + Number(len);
        if (end > buf.length) throw new WireError("unexpected EOF");
        out.push({ no, wireType, value: buf.subarray(next, end) });
        pos = end;
        break;
      }
      default:
        throw new WireError(`proto: illegal wireType ${wireType}`);
    }
  }
  return out;
}

/** Reads a packed run of varints (proto3 style; gogo's proto2 encoder writes them unpacked, but accepts both). */
export function readPackedVarints(buf: Buffer): bigint[] {
  const out: bigint[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [v, next] = readVarint(buf, pos);
    out.push(v);
    pos = next;
  }
  return out;
}
