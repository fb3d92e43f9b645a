import assert from "node:assert/strict";
import { test } from "node:test";
import { CriLogFilter, countLines, parseCriLine, parseTime, rfc3339Nano, tailStart } from "./cri-log.js";

const now = Date.now();
/** A CRI line at `ago` ms before now, with conmon's offset format. */
function line(ago: number, text: string, tag = "F", stream = "stdout"): string {
  const d = new Date(now - ago);
  return `${d.toISOString().replace("Z", "")}123456+00:00 ${stream} ${tag} ${text}\n`;
}
function run(opts: ConstructorParameters<typeof CriLogFilter>[0], input: string, chunk = 7): string {
  const f = new CriLogFilter(opts);
  const out: Buffer[] = [];
  const b = Buffer.from(input);
  for (let i = 0; i < b.length && !f.done; i += chunk) out.push(...f.push(b.subarray(i, i + chunk)));
  return Buffer.concat(out).toString();
}

const log =
  line(3_600_000, "first") + line(60_000, "second", "F", "stderr") + line(100, "par", "P") + line(90, "tial");

test("CRI lines parse; partial lines join; chunks may split anywhere", () => {
  const e = parseCriLine(Buffer.from("2024-05-01T10:00:00.5Z stderr F oops"));
  assert.equal(e?.stream, "stderr");
  assert.equal(e?.content.toString(), "oops\n");
  assert.equal(parseCriLine(Buffer.from("garbage")), undefined);
  assert.equal(parseCriLine(Buffer.from("2024-05-01T10:00:00Z stdout P x"))?.content.toString(), "x");
  for (const chunk of [1, 3, 7, 1000]) assert.equal(run({}, log, chunk), "first\nsecond\npartial\n");
});

test("--limit-bytes=1 gives one byte (conformance)", () => {
  assert.equal(run({ limitBytes: 1 }, log), "f");
  assert.equal(run({ limitBytes: 8 }, log), "first\nse");
});

test("--timestamps prefixes RFC3339Nano times (conformance)", () => {
  const out = run({ timestamps: true }, log).split("\n").filter(Boolean);
  // a partial line's pieces each carry their time, as kubelet writes them
  assert.equal(out.length, 3);
  for (const l of out) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z \S/);
  assert.match(out[2]!, /Z par\d{4}-.*Z tial$/);
  assert.equal(rfc3339Nano("2024-05-01T10:00:00.120000000+00:00"), "2024-05-01T10:00:00.12Z");
  assert.equal(rfc3339Nano("2024-05-01T10:00:00.000000000+02:00"), "2024-05-01T10:00:00+02:00");
  assert.equal(rfc3339Nano("2024-05-01T10:00:00.1+0000"), "2024-05-01T10:00:00.1Z");
});

test("--since=1s keeps only recent lines, --since=24h all (conformance)", () => {
  assert.equal(run({ sinceMs: now - 1000 }, log), "partial\n");
  assert.equal(run({ sinceMs: now - 24 * 3600_000 }, log), "first\nsecond\npartial\n");
  assert.equal(run({ sinceMs: now + 1000 }, log), "");
  assert.equal(parseTime("2024-05-01T10:00:00.5+01:00"), Date.parse("2024-05-01T09:00:00.5Z"));
});

test("--tail=1 starts at the last line (conformance), counting file lines", () => {
  const b = Buffer.from("a\nb\nc\n");
  assert.equal(b.subarray(tailStart(b, 1)).toString(), "c\n");
  assert.equal(b.subarray(tailStart(b, 2)).toString(), "b\nc\n");
  assert.equal(tailStart(b, 3), 0);
  assert.equal(tailStart(b, 10), 0);
  assert.equal(tailStart(b, 0), b.length);
  const noNl = Buffer.from("a\nb");
  assert.equal(noNl.subarray(tailStart(noNl, 1)).toString(), "b");
  assert.equal(countLines(b), 3);
  const tail1 = Buffer.from(log).subarray(tailStart(Buffer.from(log), 1));
  assert.equal(run({}, tail1.toString()), "tial\n");
});

/** What `kubectl logs` shows for `input`, from parseCriLine line by line: the slow path's reading. */
function reference(input: string): string {
  let out = "";
  for (const l of input.split("\n").slice(0, -1)) {
    const e = parseCriLine(Buffer.from(l));
    if (e) out += e.content.toString();
  }
  return out;
}

test("without --since/--timestamps: partial lines join, stdout and stderr interleave, garbage is skipped", () => {
  const input =
    line(5, "out one") +
    line(4, "err one", "F", "stderr") +
    "not a cri line\n" +
    line(3, "sp", "P", "stderr") +
    line(3, "lit ", "P:more", "stderr") +
    line(3, "end", "F", "stderr") +
    "2024-05-01T10:00:00Z stdout\n" +
    "2024-05-01T10:00:00Z stdin F nope\n" +
    "2024-05-01T10:00:00Z stdout F\n" +
    "2024-05-01T10:00:00Z stdout F:x:y tagged\n" +
    line(1, "");
  const want = "out one\nerr one\nsplit end\n\ntagged\n\n";
  assert.equal(reference(input), want);
  for (const chunk of [1, 2, 5, 13, 64, 4096]) assert.equal(run({}, input, chunk), want, `chunk ${chunk}`);
});

test("a line spanning many chunks comes out whole, once", () => {
  const long = "y".repeat(300_000);
  const input = line(2, "before") + line(1, long) + line(0, "after");
  for (const chunk of [1000, 65_536, 256 * 1024]) {
    assert.equal(run({}, input, chunk), `before\n${long}\nafter\n`);
  }
  // a push gives two buffers at most: the line carried over from the last chunk, and this chunk's
  // own lines compacted in place
  const f = new CriLogFilter({});
  const b = Buffer.from(input);
  for (let i = 0; i < b.length; i += 4096) assert.ok(f.push(b.subarray(i, i + 4096)).length <= 2);
});

test("--limit-bytes cuts mid-line and mid-partial, across chunks, then stops", () => {
  const input = line(3, "abcdef") + line(2, "gh", "P", "stderr") + line(1, "ij");
  const whole = "abcdef\nghij\n";
  for (let limit = 0; limit <= whole.length + 2; limit++) {
    for (const chunk of [1, 4, 1000]) {
      const f = new CriLogFilter({ limitBytes: limit });
      const out: Buffer[] = [];
      const b = Buffer.from(input);
      for (let i = 0; i < b.length; i += chunk) out.push(...f.push(b.subarray(i, i + chunk)));
      assert.equal(Buffer.concat(out).toString(), whole.slice(0, limit), `limit ${limit} chunk ${chunk}`);
      assert.equal(f.done, limit <= whole.length, `done at limit ${limit}`);
      if (f.done) assert.deepEqual(f.push(Buffer.from(line(0, "more"))), []);
    }
  }
});

test("the fast path and the line-by-line path agree on random CRI logs", () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  let input = "";
  for (let i = 0; i < 500; i++) {
    const text = "z".repeat(rand(40)) + (rand(5) === 0 ? " spaced words" : "");
    input += line(rand(1000), text, rand(3) === 0 ? "P" : "F", rand(2) ? "stdout" : "stderr");
  }
  const want = reference(input);
  for (const chunk of [1, 7, 97, 8192]) assert.equal(run({}, input, chunk), want);
  // --since far in the past takes the line-by-line path and must print the same
  assert.equal(run({ sinceMs: 0 }, input, 97), want);
});
