/** What the server remembers about a logged-in browser. */
export interface Session {
  userId: string;
  email: string;
  createdAt: number;
}

// TODO(authentication-on-websockets): keep the sessions in a module-level Map<string, Session>.

/** Starts a session for a user and returns its id (the value of the `session` cookie). */
export function createSession(_data: { userId: string; email: string }): string {
  // TODO(authentication-on-websockets): store { ...data, createdAt: Date.now() } under crypto.randomUUID()
  // (from node:crypto) and return that id.
  throw new Error("TODO(authentication-on-websockets): createSession() is not written yet");
}

/** The session with this id, or undefined when there is none (never created, or logged out). */
export function getSession(_id: string): Session | undefined {
  // TODO(authentication-on-websockets): look the id up in the Map.
  return undefined;
}

/** Ends a session; its cookie is worthless from now on. */
export function deleteSession(_id: string): void {
  // TODO(authentication-on-websockets): delete the id from the Map.
}
