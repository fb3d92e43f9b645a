// Structured logs (one JSON object a line, pino), to stderr so stdout stays for command output.
import { pino } from "pino";

export type Logger = pino.Logger;

export function newLogger(level: string = "info"): Logger {
  return pino({ level, base: { component: "kite" } }, pino.destination({ fd: 2, sync: false }));
}
