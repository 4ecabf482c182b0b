import type Database from "better-sqlite3";
import { check, checkEqual, checkStatus, fail, show } from "../../src/checks/assert.ts";
import {
  hasColumn,
  isIsoTimestamp,
  taskIdOf,
  taskListIdOf,
  taskTitleOf,
  withDatabase,
} from "../../src/checks/taskboard.ts";
import { defineChecker, type StepContext } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

interface Column {
  name: string;
  notnull: number;
  pk: number;
}

/** The columns each table must have, and which of them must be NOT NULL. */
const TABLES: Record<string, { columns: string[]; notNull: string[] }> = {
  users: { columns: ["id", "name", "email"], notNull: ["name", "email"] },
  boards: { columns: ["id", "name", "created_at"], notNull: ["name", "created_at"] },
  lists: {
    columns: ["id", "board_id", "name", "position"],
    notNull: ["board_id", "name", "position"],
  },
  tasks: {
    columns: [
      "id",
      "list_id",
      "title",
      "description",
      "assignee_id",
      "position",
      "created_at",
      "updated_at",
    ],
    notNull: ["list_id", "title", "position", "created_at", "updated_at"],
  },
};

/** Foreign keys the course defines: table.column → referenced table. */
const FOREIGN_KEYS = [
  { table: "lists", from: "board_id", to: "boards" },
  { table: "tasks", from: "list_id", to: "lists" },
  { table: "tasks", from: "assignee_id", to: "users" },
];

const SEED_USERS = [
  { id: "user-alice", name: "Alice", email: "alice@example.com" },
  { id: "user-bob", name: "Bob", email: "bob@example.com" },
  { id: "user-carol", name: "Carol", email: "carol@example.com" },
];

const BOARD_1_LISTS = ["list-todo", "list-doing", "list-done"];

export default defineChecker({
  steps: [
    {
      slug: "health",
      title: "GET /health answers 200",
      nudge:
        "Start with `src/routes/health.ts` and the list of handlers that `setup()` in `src/app.ts` gives the server.",
      concept:
        "A health route is the smallest request a server can answer: if it works, the server is up on the port it was given and its routes are wired in, so every later check has something to talk to.",
      hint: 'Add a route in src/routes/health.ts: route.get("/health", { resolve: () => Response.json({ status: "ok" }) }), and list it in the handlers of setup() in src/app.ts.',
      async run(h) {
        const res = await h.http.get("/health");
        checkStatus(res, 200);
        h.log.pass("GET /health answered 200");
      },
    },
    {
      slug: "schema",
      title: "the four tables exist with the course's columns and constraints",
      nudge:
        "Look at the table definitions in `src/db.ts` and compare each column with the TODO there and the model in the lesson.",
      concept:
        "Each child row points at its parent (lists at boards, tasks at lists and users), and the constraints let the database itself refuse a missing title, a duplicate email or a row whose parent does not exist.",
      hint: "In src/db.ts, open the database at config.databasePath (DATABASE_PATH) and run CREATE TABLE IF NOT EXISTS for users, boards, lists and tasks with the columns of the lesson: TEXT ids as PRIMARY KEY, NOT NULL where the lesson says so, email UNIQUE, and REFERENCES for board_id, list_id and assignee_id.",
      async run(h) {
        withDatabase(h, (db) => {
          for (const [table, spec] of Object.entries(TABLES)) {
            const columns = db.prepare(`PRAGMA table_info(${table})`).all() as Column[];
            check(columns.length > 0, `The database has no table "${table}".`, {
              expected: `CREATE TABLE IF NOT EXISTS ${table} (...) in src/db.ts`,
              received: `tables: ${show(tableNames(db))}`,
            });
            const names = columns.map((c) => c.name);
            const missing = spec.columns.filter((c) => !names.includes(c));
            check(missing.length === 0, `Table "${table}" lacks column(s) ${missing.join(", ")}.`, {
              expected: `columns ${spec.columns.join(", ")}`,
              received: `columns ${names.join(", ")}`,
            });
            const id = columns.find((c) => c.name === "id")!;
            check(id.pk > 0, `"${table}.id" is not the primary key.`, {
              expected: "id TEXT PRIMARY KEY",
              received: `id without PRIMARY KEY`,
            });
            for (const name of spec.notNull) {
              const column = columns.find((c) => c.name === name)!;
              check(column.notnull === 1, `"${table}.${name}" accepts NULL.`, {
                expected: `${name} … NOT NULL`,
                received: `${name} without NOT NULL`,
              });
            }
            h.log.pass(`table ${table}: ${spec.columns.join(", ")}`);
          }

          check(hasUniqueIndexOn(db, "users", "email"), `"users.email" is not UNIQUE.`, {
            expected: "email TEXT NOT NULL UNIQUE",
            received: "no unique constraint on users.email",
          });
          h.log.pass("users.email is UNIQUE");

          for (const fk of FOREIGN_KEYS) {
            const keys = db.prepare(`PRAGMA foreign_key_list(${fk.table})`).all() as {
              table: string;
              from: string;
            }[];
            check(
              keys.some((k) => k.from === fk.from && k.table === fk.to),
              `"${fk.table}.${fk.from}" does not reference ${fk.to}.`,
              {
                expected: `${fk.from} TEXT … REFERENCES ${fk.to}(id)`,
                received: keys.length
                  ? keys.map((k) => `${k.from} → ${k.table}`).join(", ")
                  : "no REFERENCES clause",
              },
            );
          }
          h.log.pass("lists.board_id, tasks.list_id and tasks.assignee_id are foreign keys");
        });
      },
    },
    {
      slug: "wal-mode",
      title: "the database file is in WAL mode",
      nudge: "Look at what `src/db.ts` does right after it opens the database file.",
      concept:
        "In WAL mode SQLite appends changes to a separate log, so readers carry on while someone writes; with many clients asking for news while others change tasks, readers must not wait on writers.",
      hint: 'Right after opening the database in src/db.ts, call db.pragma("journal_mode = WAL"). The mode is stored in the file, so the checker sees it.',
      async run(h) {
        const mode = withDatabase(h, (db) => db.pragma("journal_mode", { simple: true }));
        checkEqual(String(mode).toLowerCase(), "wal", "PRAGMA journal_mode of the database file");
        h.log.pass("journal_mode is wal");
      },
    },
    {
      slug: "seed",
      title: "seed data: Alice, Bob, Carol, board-1 with its three lists, board-2",
      nudge:
        "Look at `seed()` in `src/seed.ts` and at whether `src/db.ts` calls it when the database is fresh and empty.",
      concept:
        "The checker always starts your server on a brand-new database file, so the known users, boards and lists must be created on first start, and only when the database is still empty so a restart does not add them twice.",
      hint: "Seed an empty database when src/db.ts starts (see src/seed.ts): users user-alice, user-bob, user-carol; boards board-1 and board-2; lists list-todo, list-doing, list-done on board-1 at positions 0, 1, 2; one or more lists on board-2; a few tasks on board-1.",
      async run(h) {
        withDatabase(h, (db) => {
          for (const user of SEED_USERS) {
            const row = db.prepare("SELECT id, name, email FROM users WHERE id = ?").get(user.id);
            checkEqual(row, user, `The users row with id '${user.id}'`);
          }
          h.log.pass("users user-alice, user-bob and user-carol");

          for (const board of ["board-1", "board-2"]) {
            const row = db.prepare("SELECT id FROM boards WHERE id = ?").get(board);
            check(row, `The boards table has no row with id '${board}'.`, {
              expected: `a board '${board}'`,
              received: `boards ${show(ids(db, "SELECT id FROM boards"))}`,
            });
          }
          h.log.pass("boards board-1 and board-2");

          const lists = ids(
            db,
            "SELECT id FROM lists WHERE board_id = 'board-1' ORDER BY position, id",
          );
          const inOrder = lists.filter((id) => BOARD_1_LISTS.includes(id));
          checkEqual(inOrder, BOARD_1_LISTS, "The lists of board-1, ordered by position");
          h.log.pass("board-1 has list-todo, list-doing, list-done in this order");

          const board2Lists = ids(db, "SELECT id FROM lists WHERE board_id = 'board-2'");
          check(board2Lists.length > 0, "board-2 has no list.", {
            expected: "one or more lists with board_id 'board-2'",
            received: "none",
          });
          h.log.pass(`board-2 has ${board2Lists.length} list(s)`);

          const tasks = ids(
            db,
            "SELECT t.id FROM tasks t JOIN lists l ON l.id = t.list_id WHERE l.board_id = 'board-1'",
          );
          check(tasks.length > 0, "board-1 has no task.", {
            expected: "a few seeded tasks in board-1's lists",
            received: "none",
          });
          h.log.pass(`board-1 has ${tasks.length} task(s)`);
        });
      },
    },
    {
      slug: "create-task",
      title: "POST /tasks creates a task and answers 201 { task }",
      nudge:
        "Look at the POST /tasks route in `src/routes/tasks.ts` and at `createTask()` in `src/tasks.ts`.",
      concept:
        "Creating something over REST means storing it and answering 201 Created with the new resource, so the client learns its id at once; every timestamp must have the same ISO shape, because later lessons compare them as text.",
      hint: "In src/routes/tasks.ts, validate the body, insert the row with createTask() from src/tasks.ts (ISO timestamps from new Date().toISOString()), and answer Response.json({ task }, { status: 201 }).",
      async run(h) {
        const title = "Write the release notes";
        const res = await h.http.post("/tasks", {
          listId: "list-todo",
          title,
          description: "Two paragraphs, no jargon",
        });
        checkStatus(res, 201);
        h.log.pass("POST /tasks answered 201");

        const body = res.json();
        const task = (body as { task?: unknown })?.task;
        check(task && typeof task === "object", "The response body has no `task` object.", {
          expected: '{ "task": { "id": …, "listId": "list-todo", "title": … } }',
          received: show(body),
        });
        const id = taskIdOf(task);
        check(id, "The created task has no string `id`.", { received: show(task) });
        checkEqual(taskTitleOf(task), title, "The created task's title");
        checkEqual(taskListIdOf(task), "list-todo", "The created task's listId");
        h.log.pass(`the response holds the task ${id}`);

        const row = withDatabase(h, (db) =>
          db
            .prepare("SELECT list_id, title, created_at, updated_at FROM tasks WHERE id = ?")
            .get(id),
        ) as { list_id: string; title: string; created_at: string; updated_at: string } | undefined;
        check(row, `The tasks table has no row with id '${id}'.`, {
          expected: "the task to be stored in the database",
          received: "no row",
        });
        check(
          isIsoTimestamp(row.created_at) && isIsoTimestamp(row.updated_at),
          "The stored timestamps are not ISO 8601 strings.",
          {
            expected:
              'created_at and updated_at like "2025-03-01T12:00:00.000Z" (new Date().toISOString())',
            received: `created_at ${show(row.created_at)}, updated_at ${show(row.updated_at)}`,
          },
        );
        h.log.pass("the task is stored with ISO timestamps");
        h.state.set("taskId", id);
        h.state.set("taskUpdatedAt", row.updated_at);
      },
    },
    {
      slug: "create-validation",
      title: "POST /tasks rejects invalid bodies with 400",
      nudge:
        "Look at how the POST /tasks route reads and checks its body before it gets anywhere near the database (`readBody()` in `src/responses.ts`).",
      concept:
        "Input from a client cannot be trusted: malformed JSON or a missing or empty field is the client's mistake and gets a 400 in the shared error shape, and checking comes before writing so a bad request leaves no row behind.",
      hint: 'In src/routes/tasks.ts, read the body with await c.request.json() inside try/catch (malformed JSON → 400) and check it with a zod schema (listId: non-empty string, title: non-empty string); on failure answer 400 { error: { code: "VALIDATION_ERROR", message, details } } before touching the database.',
      async run(h) {
        const before = countTasks(h);
        const cases: { what: string; body?: unknown; rawBody?: string }[] = [
          { what: "a body without title", body: { listId: "list-todo" } },
          { what: "an empty title", body: { listId: "list-todo", title: "" } },
          { what: "a body without listId", body: { title: "No list" } },
          { what: "a title that is not a string", body: { listId: "list-todo", title: 42 } },
          { what: "malformed JSON", rawBody: '{"listId": "list-todo", "title": ' },
        ];
        for (const c of cases) {
          const res = c.rawBody
            ? await h.http.post("/tasks", undefined, {
                rawBody: c.rawBody,
                headers: { "content-type": "application/json" },
              })
            : await h.http.post("/tasks", c.body);
          if (res.status !== 400) {
            fail(`POST /tasks with ${c.what} answered ${res.status}.`, {
              expected: "status 400 with the validation problems",
              received: `status ${res.status}, body ${res.text.slice(0, 200) || "(empty)"}`,
            });
          }
          h.log.pass(`${c.what} → 400`);
        }
        checkEqual(countTasks(h), before, "The number of rows in tasks after the invalid requests");
        h.log.pass("no task was stored by the invalid requests");
      },
    },
    {
      slug: "create-unknown-list",
      title: "POST /tasks to an unknown list answers 404",
      nudge: "Look at what the POST /tasks route does when the listId it receives names no list.",
      concept:
        "A list that does not exist is a missing resource, so the honest answer is 404 Not Found; letting the foreign key fail deep inside SQLite turns the client's mistake into a 500 that looks like a server bug.",
      hint: 'Before inserting in src/routes/tasks.ts, look the list up (findList in src/tasks.ts) and answer 404 { error: { code: "NOT_FOUND", message } } when it does not exist.',
      async run(h) {
        const res = await h.http.post("/tasks", { listId: "list-does-not-exist", title: "Lost" });
        checkStatus(res, 404);
        h.log.pass("unknown listId → 404");
      },
    },
    {
      slug: "move-task",
      title: "PATCH /tasks/:id/move moves the task and answers 200 { task }",
      nudge:
        "Look at the PATCH /tasks/:id/move route and at `moveTask()` in `src/tasks.ts`, especially which columns the update touches.",
      concept:
        "A move changes where a task lives, and it also counts as a change to the task: a fresh updated_at is how the polling clients of the next lessons find out that it moved.",
      hint: "In src/routes/tasks.ts, validate { listId, position? }, call moveTask() from src/tasks.ts (UPDATE list_id, position and updated_at = new Date().toISOString()), and answer Response.json({ task }).",
      async run(h) {
        const id = h.state.get("taskId") as string;
        const updatedBefore = h.state.get("taskUpdatedAt") as string;
        await h.sleep(20);
        const res = await h.http.patch(`/tasks/${id}/move`, { listId: "list-done" });
        checkStatus(res, 200);
        h.log.pass(`PATCH /tasks/${id}/move answered 200`);

        const task = (res.json() as { task?: unknown })?.task;
        check(task && typeof task === "object", "The response body has no `task` object.", {
          expected: '{ "task": { "id": …, "listId": "list-done", … } }',
          received: show(res.json()),
        });
        checkEqual(taskListIdOf(task), "list-done", "The moved task's listId");
        h.log.pass("the response shows the task in list-done");

        const row = withDatabase(h, (db) =>
          db.prepare("SELECT list_id, updated_at FROM tasks WHERE id = ?").get(id),
        ) as { list_id: string; updated_at: string } | undefined;
        checkEqual(row?.list_id, "list-done", `list_id of '${id}' in the database`);
        check(
          isIsoTimestamp(row?.updated_at) && Date.parse(row.updated_at) > Date.parse(updatedBefore),
          "The move did not advance updated_at.",
          {
            expected: `an ISO timestamp later than ${updatedBefore}`,
            received: show(row?.updated_at),
          },
        );
        h.log.pass("the row moved and its updated_at advanced");
      },
    },
    {
      slug: "move-not-found",
      title: "moving an unknown task, or to an unknown list, is refused",
      nudge:
        "Look at the two lookups the move route needs: the task named in the path and the list named in the body.",
      concept:
        "An unknown task and an unknown target list are both the client's mistake, so each must end in a clean 4xx; without the check SQLite's foreign key throws and the server answers 500 as if it had crashed.",
      hint: "In the move route of src/routes/tasks.ts, answer 404 when findTask(id) finds nothing, and 404 when the target list does not exist (with foreign_keys on, SQLite would otherwise throw and the server would answer 500).",
      async run(h) {
        const res = await h.http.patch("/tasks/task-does-not-exist/move", { listId: "list-done" });
        checkStatus(res, 404);
        h.log.pass("unknown task → 404");

        const id = h.state.get("taskId") as string;
        const toNowhere = await h.http.patch(`/tasks/${id}/move`, {
          listId: "list-does-not-exist",
        });
        if (toNowhere.status < 400 || toNowhere.status >= 500) {
          fail(`PATCH /tasks/${id}/move to an unknown list answered ${toNowhere.status}.`, {
            expected: "status 404 (or another 4xx)",
            received: `status ${toNowhere.status}, body ${toNowhere.text.slice(0, 200) || "(empty)"}`,
          });
        }
        h.log.pass(`unknown list → ${toNowhere.status}`);
      },
    },
    {
      slug: "delete-task",
      title: "DELETE /tasks/:id removes the task",
      nudge: "Look at the DELETE /tasks/:id route and at `deleteTask()` in `src/tasks.ts`.",
      concept:
        "A delete removes the task for good and answers with success (200 naming the deleted id, or 204 with no body), so the task is gone from every later read.",
      hint: "In src/routes/tasks.ts, call deleteTask() from src/tasks.ts and answer 200 { taskId } (or 204) when a row was deleted.",
      async run(h) {
        const id = h.state.get("taskId") as string;
        const res = await h.http.delete(`/tasks/${id}`);
        checkStatus(res, 200, 204);
        h.log.pass(`DELETE /tasks/${id} answered ${res.status}`);
        // A soft delete (a deleted_at column, an exercise of short-polling) counts as deleted too.
        const row = withDatabase(h, (db) =>
          db
            .prepare(
              hasColumn(db, "tasks", "deleted_at")
                ? "SELECT id FROM tasks WHERE id = ? AND deleted_at IS NULL"
                : "SELECT id FROM tasks WHERE id = ?",
            )
            .get(id),
        );
        check(!row, `The task '${id}' is still in the database.`, {
          expected: "no row",
          received: show(row),
        });
        h.log.pass("the row is gone");
      },
    },
    {
      slug: "delete-not-found",
      title: "deleting it again answers 404",
      nudge: "Look at what `deleteTask()` tells the route when there was no row to delete.",
      concept:
        "Deleting something that is already gone is a request about a missing resource, so it gets 404; the route can only tell the two cases apart if the delete reports whether it really removed a row.",
      hint: 'deleteTask() must tell whether a row was deleted (better-sqlite3\'s run() returns { changes }); answer 404 { error: { code: "NOT_FOUND", … } } when none was.',
      async run(h) {
        const id = h.state.get("taskId") as string;
        const res = await h.http.delete(`/tasks/${id}`);
        checkStatus(res, 404);
        h.log.pass("second DELETE → 404");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});

/** Names of the tables in the database file. */
function tableNames(db: Database.Database): string[] {
  return ids(db, "SELECT name AS id FROM sqlite_master WHERE type = 'table' ORDER BY name");
}

/** The `id` column of every row `sql` returns. */
function ids(db: Database.Database, sql: string): string[] {
  return (db.prepare(sql).all() as { id: string }[]).map((r) => r.id);
}

/** True when a UNIQUE index (or constraint) covers exactly `column` of `table`. */
function hasUniqueIndexOn(db: Database.Database, table: string, column: string): boolean {
  const indexes = db.prepare(`PRAGMA index_list(${table})`).all() as {
    name: string;
    unique: number;
  }[];
  return indexes.some((index) => {
    if (index.unique !== 1) return false;
    const cols = db.prepare(`PRAGMA index_info("${index.name}")`).all() as { name: string }[];
    return cols.length === 1 && cols[0]!.name === column;
  });
}

/** How many rows the tasks table holds. */
function countTasks(h: StepContext): number {
  return withDatabase(
    h,
    (db) => (db.prepare("SELECT COUNT(*) AS n FROM tasks").get() as { n: number }).n,
  );
}
