import type { IncomingMessage } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** The fixed string RFC 6455 appends to every Sec-WebSocket-Key before hashing. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** The Sec-WebSocket-Accept value for a key: base64 of the SHA-1 of key + GUID. */
export function acceptValue(_key: string): string {
  // TODO(how-websockets-work): hash the key as it was sent, followed by WS_GUID, with SHA-1
  // (createHash("sha1") from node:crypto) and return the 20-byte digest in base64.
  return "";
}

/** One unmasked, final text frame (opcode 0x1) carrying `text`. */
export function encodeTextFrame(_text: string): Buffer {
  // TODO(how-websockets-work): build the frame from the UTF-8 bytes of the text:
  //   byte 0: 0x81 (FIN + opcode 1, text)
  //   byte 1: the payload length when it is below 126 (no mask bit: servers never mask);
  //           126 followed by a 2-byte big-endian length up to 65535;
  //           127 followed by an 8-byte length above that
  //   then the payload bytes.
  return Buffer.alloc(0);
}

/** The path of a request, without its query string. */
export function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? "/", "http://localhost").pathname;
}

/** Answers an upgrade request with an ordinary HTTP error instead of 101, then ends the connection. */
export function refuseUpgrade(
  socket: Duplex,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  socket.on("error", () => socket.destroy());
  const body = JSON.stringify({ error: message });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Connection: close",
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}

/**
 * The WebSocket handshake written by hand (GET /ws-raw): checks the request,
 * answers 101 with the computed Sec-WebSocket-Accept, then sends one text frame.
 */
export function handleRawUpgrade(_req: IncomingMessage, socket: Duplex): void {
  // TODO(how-websockets-work):
  //   1. refuse with 400 when req.headers.upgrade is not "websocket" (any case) or
  //      req.headers["sec-websocket-key"] is missing or not 22 base64 characters + "==";
  //   2. refuse with 426 and the header Sec-WebSocket-Version: 13 when
  //      req.headers["sec-websocket-version"] is not "13";
  //   3. add socket.on("error", …) so that a client that vanishes cannot crash the server;
  //   4. write "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade"
  //      and "Sec-WebSocket-Accept: " + acceptValue(key), each line ending in \r\n, then \r\n;
  //   5. write encodeTextFrame(JSON.stringify({ type: "welcome", via: "hand-made handshake" })).
  refuseUpgrade(socket, 501, "The hand-made handshake is not written yet.");
}
