import type { WebSocket } from "ws";

/** A user looking at a board, as clients see them. */
export interface Viewer {
  userId: string;
  name: string;
}

/** One open socket of a viewer in a room. A user with three tabs has three entries. */
interface PresenceEntry extends Viewer {
  ws: WebSocket;
  joinedAt: number;
}

/** Viewers kept where every instance can see them (Redis, scaling-real-time). */
export interface SharedPresence {
  /** Called when a user's first socket on this instance joins a room. */
  add(roomId: string, viewer: Viewer): void;
  /** Called when a user's last socket on this instance leaves a room. */
  remove(roomId: string, viewer: Viewer): void;
  /** The viewers of a room on every instance, one per user. */
  list(roomId: string): Promise<Viewer[]>;
}

/** Who is in each room on this instance, one entry per socket. Rooms without entries are removed. */
const presence = new Map<string, PresenceEntry[]>();
let shared: SharedPresence | undefined;

/** Shares this instance's viewers through `store` from now on. */
export function setSharedPresence(store: SharedPresence | undefined): void {
  shared = store;
}

/** Records that `ws`, signed in as `userId`, views `roomId`. The same socket twice is ignored. */
export function addPresence(roomId: string, ws: WebSocket, userId: string, name: string): void {
  const entries = presence.get(roomId) ?? [];
  if (entries.some((entry) => entry.ws === ws)) return;
  const arriving = !entries.some((entry) => entry.userId === userId);
  entries.push({ ws, userId, name, joinedAt: Date.now() });
  presence.set(roomId, entries);
  if (arriving) shared?.add(roomId, { userId, name });
}

/** Removes the entry of `ws` from `roomId` and returns whose it was, or null when there was none. */
export function removePresence(roomId: string, ws: WebSocket): Viewer | null {
  const entries = presence.get(roomId);
  const entry = entries?.find((e) => e.ws === ws);
  if (!entries || !entry) return null;
  const rest = entries.filter((e) => e !== entry);
  if (rest.length === 0) presence.delete(roomId);
  else presence.set(roomId, rest);
  const viewer = { userId: entry.userId, name: entry.name };
  if (!rest.some((e) => e.userId === entry.userId)) shared?.remove(roomId, viewer);
  return viewer;
}

/** Removes `ws` from every room (when it closes) and returns what was removed, room by room. */
export function removePresenceFromAll(ws: WebSocket): (Viewer & { roomId: string })[] {
  const removed: (Viewer & { roomId: string })[] = [];
  for (const roomId of [...presence.keys()]) {
    const viewer = removePresence(roomId, ws);
    if (viewer) removed.push({ roomId, ...viewer });
  }
  return removed;
}

/** The viewers of a room on this instance, one per user however many sockets they have open. */
export function getPresence(roomId: string): Viewer[] {
  const seen = new Map<string, Viewer>();
  for (const { userId, name } of presence.get(roomId) ?? []) {
    if (!seen.has(userId)) seen.set(userId, { userId, name });
  }
  return [...seen.values()];
}

/** True while `userId` has at least one socket in `roomId`. */
export function isPresent(roomId: string, userId: string): boolean {
  return presence.get(roomId)?.some((e) => e.userId === userId) ?? false;
}

/** True when `ws` has joined `roomId`. */
export function hasSocket(roomId: string, ws: WebSocket): boolean {
  return presence.get(roomId)?.some((e) => e.ws === ws) ?? false;
}

/** The viewers of a room on every instance when they are shared, else on this one. */
export function listViewers(roomId: string): Promise<Viewer[]> {
  return shared ? shared.list(roomId) : Promise.resolve(getPresence(roomId));
}

/** Every room of this instance with its viewers, for the shared store to refresh. */
export function localViewers(): Map<string, Viewer[]> {
  const rooms = new Map<string, Viewer[]>();
  for (const roomId of presence.keys()) rooms.set(roomId, getPresence(roomId));
  return rooms;
}
