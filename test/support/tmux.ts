// A real terminal for interactive commands (`kubectl exec -it`): a tmux server of the test's
// own (a private socket, so no one else's tmux is touched), one window running the command
// under a small sh that writes its exit status to a file and then keeps the pane open (tmux 3.3
// sometimes leaves a pane's exited command a zombie, so neither remain-on-exit nor
// #{pane_dead_status} can be relied on), keys sent as a user types them, the screen read back with
// capture-pane.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventually } from "./wait.js";

const execFileP = promisify(execFile);

export interface Terminal {
  /** types `text` and presses Enter */
  type(text: string): Promise<void>;
  /** what the terminal shows from its first line, wrapped lines joined, blank lines around it dropped */
  screen(): Promise<string>;
  /** waits until the screen is `want` (exactly) or matches it; fails with the screen in the message */
  waitFor(want: string | RegExp, ms?: number): Promise<string>;
  /** waits until the command has ended; its exit status */
  exited(ms?: number): Promise<number>;
  /** stops this terminal's tmux server (only it: the socket is private) and so what runs in it */
  close(): Promise<void>;
}

/** Runs `file args` in a fresh 120x40 terminal with exactly `env`. */
export async function openTerminal(
  file: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<Terminal> {
  const dir = mkdtempSync(join(tmpdir(), "kite-tmux-"));
  const socket = join(dir, "sock");
  const conf = join(dir, "tmux.conf");
  const statusFile = join(dir, "status");
  writeFileSync(conf, "set -g status off\nset -g history-limit 1000\n");
  const tmuxEnv = { PATH: process.env.PATH, TERM: "xterm-256color", ...env };
  const tmux = (...a: string[]) => execFileP("tmux", ["-S", socket, ...a], { env: tmuxEnv, timeout: 10_000 });
  const envArgs = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : ["-e", `${k}=${v}`]));
  const wrapper = 'st=$1; shift; "$@"; echo $? > "$st"; exec sleep 86400';
  await tmux(
    ...["-f", conf, "new-session", "-d", "-s", "t", "-x", "120", "-y", "40", ...envArgs],
    ...["/bin/sh", "-c", wrapper, "sh", statusFile, file, ...args],
  );
  const screen = async () => {
    const { stdout } = await tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t");
    // the spaces after the last character of a line (a prompt's "# ") are the terminal's
    return stdout
      .split("\n")
      .map((l) => l.trimEnd())
      .join("\n")
      .replace(/^\n+/, "")
      .replace(/\n+$/, "");
  };
  return {
    async type(text) {
      await tmux("send-keys", "-t", "t", "-l", text);
      await tmux("send-keys", "-t", "t", "Enter");
    },
    screen,
    async waitFor(want, ms = 20_000) {
      let last = "";
      const seen = (s: string) => (typeof want === "string" ? s === want : want.test(s));
      try {
        return await eventually(async () => {
          last = await screen();
          return seen(last) && last;
        }, ms);
      } catch {
        throw new Error(
          `the terminal did not show ${JSON.stringify(String(want))} within ${ms} ms; it shows ${JSON.stringify(last)}`,
        );
      }
    },
    async exited(ms = 20_000) {
      try {
        return await eventually(async () => {
          let text = "";
          try {
            text = readFileSync(statusFile, "utf8");
          } catch {
            // still running
          }
          return /^\d+\n$/.test(text) ? Number(text) : undefined;
        }, ms);
      } catch {
        throw new Error(
          `the command in the terminal did not end within ${ms} ms; it shows ${JSON.stringify(await screen())}`,
        );
      }
    },
    async close() {
      await tmux("kill-server").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
