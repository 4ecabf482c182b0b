import { createHash } from "node:crypto";
import { type IncomingMessage, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";

/** The fixed string RFC 6455 appends to every Sec-WebSocket-Key before hashing. */
export const WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** A Sec-WebSocket-Key is 16 random bytes in base64: 22 characters and "==". */
const KEY_PATTERN = /^[A-Za-z0-9+/]{22}==$/;

/** The Sec-WebSocket-Accept value for a key: base64 of the SHA-1 of key + GUID. */
export function acceptValue(key: string): string {
  return createHash("sha1")
    .update(key + WS_GUID)
    .digest("base64");
}

/** One unmasked, final text frame (opcode 0x1) carrying `text`. */
export function encodeTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  const length = payload.length;
  let header: Buffer;
  if (length < 126) {
    header = Buffer.from([0x81, length]);
  } else if (length < 65_536) {
    header = Buffer.alloc(4);
    header[0] = 0x81;
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x81;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  return Buffer.concat([header, payload]);
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
export function handleRawUpgrade(req: IncomingMessage, socket: Duplex): void {
  const upgrade = req.headers.upgrade ?? "";
  const key = req.headers["sec-websocket-key"];
  const version = req.headers["sec-websocket-version"];

  if (upgrade.toLowerCase() !== "websocket") {
    refuseUpgrade(socket, 400, "Expected Upgrade: websocket");
    return;
  }
  if (typeof key !== "string" || !KEY_PATTERN.test(key)) {
    refuseUpgrade(socket, 400, "Missing or invalid Sec-WebSocket-Key");
    return;
  }
  if (version !== "13") {
    refuseUpgrade(socket, 426, "Unsupported WebSocket version", { "Sec-WebSocket-Version": "13" });
    return;
  }

  // A client that vanishes makes the next write fail; without a listener that error kills the process.
  socket.on("error", () => socket.destroy());
  socket.write(
    [
      "HTTP/1.1 101 Switching Protocols",
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Accept: ${acceptValue(key)}`,
      "",
      "",
    ].join("\r\n"),
  );
  socket.write(encodeTextFrame(JSON.stringify({ type: "welcome", via: "hand-made handshake" })));
}
