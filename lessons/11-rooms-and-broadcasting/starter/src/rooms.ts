import type { WebSocket } from "ws";

// TODO(rooms-and-broadcasting): keep the rooms in a module-level Map<string, Set<WebSocket>>
// (room id = board id). A Set holds each socket once, however often it joins.

/** Puts `ws` in a room (joining twice changes nothing). */
export function joinRoom(_roomId: string, _ws: WebSocket): void {
  // TODO(rooms-and-broadcasting): create the room's Set on first use, then add the socket.
}

/** Takes `ws` out of a room; a room left empty is forgotten. */
export function leaveRoom(_roomId: string, _ws: WebSocket): void {
  // TODO(rooms-and-broadcasting): delete the socket from the room's Set; delete the room once it is empty.
}

/** Takes `ws` out of every room it is in (when the socket closes). */
export function leaveAllRooms(_ws: WebSocket): void {
  // TODO(rooms-and-broadcasting): remove the socket from every room, dropping rooms that become empty.
}

/**
 * Sends `data` as JSON to every open socket of a room except `exclude`.
 * The JSON is built once, however many sockets there are.
 */
export function broadcastToRoom(_roomId: string, _data: unknown, _exclude?: WebSocket): void {
  // TODO(rooms-and-broadcasting): JSON.stringify(data) once, then send it to each socket of the room
  // that is not `exclude` and whose readyState is WebSocket.OPEN.
}

/** How many sockets are in a room (0 for a room nobody joined). */
export function getRoomSize(_roomId: string): number {
  // TODO(rooms-and-broadcasting): the size of the room's Set, or 0.
  return 0;
}
