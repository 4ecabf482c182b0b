import db from "./db.js";

/** A row of `users`. */
export interface User {
  id: string;
  name: string;
  email: string;
}

/** The user with this e-mail address (compared without regard to case), or undefined. */
export function findUserByEmail(email: string): User | undefined {
  return db
    .prepare("SELECT id, name, email FROM users WHERE email = ? COLLATE NOCASE")
    .get(email.trim()) as User | undefined;
}

/** The user with this id, or undefined. */
export function findUser(id: string): User | undefined {
  return db.prepare("SELECT id, name, email FROM users WHERE id = ?").get(id) as User | undefined;
}
