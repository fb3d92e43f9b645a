// Authentication, as kube-apiserver's x509 and static-token authenticators: a client
// certificate signed by the cluster CA, or a bearer token kite issued. Anything else is 401.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function newAuthenticator(tokens: Array<{ token: string; user: UserInfo }>): Authenticator {
  return {
    authenticate(req) {
      const socket = req.socket as TLSSocket;
      if (socket.authorized) {
        const cert = socket.getPeerCertificate();
        if (cert?.subject) {
          const cn = cert.subject.CN;
          const o = cert.subject.O;
          return {
            name: Array.isArray(cn) ? cn[0]! : (cn ?? ""),
            groups: [...(Array.isArray(o) ? o : o ? [o] : []), "system:authenticated"],
          };
        }
      }
      const auth = req.headers.authorization;
      if (auth?.startsWith("Bearer ")) {
        const presented = auth.slice(7).trim();
        for (const t of tokens) if (sameToken(presented, t.token)) return t.user;
      }
      return undefined;
    },
  };
}
