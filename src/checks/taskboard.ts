/**
 * Helpers shared by the checkers of the taskboard-api labs: tolerant readers for
 * task objects (a learner may send `listId` or `list_id`), read-only access to the
 * server's SQLite file, task mutations that later steps build on, and timed long polls.
 */
import { existsSync, statSync } from "node:fs";
import Database from "better-sqlite3";
import { check, checkStatus, fail, show } from "./assert.ts";
import type { HttpResult, PendingRequest, StepContext } from "./types.ts";

/** A JSON object as the learner's server sent it. */
export type Json = Record<string, unknown>;

/** True for a plain (non-array) object. */
export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The first of `names` that `obj` has (not undefined), e.g. `pick(task, "listId", "list_id")`. */
export function pick(obj: unknown, ...names: string[]): unknown {
  if (!isObject(obj)) return undefined;
  for (const name of names) if (obj[name] !== undefined) return obj[name];
  return undefined;
}

/** A task's id. */
export function taskIdOf(task: unknown): string | undefined {
  const id = pick(task, "id");
  return typeof id === "string" ? id : undefined;
}

/** A task's list id (`listId` or `list_id`). */
export function taskListIdOf(task: unknown): string | undefined {
  const value = pick(task, "listId", "list_id");
  return typeof value === "string" ? value : undefined;
}

/** A task's last-change time (`updatedAt` or `updated_at`). */
export function taskUpdatedAtOf(task: unknown): string | undefined {
  const value = pick(task, "updatedAt", "updated_at");
  return typeof value === "string" ? value : undefined;
}

/** A task's title. */
export function taskTitleOf(task: unknown): string | undefined {
  const value = pick(task, "title");
  return typeof value === "string" ? value : undefined;
}

/** The task inside a response body: `{ task }` as the course sends it, or a bare task. */
export function taskFromBody(body: unknown): Json | undefined {
  const inner = pick(body, "task");
  if (isObject(inner)) return inner;
  return isObject(body) && typeof body.id === "string" ? body : undefined;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** True for a full ISO 8601 date-time string such as `2025-03-01T12:00:00.000Z`. */
export function isIsoTimestamp(value: unknown): value is string {
  return typeof value === "string" && ISO_RE.test(value) && !Number.isNaN(Date.parse(value));
}

/** Fails unless `value` is an ISO 8601 date-time string; `what` names it in the message. */
export function checkIsoTimestamp(value: unknown, what: string): asserts value is string {
  check(isIsoTimestamp(value), `${what} is not an ISO 8601 timestamp.`, {
    expected: 'a string like "2025-03-01T12:00:00.000Z" (what new Date().toISOString() gives)',
    received: show(value),
  });
}

/** The parsed JSON body of `res`, failing with the body when it is not a JSON object. */
export function jsonObject(res: HttpResult): Json {
  const body = res.json();
  check(
    isObject(body),
    `${res.method} ${new URL(res.url).pathname} did not answer a JSON object.`,
    {
      expected: "a JSON object",
      received: show(body),
    },
  );
  return body;
}

/** Opens the server's SQLite file read-only, runs `fn`, and always closes the file again. */
export function withDatabase<T>(h: StepContext, fn: (db: Database.Database) => T): T {
  const path = h.server.databasePath;
  const size = existsSync(path) ? statSync(path).size : undefined;
  check(size !== undefined && size > 0, "Your server has written nothing to its database file.", {
    expected: `the tables of src/db.ts in the file named by DATABASE_PATH (${path})`,
    received: size === undefined ? "no file at that path" : "an empty file",
  });
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    fail(`Could not open the database file your server was given (DATABASE_PATH).`, {
      expected: `a SQLite file at ${h.server.databasePath}`,
      received: error instanceof Error ? error.message : String(error),
    });
  }
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** A task as stored in the database, with the position of its list. */
export interface StoredTask {
  id: string;
  listId: string;
  listPosition: number;
  position: number;
  updatedAt: string;
}

/** The tasks of a board straight from the database, in board order (list position, then task position). */
export function boardTasksFromDb(h: StepContext, boardId: string): StoredTask[] {
  return withDatabase(h, (db) =>
    db
      .prepare(
        `SELECT t.id AS id, t.list_id AS listId, l.position AS listPosition,
                t.position AS position, t.updated_at AS updatedAt
         FROM tasks t JOIN lists l ON l.id = t.list_id
         WHERE l.board_id = ? ${hasColumn(db, "tasks", "deleted_at") ? "AND t.deleted_at IS NULL" : ""}
         ORDER BY l.position, t.position, t.id`,
      )
      .all(boardId),
  ) as StoredTask[];
}

/** True when `table` has a column `column` (for optional additions such as soft deletes). */
export function hasColumn(db: Database.Database, table: string, column: string): boolean {
  const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  return columns.some((c) => c.name === column);
}

/** The lists of a board straight from the database, by position. */
export function boardListsFromDb(
  h: StepContext,
  boardId: string,
): { id: string; position: number }[] {
  return withDatabase(h, (db) =>
    db
      .prepare("SELECT id, position FROM lists WHERE board_id = ? ORDER BY position, id")
      .all(boardId),
  ) as { id: string; position: number }[];
}

/** The first list of a board (by position), failing when the board has none. */
export function firstListOf(h: StepContext, boardId: string): string {
  const lists = boardListsFromDb(h, boardId);
  check(lists.length > 0, `The database has no list on ${boardId}.`, {
    expected: `at least one row in lists with board_id = '${boardId}' (seed it in src/db.ts)`,
    received: "none",
  });
  return lists[0]!.id;
}

/** `POST /tasks` and returns the created task; fails unless the server answers 201 (or 200) with it. */
export async function createTask(
  h: StepContext,
  input: { listId: string; title: string; description?: string },
): Promise<Json> {
  const res = await h.http.post("/tasks", input);
  checkStatus(res, 201, 200);
  const task = taskFromBody(res.json());
  check(task && taskIdOf(task), "POST /tasks did not answer with the created task.", {
    expected: '{ "task": { "id": …, "title": … } }',
    received: show(res.json()),
  });
  return task;
}

/** `PATCH /tasks/:id/move` and returns the moved task; fails unless the server answers 200. */
export async function moveTask(
  h: StepContext,
  id: string,
  listId: string,
  position?: number,
): Promise<Json> {
  const body = position === undefined ? { listId } : { listId, position };
  const res = await h.http.patch(`/tasks/${id}/move`, body);
  checkStatus(res, 200);
  const task = taskFromBody(res.json());
  check(task, `PATCH /tasks/${id}/move did not answer with the moved task.`, {
    expected: '{ "task": { "id": …, "listId": … } }',
    received: show(res.json()),
  });
  return task;
}

/** `DELETE /tasks/:id`; fails unless the server answers 200 or 204. */
export async function deleteTask(h: StepContext, id: string): Promise<void> {
  const res = await h.http.delete(`/tasks/${id}`);
  checkStatus(res, 200, 204);
}

/**
 * True when one item of a change report (long poll `data`, an event) is about `taskId`:
 * the task itself, `{ type, task }`, or `{ type, taskId }`.
 */
export function describesTask(item: unknown, taskId: string): boolean {
  if (!isObject(item)) return false;
  if (item.id === taskId || item.taskId === taskId || item.task_id === taskId) return true;
  return isObject(item.task) && item.task.id === taskId;
}

/** `data` of a change report as a list: an array as it is, a single object as a list of one. */
export function changeList(data: unknown): unknown[] {
  if (Array.isArray(data)) return data;
  return isObject(data) ? [data] : [];
}

/** What a finished request came to. */
export interface Outcome {
  res?: HttpResult;
  error?: unknown;
  /** `performance.now()` when it finished. */
  at: number;
}

/** A long poll in flight, with the times it started and finished. */
export interface Poll {
  readonly path: string;
  /** Its actor in the transcript (`http` when it was given no name). */
  readonly name: string;
  readonly request: PendingRequest;
  readonly startedAt: number;
  /** `performance.now()` when it finished; undefined while it is still open. */
  readonly settledAt: number | undefined;
  /** Resolves (never rejects) when the request finishes, however it finished. */
  readonly done: Promise<Outcome>;
}

/** Starts `GET path` without waiting, recording when it finishes; it is aborted at teardown. */
export function startPoll(h: StepContext, path: string, name?: string): Poll {
  const startedAt = performance.now();
  const request = h.http.start("GET", path, name ? { name } : {});
  let settledAt: number | undefined;
  const done = request.result.then(
    (res) => {
      settledAt = performance.now();
      return { res, at: settledAt };
    },
    (error: unknown) => {
      settledAt = performance.now();
      return { error, at: settledAt };
    },
  );
  h.onTeardown(() => {
    if (settledAt === undefined) request.abort();
  });
  return {
    path,
    name: name ?? "http",
    request,
    startedAt,
    get settledAt() {
      return settledAt;
    },
    done,
  };
}

/** Waits until `poll` finishes or `ms` pass; true when it finished. */
export async function settlesWithin(poll: Poll, ms: number): Promise<boolean> {
  if (poll.settledAt !== undefined) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([poll.done.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Describes how a poll ended, for failure messages. */
export function describeOutcome(poll: Poll, outcome: Outcome): string {
  const after = `after ${Math.round(outcome.at - poll.startedAt)} ms`;
  if (outcome.res) {
    const text =
      outcome.res.text.length > 200 ? `${outcome.res.text.slice(0, 200)}…` : outcome.res.text;
    return `status ${outcome.res.status} ${after}, body ${text || "(empty)"}`;
  }
  const message = outcome.error instanceof Error ? outcome.error.message : String(outcome.error);
  return `an error ${after}: ${message}`;
}

/** Fails unless `poll` is still open; `what` says why it should be. */
export async function checkStillOpen(poll: Poll, what: string): Promise<void> {
  if (poll.settledAt === undefined) return;
  const outcome = await poll.done;
  fail(`GET ${poll.path} answered, but ${what}.`, {
    expected: "the request to stay open",
    received: describeOutcome(poll, outcome),
    actor: poll.name,
  });
}

/** The response of a finished poll, failing when it ended with an error instead. */
export async function pollResponse(poll: Poll): Promise<HttpResult> {
  const outcome = await poll.done;
  if (!outcome.res) {
    fail(`GET ${poll.path} ended without a response.`, {
      expected: "an HTTP response",
      received: describeOutcome(poll, outcome),
      actor: poll.name,
    });
  }
  return outcome.res;
}
