// exec into a running container, as `kubectl exec` reaches it: collected (execSync, for probes) and
// streamed, with and without a TTY, with the command's exit code.
import assert from "node:assert/strict";
import { PassThrough, Readable } from "node:stream";
import { test } from "node:test";
import type { TerminalSize } from "../../src/runtime/runtime.js";
import { BUSYBOX, newTestRuntime } from "./helpers.js";

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

async function* sizes(...s: TerminalSize[]): AsyncGenerator<TerminalSize> {
  for (const x of s) yield x;
}

test("exec without a TTY: output, stderr, stdin and the exit code", async (t) => {
  const tr = await newTestRuntime(t);
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(tr.sandboxConfig("exec"));
  const id = await rt.createContainer(sb, tr.containerConfig("c", BUSYBOX, { command: ["sleep", "3600"] }));
  await rt.startContainer(id);

  const r = await rt.execSync(id, ["sh", "-c", "echo out; echo err >&2; exit 3"], 5);
  assert.deepEqual(r, { stdout: "out\n", stderr: "err\n", exitCode: 3 });
  assert.equal((await rt.execSync(id, ["true"], 0)).exitCode, 0);
  await assert.rejects(rt.execSync(id, ["sleep", "10"], 1), /timed out after 1s/);

  const out = collect();
  const err = collect();
  const code = await rt.exec(id, {
    cmd: ["sh", "-c", "tr a-z A-Z; echo done >&2; exit 5"],
    stdin: Readable.from([Buffer.from("hello\n"), Buffer.from("world\n")]),
    stdout: out.stream,
    stderr: err.stream,
  });
  assert.equal(code, 5);
  assert.equal(out.text(), "HELLO\nWORLD\n");
  assert.equal(err.text(), "done\n");
  // The exec'd process is not a TTY.
  const tty = collect();
  assert.equal(await rt.exec(id, { cmd: ["tty"], stdout: tty.stream }), 1);
  assert.equal(tty.text().trim(), "not a tty");
});

test("exec with a TTY: a terminal of the requested size, input echoed, the exit code", async (t) => {
  const tr = await newTestRuntime(t);
  const rt = tr.runtime;
  const sb = await rt.runPodSandbox(tr.sandboxConfig("tty"));
  const id = await rt.createContainer(sb, tr.containerConfig("c", BUSYBOX, { command: ["sleep", "3600"] }));
  await rt.startContainer(id);

  const out = collect();
  const stdin = new PassThrough();
  const done = rt.exec(id, {
    cmd: ["sh", "-c", "read line; tty; stty size; echo got:$line; exit 4"],
    tty: true,
    stdin,
    stdout: out.stream,
    resize: sizes({ width: 123, height: 45 }),
  });
  stdin.write("hi there\n");
  const code = await done;
  stdin.end();
  assert.equal(code, 4);
  const text = out.text();
  assert.match(text, /hi there\r\n/, "the terminal echoes input");
  assert.match(text, /\/dev\/pts\/\d+\r\n/);
  assert.match(text, /45 123\r\n/);
  assert.match(text, /got:hi there\r\n/);

  // An interactive shell driven over stdin; a later resize reaches the terminal.
  const sh = collect();
  const input = new PassThrough();
  const resize = new PassThrough({ objectMode: true });
  const shell = rt.exec(id, { cmd: ["sh"], tty: true, stdin: input, stdout: sh.stream, resize });
  resize.write({ width: 80, height: 24 });
  input.write("stty size\n");
  await new Promise((r) => setTimeout(r, 300));
  resize.write({ width: 100, height: 50 });
  await new Promise((r) => setTimeout(r, 300));
  input.write("stty size; exit 7\n");
  assert.equal(await shell, 7);
  resize.end();
  assert.match(sh.text(), /24 80\r\n[\s\S]*50 100\r\n/);
});
