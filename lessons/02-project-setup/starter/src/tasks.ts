// biome-ignore lint/correctness/noUnusedImports: the TODOs below use it.
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
export function findList(_id: string): List | undefined {
  // TODO(project-setup): SELECT the list by id (db.prepare(…).get(id)) and map board_id to boardId;
  // undefined when there is none.
  return undefined;
}

/** The task with this id, or undefined. */
export function findTask(_id: string): Task | undefined {
  // TODO(project-setup): db.prepare(`${TASK_SELECT} WHERE t.id = ?`).get(id), then toTask(row);
  // undefined when there is none.
  return undefined;
}

/** Inserts a task at the end of an existing list and returns it. */
export function createTask(input: { listId: string; title: string; description?: string }): Task {
  // TODO(project-setup): make an id (e.g. `task-${randomUUID().slice(0, 8)}` from node:crypto),
  // put the task after the last one of its list (MAX(position) + 1, or 0 for an empty list),
  // INSERT it with created_at = updated_at = new Date().toISOString(), and return findTask(id).
  throw new Error(`TODO(project-setup): createTask(${JSON.stringify(input)})`);
}

/** Moves an existing task to an existing list (at `position`, or at the end) and returns it. */
export function moveTask(id: string, input: { listId: string; position?: number }): Task {
  // TODO(project-setup): UPDATE list_id, position (input.position, or the end of the new list)
  // and updated_at = new Date().toISOString(); return findTask(id).
  throw new Error(`TODO(project-setup): moveTask(${id}, ${JSON.stringify(input)})`);
}

/** Deletes a task and returns it as it was, or undefined when there was no such task. */
export function deleteTask(id: string): Task | undefined {
  // TODO(project-setup): find the task, DELETE it when it exists, and return what you found.
  throw new Error(`TODO(project-setup): deleteTask(${id})`);
}
