import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { config } from "./config.js";
import { parseCookies } from "./cookies.js";
import { handleRawUpgrade, pathOf, refuseUpgrade } from "./handshake.js";
import {
  addPresence,
  hasSocket,
  isPresent,
  listViewers,
  removePresence,
  removePresenceFromAll,
  type Viewer,
} from "./presence.js";
import { broadcastToRoom, getRoomSize, joinRoom, leaveAllRooms, leaveRoom } from "./rooms.js";
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
    else if (!originAllowed(req.headers.origin, req.headers.host)) {
      refuseUpgrade(socket, 403, "Origin not allowed");
    } else created.handleUpgrade(req, socket, head, (ws) => created.emit("connection", ws, req));
  });
  created.on("connection", onConnection);
  return created;
}

/**
 * A missing Origin is a non-browser client. A browser's Origin must be on the list, or be
 * this server itself (same host and port as the request's Host): a page this server served.
 */
function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined || config.allowedOrigins.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Pings every socket each WS_HEARTBEAT_MS and terminates those that did not answer the last ping. */
export function setupHeartbeat(): NodeJS.Timeout {
  const server = wss;
  if (!server) throw new Error("Call setupWebSocketServer() before setupHeartbeat().");
  const timer = setInterval(() => {
    for (const ws of server.clients) {
      if (aliveMap.get(ws) === false) {
        // No pong since the last ping: the peer is gone. terminate() does not wait for a close frame.
        ws.terminate();
        continue;
      }
      aliveMap.set(ws, false);
      ws.ping();
    }
  }, config.wsHeartbeatMs);
  server.on("close", () => clearInterval(timer));
  return timer;
}

function onConnection(ws: WebSocket, req: IncomingMessage): void {
  ws.on("error", (error) => console.error(`[ws] ${error.message}`));
  ws.on("close", () => handleDisconnect(ws));

  const user = authenticate(ws, req);
  if (!user) return;
  socketUsers.set(ws, user);

  aliveMap.set(ws, true);
  ws.on("pong", () => aliveMap.set(ws, true));
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
  const reply = answer(ws, message);
  if (reply !== undefined) send(ws, reply);
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
      enterBoard(ws, boardId);
      return { type: "joined", boardId, size: getRoomSize(boardId) };
    case "leave":
      if (typeof boardId !== "string" || boardId === "") {
        return { error: "leave needs a boardId" };
      }
      leaveRoom(boardId, ws);
      announceLeft(boardId, removePresence(boardId, ws));
      return { type: "left", boardId };
    case "typing":
    case "stop_typing":
      return relayTyping(ws, type, boardId);
    default:
      return { error: `Unknown message type: ${String(type)}` };
  }
}

/** Forgets everything about a socket that closed, however it closed. */
export function handleDisconnect(ws: WebSocket): void {
  for (const { roomId, ...viewer } of removePresenceFromAll(ws)) announceLeft(roomId, viewer);
  leaveAllRooms(ws);
  socketUsers.delete(ws);
  aliveMap.delete(ws);
}

/**
 * Adds the socket's user to a board's viewers. The others hear `user_joined` when
 * this is the user's first socket there; the socket itself gets the viewer list.
 */
function enterBoard(ws: WebSocket, boardId: string): void {
  const user = socketUsers.get(ws);
  if (!user) return;
  const arriving = !isPresent(boardId, user.userId);
  addPresence(boardId, ws, user.userId, user.name);
  if (arriving) broadcastToRoom(boardId, { type: "user_joined", boardId, ...user }, ws);
  listViewers(boardId).then(
    (users) => send(ws, { type: "presence", boardId, users }),
    (error: Error) => send(ws, { error: `Could not read the viewers: ${error.message}` }),
  );
}

/** Tells a board that a viewer is gone, once their last socket there has left. */
function announceLeft(boardId: string, viewer: Viewer | null): void {
  if (!viewer || isPresent(boardId, viewer.userId)) return;
  broadcastToRoom(boardId, {
    type: "user_left",
    boardId,
    userId: viewer.userId,
    name: viewer.name,
  });
}

/**
 * Passes `typing` / `stop_typing` on to the other sockets of the board as
 * `user_typing` / `user_stopped_typing`. The typist gets no answer, only an error
 * when the board is not one the socket joined.
 */
function relayTyping(ws: WebSocket, type: "typing" | "stop_typing", boardId: unknown): unknown {
  const user = socketUsers.get(ws);
  if (!user || typeof boardId !== "string" || !hasSocket(boardId, ws)) {
    return { error: `${type} needs the boardId of a board you joined` };
  }
  const relayed = type === "typing" ? "user_typing" : "user_stopped_typing";
  broadcastToRoom(boardId, { type: relayed, boardId, ...user }, ws);
  return undefined;
}

function send(ws: WebSocket, data: unknown): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(data));
}
