// terminated.message (kubelet's getTerminationMessage): the file the container wrote at its
// terminationMessagePath, at most 4096 bytes; with FallbackToLogsOnError and a failed container
// whose file is empty, the tail of its log (80 lines, 2048 bytes).
import { open, readFile } from "node:fs/promises";

const maxMessage = 4096;
const fallbackLines = 80;
const fallbackBytes = 2048;

export async function readTerminationMessage(path: string): Promise<string> {
  try {
    const fh = await open(path, "r");
    try {
      const buf = Buffer.alloc(maxMessage);
      const { bytesRead } = await fh.read(buf, 0, maxMessage, 0);
      return buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await fh.close();
    }
  } catch {
    return "";
  }
}

/** The container's output from a CRI-format log ("<time> <stream> <P|F> <text>" lines). */
export function criLogText(log: string): string {
  let out = "";
  for (const line of log.split("\n")) {
    const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/.exec(line);
    if (!m) continue;
    out += m[1] === "P" ? m[2] : `${m[2]}\n`;
  }
  return out;
}

export function tailLines(text: string, lines: number, bytes: number): string {
  let t = text;
  const parts = t.split("\n");
  if (parts.at(-1) === "") parts.pop();
  t = parts.slice(-lines).join("\n");
  if (text.endsWith("\n")) t += "\n";
  const b = Buffer.from(t, "utf8");
  return b.length > bytes ? b.subarray(b.length - bytes).toString("utf8") : t;
}

export async function terminationMessage(
  filePath: string,
  policy: string | undefined,
  exitCode: number,
  logPath: string,
): Promise<string> {
  const msg = await readTerminationMessage(filePath);
  if (msg || policy !== "FallbackToLogsOnError" || exitCode === 0) return msg;
  try {
    const log = await readFile(logPath, "utf8");
    return tailLines(criLogText(log), fallbackLines, fallbackBytes);
  } catch {
    return "";
  }
}
