import type { WebSocket } from "ws";

/** A user looking at a board, as clients see them. */
export interface Viewer {
  userId: string;
  name: string;
}

// TODO(presence): keep one entry { ws, userId, name, joinedAt } per socket and room, e.g. in a
// Map<string, PresenceEntry[]> keyed by room id, and delete a room when its last entry goes.

/** Records that `ws`, signed in as `userId`, views `roomId`. The same socket twice is ignored. */
export function addPresence(_roomId: string, _ws: WebSocket, _userId: string, _name: string): void {
  // TODO(presence): add an entry unless this socket already has one in the room.
}

/** Removes the entry of `ws` from `roomId` and returns whose it was, or null when there was none. */
export function removePresence(_roomId: string, _ws: WebSocket): Viewer | null {
  // TODO(presence): remove the socket's entry and return { userId, name }.
  return null;
}

/** Removes `ws` from every room (when it closes) and returns what was removed, room by room. */
export function removePresenceFromAll(_ws: WebSocket): (Viewer & { roomId: string })[] {
  // TODO(presence): call removePresence() for every room and collect { roomId, userId, name }.
  return [];
}

/** The viewers of a room, one per user however many sockets they have open. */
export function getPresence(_roomId: string): Viewer[] {
  // TODO(presence): one { userId, name } per user: skip user ids you have already listed.
  return [];
}

/** True while `userId` has at least one socket in `roomId`. */
export function isPresent(_roomId: string, _userId: string): boolean {
  // TODO(presence)
  return false;
}

/** True when `ws` has joined `roomId`. */
export function hasSocket(_roomId: string, _ws: WebSocket): boolean {
  // TODO(presence)
  return false;
}
