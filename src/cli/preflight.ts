// Checks made before starting, so a missing package or permission is one clear sentence that
// says what to do, not a stack trace from deep inside.
import { accessSync, constants, existsSync, mkdirSync } from "node:fs";
import { delimiter, join } from "node:path";

export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PreflightError";
  }
}

function onPath(file: string, path = process.env.PATH ?? ""): boolean {
  if (file.includes("/")) return existsSync(file);
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, file), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Fails naming every missing program and the Debian package that has it. */
export function requirePrograms(programs: Array<{ file: string; pkg: string }>): void {
  const missing = programs.filter((p) => !onPath(p.file));
  if (missing.length === 0) return;
  const names = missing.map((p) => `${p.file} (Debian package ${p.pkg})`).join(", ");
  throw new PreflightError(
    `missing ${names}: run ./scripts/setup.sh as root, or apt-get install ${[...new Set(missing.map((p) => p.pkg))].join(" ")}`,
  );
}

/** Makes sure `dir` can be created and written, with a message that names the fix. */
export function requireWritableDir(dir: string, flag: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      const root = process.getuid?.() === 0;
      throw new PreflightError(
        `cannot write ${dir} (${code}): ${root ? "check the filesystem" : "run kite as root (it runs pods and owns /var/lib/kite)"}, or pass ${flag} a folder you can write`,
      );
    }
    throw err;
  }
}

/** The message for a port another process holds. */
export function portInUseMessage(address: string, port: number): string {
  return `${address}:${port} is already in use (another kite, or another Kubernetes API server?): stop it, or start this one with --https-listen-port <free port> and its own --data-dir`;
}
