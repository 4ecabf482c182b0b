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
  // TODO(building-a-websocket-server): create it with { noServer: true, maxPayload: MAX_PAYLOAD }. Not { server }:
  // that option makes ws answer every upgrade on the port, /ws-raw included.
  const created = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, _head: Buffer) => {
    const path = pathOf(req);
    if (path === "/ws-raw") handleRawUpgrade(req, socket);
    else if (path !== "/ws") refuseUpgrade(socket, 404, "Not Found");
    // TODO(building-a-websocket-server): hand /ws to created.handleUpgrade(req, socket, head, (ws) =>
    // created.emit("connection", ws, req)).
    else refuseUpgrade(socket, 501, "The WebSocket server is not written yet.");
  });
  created.on("connection", onConnection);
  return created;
}

function onConnection(_ws: WebSocket): void {
  // TODO(building-a-websocket-server): for each new socket
  //   - ws.on("error", …) that logs it (without a listener, one oversized message crashes the server);
  //   - ws.on("close", () => handleDisconnect(ws));
  //   - ws.on("message", (data, isBinary) => onMessage(ws, data, isBinary));
  //   - optionally a welcome: send(ws, { type: "welcome", message: "Connected to taskboard" }).
}

/** Turns one frame into a message for handleMessage(), or answers an error. */
export function onMessage(_ws: WebSocket, _data: RawData, _isBinary: boolean): void {
  // TODO(building-a-websocket-server): a binary frame gets { error: "Binary messages are not supported" };
  // JSON.parse(data.toString()) inside try/catch: when it throws, send { error: "Invalid JSON" }
  // and return (the socket stays open); otherwise handleMessage(ws, message).
}

/** Acts on one parsed message from a client and sends the answer. */
export function handleMessage(_ws: WebSocket, _message: unknown): void {
  // TODO(building-a-websocket-server): anything but a plain object (null, 42, [1, 2]) gets { error: … };
  // then switch on message.type: "echo" → { type: "echo", text: message.text };
  // any other type → { error: `Unknown message type: ${type}` }. Send the answer with send().
}

/** Called once per socket when it closes, however it closed (nothing to forget yet). */
export function handleDisconnect(_ws: WebSocket): void {}

/** Sends `data` as JSON if the socket is still open. */
export function send(ws: WebSocket, data: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(data));
}
