// How a joining agent comes to trust the server, as a k3s agent does: fetch the cluster CA from
// /cacerts without verification, then accept it only if its sha256 is the one the join token
// (K10<sha256>::node:<secret>) carries.
import { createHash } from "node:crypto";
import { request } from "node:https";

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenError";
  }
}

export function parseJoinToken(token: string): { caHash?: string; secret: string } {
  const m = /^K10([0-9a-f]{64})::[^:]+:(.+)$/.exec(token.trim());
  if (m) return { caHash: m[1], secret: token.trim() };
  return { secret: token.trim() };
}

export function fetchClusterCA(server: string, token: string): Promise<string> {
  const { caHash } = parseJoinToken(token);
  return new Promise((resolve, reject) => {
    const req = request(
      `${server.replace(/\/+$/, "")}/cacerts`,
      { rejectUnauthorized: false, timeout: 10_000 },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
        });
        res.on("end", () => {
          if (res.statusCode !== 200)
            return reject(new TokenError(`${server}/cacerts answered ${res.statusCode}`));
          if (!caHash) {
            return reject(
              new TokenError(
                "the token carries no CA hash (K10<sha256>::node:<secret>); use the token file the server wrote",
              ),
            );
          }
          const got = createHash("sha256").update(body).digest("hex");
          if (got !== caHash) {
            return reject(
              new TokenError(
                `the CA at ${server} does not match the token (sha256 ${got}): wrong server or wrong token`,
              ),
            );
          }
          resolve(body);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${server} did not answer`)));
    req.on("error", reject);
    req.end();
  });
}
