import { randomUUID } from "node:crypto";

/** What the server remembers about a logged-in browser. */
export interface Session {
  userId: string;
  email: string;
  createdAt: number;
}

/** Sessions by id. They live in this process's memory, so a restart logs everyone out. */
const sessions = new Map<string, Session>();

/** Starts a session for a user and returns its id (the value of the `session` cookie). */
export function createSession(data: { userId: string; email: string }): string {
  const id = randomUUID();
  sessions.set(id, { ...data, createdAt: Date.now() });
  return id;
}

/** The session with this id, or undefined when there is none (never created, or logged out). */
export function getSession(id: string): Session | undefined {
  return sessions.get(id);
}

/** Ends a session; its cookie is worthless from now on. */
export function deleteSession(id: string): void {
  sessions.delete(id);
}
