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
