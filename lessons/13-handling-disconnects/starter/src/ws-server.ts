import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { config } from "./config.js";
import { parseCookies } from "./cookies.js";
import { handleRawUpgrade, pathOf, refuseUpgrade } from "./handshake.js";
import { getRoomSize, joinRoom, leaveAllRooms, leaveRoom } from "./rooms.js";
import { getSession } from "./sessions.js";
import { findUser } from "./users.js";

/** The largest message a client may send, in bytes; a bigger one closes that socket with 1009. */
export const MAX_PAYLOAD = 64 * 1024;

/** Who is behind a socket. */
export interface SocketUser {
  userId: string;
  name: string;
}

/** The user of every authenticated socket. */
export const socketUsers = new Map<WebSocket, SocketUser>();

/** Whether each socket has answered the last ping; false means "pinged, no pong yet". */
export const aliveMap = new Map<WebSocket, boolean>();

let wss: WebSocketServer | undefined;

/**
 * Attaches the WebSocket server to the HTTP server (same port). One "upgrade"
 * listener decides by path: `/ws` goes to `ws`, `/ws-raw` to the hand-made
 * handshake (how-websockets-work), anything else gets 404.
 */
export function setupWebSocketServer(server: Server): WebSocketServer {
  const created = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD });
  wss = created;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = pathOf(req);
    // Browsers attach cookies to cross-site upgrades too, so pages we do not know get 403.
    if (path === "/ws-raw") handleRawUpgrade(req, socket);
    else if (path !== "/ws") refuseUpgrade(socket, 404, "Not Found");
    else if (!originAllowed(req.headers.origin)) refuseUpgrade(socket, 403, "Origin not allowed");
    else created.handleUpgrade(req, socket, head, (ws) => created.emit("connection", ws, req));
  });
  created.on("connection", onConnection);
  return created;
}

/** A missing Origin is a non-browser client; a browser's Origin must be on the list. */
function originAllowed(origin: string | undefined): boolean {
  return origin === undefined || config.allowedOrigins.includes(origin);
}

/** Pings every socket each WS_HEARTBEAT_MS and terminates those that did not answer the last ping. */
export function setupHeartbeat(): NodeJS.Timeout {
  const server = wss;
  if (!server) throw new Error("Call setupWebSocketServer() before setupHeartbeat().");
  // TODO(handling-disconnects): every config.wsHeartbeatMs, go over server.clients: a socket whose
  // aliveMap entry is false has not answered the previous ping, so ws.terminate() it (not
  // close(): a dead peer never answers a close frame); every other socket gets
  // aliveMap.set(ws, false) and ws.ping(). Clear the interval when the server closes.
  return setInterval(() => {}, config.wsHeartbeatMs);
}

function onConnection(ws: WebSocket, req: IncomingMessage): void {
  ws.on("error", (error) => console.error(`[ws] ${error.message}`));
  ws.on("close", () => handleDisconnect(ws));

  const user = authenticate(ws, req);
  if (!user) return;
  socketUsers.set(ws, user);

  // TODO(handling-disconnects): aliveMap.set(ws, true), and set it to true again on every "pong".
  ws.on("message", (data, isBinary) => onMessage(ws, data, isBinary));
  send(ws, { type: "welcome", user });
}

/** The user behind the upgrade's `session` cookie; closes the socket with 4001 when there is none. */
function authenticate(ws: WebSocket, req: IncomingMessage): SocketUser | undefined {
  const sessionId = parseCookies(req.headers.cookie ?? "").get("session");
  if (!sessionId) return reject(ws, "Unauthorized");
  const session = getSession(sessionId);
  if (!session) return reject(ws, "Invalid session");
  const user = findUser(session.userId);
  if (!user) return reject(ws, "User not found");
  return { userId: user.id, name: user.name };
}

function reject(ws: WebSocket, reason: string): undefined {
  send(ws, { error: reason });
  ws.close(4001, reason);
  return undefined;
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
function answer(ws: WebSocket, message: unknown): unknown {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return { error: "Expected a JSON object with a type" };
  }
  const { type, boardId, text } = message as Record<string, unknown>;
  switch (type) {
    case "echo":
      return { type: "echo", text };
    case "whoami":
      return { type: "whoami", user: socketUsers.get(ws) };
    case "join":
      if (typeof boardId !== "string" || boardId === "") {
        return { error: "join needs a boardId" };
      }
      joinRoom(boardId, ws);
      return { type: "joined", boardId, size: getRoomSize(boardId) };
    case "leave":
      if (typeof boardId !== "string" || boardId === "") {
        return { error: "leave needs a boardId" };
      }
      leaveRoom(boardId, ws);
      return { type: "left", boardId };
    default:
      return { error: `Unknown message type: ${String(type)}` };
  }
}

/** Forgets everything about a socket that closed, however it closed. */
export function handleDisconnect(ws: WebSocket): void {
  leaveAllRooms(ws);
  socketUsers.delete(ws);
  // TODO(handling-disconnects): aliveMap.delete(ws).
}

function send(ws: WebSocket, data: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(data));
}
