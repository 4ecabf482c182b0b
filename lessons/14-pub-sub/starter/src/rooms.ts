import { WebSocket } from "ws";

/** The sockets in each room; a room is a board id. Empty rooms are deleted. */
const rooms = new Map<string, Set<WebSocket>>();

/** Puts `ws` in a room (joining twice changes nothing). */
export function joinRoom(roomId: string, ws: WebSocket): void {
  let room = rooms.get(roomId);
  if (!room) {
    room = new Set();
    rooms.set(roomId, room);
  }
  room.add(ws);
}

/** Takes `ws` out of a room; a room left empty is forgotten. */
export function leaveRoom(roomId: string, ws: WebSocket): void {
  const room = rooms.get(roomId);
  if (!room) return;
  room.delete(ws);
  if (room.size === 0) rooms.delete(roomId);
}

/** Takes `ws` out of every room it is in (when the socket closes). */
export function leaveAllRooms(ws: WebSocket): void {
  for (const [roomId, room] of rooms) {
    if (room.delete(ws) && room.size === 0) rooms.delete(roomId);
  }
}

/**
 * Sends `data` as JSON to every open socket of a room except `exclude`.
 * The JSON is built once, however many sockets there are.
 */
export function broadcastToRoom(roomId: string, data: unknown, exclude?: WebSocket): void {
  const room = rooms.get(roomId);
  if (!room) return;
  const text = JSON.stringify(data);
  for (const ws of room) {
    // A closing socket can no longer take messages; the close handler removes it soon.
    if (ws !== exclude && ws.readyState === WebSocket.OPEN) ws.send(text);
  }
}

/** How many sockets are in a room (0 for a room nobody joined). */
export function getRoomSize(roomId: string): number {
  return rooms.get(roomId)?.size ?? 0;
}

// TODO(pub-sub): subscribe((event) => …) from ./event-bus.js and, for every event,
// broadcastToRoom(event.boardId, { type: event.type, ...event.data }).
