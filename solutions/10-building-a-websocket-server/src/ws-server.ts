import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { handleRawUpgrade, pathOf, refuseUpgrade } from "./handshake.js";

/** The largest message a client may send, in bytes; a bigger one closes that socket with 1009. */
export const MAX_PAYLOAD = 64 * 1024;

/**
 * Attaches the WebSocket server to the HTTP server (same port). One "upgrade"
 * listener decides by path: `/ws` goes to `ws`, `/ws-raw` to the hand-made
 * handshake (how-websockets-work), anything else gets 404.
 */
export function setupWebSocketServer(server: Server): WebSocketServer {
  const created = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(req);
    if (path === "/ws-raw") handleRawUpgrade(req, socket);
    else if (path !== "/ws") refuseUpgrade(socket, 404, "Not Found");
    else created.handleUpgrade(req, socket, head, (ws) => created.emit("connection", ws, req));
  });
  created.on("connection", onConnection);
  return created;
}

function onConnection(ws: WebSocket): void {
  // Without an "error" listener, the first bad frame (e.g. too big) would crash the process.
  ws.on("error", (error) => console.error(`[ws] ${error.message}`));
  ws.on("close", () => handleDisconnect(ws));
  ws.on("message", (data, isBinary) => onMessage(ws, data, isBinary));
  send(ws, { type: "welcome", message: "Connected to taskboard" });
}

function onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
  if (isBinary) {
    send(ws, { error: "Binary messages are not supported" });
    return;
  }
  let message: unknown;
  try {
    message = JSON.parse(data.toString());
  } catch {
    send(ws, { error: "Invalid JSON" });
    return;
  }
  handleMessage(ws, message);
}

/** Acts on one parsed message from a client and sends the answer. */
export function handleMessage(ws: WebSocket, message: unknown): void {
  send(ws, answer(ws, message));
}

/** What to do for one message, and the answer to send back. */
function answer(_ws: WebSocket, message: unknown): unknown {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return { error: "Expected a JSON object with a type" };
  }
  const { type, text } = message as Record<string, unknown>;
  switch (type) {
    case "echo":
      return { type: "echo", text };
    default:
      return { error: `Unknown message type: ${String(type)}` };
  }
}

/** Called once per socket when it closes, however it closed (nothing to forget yet). */
export function handleDisconnect(_ws: WebSocket): void {}

function send(ws: WebSocket, data: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(data));
}
