import Database from "better-sqlite3";
import { config } from "./config.js";

/** The one SQLite connection the whole server shares. */
const db = new Database(config.databasePath);

// TODO(project-setup): switch the database to WAL mode (db.pragma("journal_mode = WAL"))
// and turn on foreign keys (db.pragma("foreign_keys = ON")).

// TODO(project-setup): create the four tables with db.exec(`CREATE TABLE IF NOT EXISTS …`):
//   users  (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE)
//   boards (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT <ISO now>)
//   lists  (id TEXT PRIMARY KEY, board_id TEXT NOT NULL REFERENCES boards(id),
//           name TEXT NOT NULL, position INTEGER NOT NULL DEFAULT 0)
//   tasks  (id TEXT PRIMARY KEY, list_id TEXT NOT NULL REFERENCES lists(id), title TEXT NOT NULL,
//           description TEXT, assignee_id TEXT REFERENCES users(id),
//           position INTEGER NOT NULL DEFAULT 0,
//           created_at TEXT NOT NULL DEFAULT <ISO now>, updated_at TEXT NOT NULL DEFAULT <ISO now>)
// For <ISO now> use (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), not datetime('now').

// TODO(project-setup): once the tables exist, call seed(db) from ./seed.js.

export default db;
