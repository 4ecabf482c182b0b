import { randomUUID } from "node:crypto";
import db from "./db.js";

/** A task as the API sends it: camelCase, with the board it lives on. */
export interface Task {
  id: string;
  listId: string;
  boardId: string;
  title: string;
  description: string | null;
  assigneeId: string | null;
  position: number;
  createdAt: string;
  updatedAt: string;
}

/** A row of `tasks` joined with its list's `board_id`, as SQLite returns it. */
export interface TaskRow {
  id: string;
  list_id: string;
  board_id: string;
  title: string;
  description: string | null;
  assignee_id: string | null;
  position: number;
  created_at: string;
  updated_at: string;
}

/** A row of `lists`. */
export interface List {
  id: string;
  boardId: string;
  name: string;
  position: number;
}

/** Maps a database row (snake_case) to the shape the API sends (camelCase). */
export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    listId: row.list_id,
    boardId: row.board_id,
    title: row.title,
    description: row.description,
    assigneeId: row.assignee_id,
    position: row.position,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Selects tasks with the board of their list; add a WHERE clause after it. */
export const TASK_SELECT = `
  SELECT t.*, l.board_id AS board_id
  FROM tasks t
  JOIN lists l ON l.id = t.list_id
`;

/** The list with this id, or undefined. */
export function findList(id: string): List | undefined {
  const row = db.prepare("SELECT id, board_id, name, position FROM lists WHERE id = ?").get(id) as
    | { id: string; board_id: string; name: string; position: number }
    | undefined;
  return row && { id: row.id, boardId: row.board_id, name: row.name, position: row.position };
}

/** The task with this id, or undefined. */
export function findTask(id: string): Task | undefined {
  const row = db.prepare(`${TASK_SELECT} WHERE t.id = ?`).get(id) as TaskRow | undefined;
  return row && toTask(row);
}

/** The position after the last task of a list (0 for an empty list). */
function nextPosition(listId: string): number {
  const row = db
    .prepare("SELECT COALESCE(MAX(position) + 1, 0) AS next FROM tasks WHERE list_id = ?")
    .get(listId) as { next: number };
  return row.next;
}

/** Inserts a task at the end of an existing list and returns it. */
export function createTask(input: { listId: string; title: string; description?: string }): Task {
  const id = `task-${randomUUID().slice(0, 8)}`;
  const now = new Date().toISOString();
  db.prepare(`
    INSERT INTO tasks (id, list_id, title, description, position, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
  `).run(
    id,
    input.listId,
    input.title,
    input.description ?? null,
    nextPosition(input.listId),
    now,
    now,
  );
  return findTask(id)!;
}

/** Moves an existing task to an existing list (at `position`, or at the end) and returns it. */
export function moveTask(id: string, input: { listId: string; position?: number }): Task {
  const position = input.position ?? nextPosition(input.listId);
  db.prepare("UPDATE tasks SET list_id = ?, position = ?, updated_at = ? WHERE id = ?").run(
    input.listId,
    position,
    new Date().toISOString(),
    id,
  );
  return findTask(id)!;
}

/** Deletes a task and returns it as it was, or undefined when there was no such task. */
export function deleteTask(id: string): Task | undefined {
  const task = findTask(id);
  if (task) db.prepare("DELETE FROM tasks WHERE id = ?").run(id);
  return task;
}

/** Every task of a board, in the order the board shows them: by list position, then task position. */
export function getBoardTasks(boardId: string): Task[] {
  // TODO(short-polling): `${TASK_SELECT} WHERE l.board_id = ? ORDER BY l.position, t.position`,
  // then map the rows with toTask.
  throw new Error(`TODO(short-polling): getBoardTasks(${boardId})`);
}

/** The tasks of a board changed after `since` (an ISO timestamp), oldest change first. */
export function getBoardTasksSince(boardId: string, since: string): Task[] {
  // TODO(short-polling): like getBoardTasks, but keep only rows with t.updated_at > since
  // and ORDER BY t.updated_at.
  throw new Error(`TODO(short-polling): getBoardTasksSince(${boardId}, ${since})`);
}
