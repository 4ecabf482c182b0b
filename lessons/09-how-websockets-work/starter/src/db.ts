import Database from "better-sqlite3";
import { config } from "./config.js";
import { seed } from "./seed.js";

/** The one SQLite connection the whole server shares. */
const db = new Database(config.databasePath);

// WAL lets readers (polling clients) run while a write is in progress.
db.pragma("journal_mode = WAL");
// SQLite ignores REFERENCES clauses unless each connection turns this on.
db.pragma("foreign_keys = ON");

const NOW_ISO = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

db.exec(`
  CREATE TABLE IF NOT EXISTS users (
    id    TEXT PRIMARY KEY,
    name  TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE
  );

  CREATE TABLE IF NOT EXISTS boards (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT ${NOW_ISO}
  );

  CREATE TABLE IF NOT EXISTS lists (
    id       TEXT PRIMARY KEY,
    board_id TEXT NOT NULL REFERENCES boards(id),
    name     TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE IF NOT EXISTS tasks (
    id          TEXT PRIMARY KEY,
    list_id     TEXT NOT NULL REFERENCES lists(id),
    title       TEXT NOT NULL,
    description TEXT,
    assignee_id TEXT REFERENCES users(id),
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL DEFAULT ${NOW_ISO},
    updated_at  TEXT NOT NULL DEFAULT ${NOW_ISO}
  );
`);

seed(db);

export default db;
