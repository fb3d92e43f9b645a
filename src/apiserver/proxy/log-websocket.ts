// pods/log over WebSocket, as kube-apiserver serves it (handlers/responsewriters.StreamObject with
// wsstream.NewReader): the log is fetched from the node as for plain HTTP, so a refusal (no such
// container, not started yet) is the same Status answer and no upgrade happens; once the node
// streams, the connection is upgraded and each piece of the log becomes one message. Subprotocols:
// "binary.k8s.io" (binary messages of the log's bytes), "base64.binary.k8s.io" (text messages of
// their base64), and none at all, which is binary. A zero-length message goes first (wsstream's
// ping), and the end of the log closes the connection with 1000. What the client sends is ignored.
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

export const BinaryProtocol = "binary.k8s.io";
export const Base64Protocol = "base64.binary.k8s.io";

/**
 * The subprotocol wsstream's handshake picks for a Sec-WebSocket-Protocol header: the first one
 * requested that it knows, "" when none is requested, undefined when only unknown ones are.
 */
export function logProtocol(header: string | undefined): string | undefined {
  const requested = (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (requested.length === 0) return "";
  return requested.find((p) => p === BinaryProtocol || p === Base64Protocol);
}

/** The protocol list wsstream answers with when it refuses a handshake. */
export const supportedLogProtocols = ["", BinaryProtocol, Base64Protocol];

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  // the protocol was chosen (and checked) by logProtocol before the upgrade
  handleProtocols: (protocols) =>
    [...protocols].find((p) => p === BinaryProtocol || p === Base64Protocol) ?? false,
});

/** Messages may wait for the client up to this much before the node is paused. */
const maxBuffered = 1 << 20;

/**
 * Upgrades `socket` and relays `body` (the node's log response) as messages in `protocol`;
 * resolves when the log ends or either side goes away.
 */
export function relayLogOverWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  body: IncomingMessage,
  protocol: string,
): Promise<void> {
  const base64 = protocol === Base64Protocol;
  return new Promise((resolve) => {
    // a handshake ws refuses (a bad key, say) is answered and the socket closed, without a callback
    socket.once("close", () => {
      body.destroy();
      resolve();
    });
    wss.handleUpgrade(req, socket, Buffer.alloc(0), (ws: WebSocket) => {
      let pending = 0;
      const send = (chunk: Buffer) => {
        pending += chunk.length;
        const done = () => {
          pending -= chunk.length;
          if (pending < maxBuffered && body.isPaused()) body.resume();
        };
        if (base64) ws.send(chunk.toString("base64"), done);
        else ws.send(chunk, { binary: true }, done);
        if (pending >= maxBuffered) body.pause();
      };
      send(Buffer.alloc(0));
      body.on("data", send);
      body.on("end", () => ws.close(1000));
      body.on("error", () => ws.terminate());
      ws.on("error", () => {});
      ws.on("close", () => {
        body.destroy();
        resolve();
      });
    });
  });
}
