import { check, checkEqual, checkStatus, fail, show } from "../../src/checks/assert.ts";
import {
  boardTasksFromDb,
  checkIsoTimestamp,
  createTask,
  firstListOf,
  isObject,
  jsonObject,
  moveTask,
  type StoredTask,
  taskIdOf,
  taskUpdatedAtOf,
  withDatabase,
} from "../../src/checks/taskboard.ts";
import { defineChecker, type StepContext } from "../../src/checks/types.ts";
import { lessonQuizSteps } from "../../src/quiz/steps.ts";

const FUTURE = "2099-01-01T00:00:00.000Z";
const PAST = "2000-01-01T00:00:00.000Z";

/** `GET /boards/:boardId/updates[?since=…]`, checked for 200 and `{ data: [...], timestamp }`. */
async function getUpdates(
  h: StepContext,
  boardId: string,
  since?: string,
): Promise<{ data: unknown[]; timestamp: string }> {
  const query = since === undefined ? "" : `?since=${encodeURIComponent(since)}`;
  const path = `/boards/${boardId}/updates${query}`;
  const res = await h.http.get(path);
  checkStatus(res, 200);
  const body = jsonObject(res);
  check(Array.isArray(body.data), `GET ${path} answered without a \`data\` array.`, {
    expected: '{ "data": [ …tasks ], "timestamp": "…" }',
    received: show(body),
  });
  checkIsoTimestamp(body.timestamp, `\`timestamp\` of GET ${path}`);
  for (const item of body.data) {
    check(isObject(item) && taskIdOf(item), `GET ${path} returned an item that is not a task.`, {
      expected: 'task objects with an "id"',
      received: show(item),
    });
  }
  return { data: body.data, timestamp: body.timestamp };
}

/** The ids of `tasks`, in order. */
function idsOf(tasks: unknown[]): string[] {
  return tasks.map((t) => taskIdOf(t) ?? "?");
}

/** Ids of every task in the database that is not on `boardId`. */
function taskIdsNotOn(h: StepContext, boardId: string): Set<string> {
  const rows = withDatabase(h, (db) =>
    db
      .prepare(
        "SELECT t.id AS id FROM tasks t JOIN lists l ON l.id = t.list_id WHERE l.board_id <> ?",
      )
      .all(boardId),
  ) as { id: string }[];
  return new Set(rows.map((r) => r.id));
}

/** Fails when `data` holds a task of another board. */
function checkOnlyBoard(h: StepContext, data: unknown[], boardId: string): void {
  const foreign = taskIdsNotOn(h, boardId);
  const leaked = idsOf(data).filter((id) => foreign.has(id));
  check(leaked.length === 0, `/boards/${boardId}/updates returned tasks of another board.`, {
    expected: `only tasks whose list belongs to ${boardId}`,
    received: `also ${leaked.join(", ")}`,
  });
}

export default defineChecker({
  steps: [
    {
      slug: "updates-shape",
      title: "GET /boards/board-1/updates answers { data, timestamp }",
      nudge:
        "Look at `src/routes/boards.ts` and at whether its updates route is listed in the handlers of `src/app.ts`.",
      concept:
        "Short polling means the client asks the same question again and again; every answer carries the tasks plus a timestamp, which the client sends back next time as its cursor.",
      hint: 'Add route.get("/boards/:boardId/updates", …) in src/routes/boards.ts (listed in src/app.ts) that answers Response.json({ data: getBoardTasks(boardId), timestamp: new Date().toISOString() }).',
      async run(h) {
        const { data, timestamp } = await getUpdates(h, "board-1");
        h.log.pass(`200 with ${data.length} task(s) and timestamp ${timestamp}`);
      },
    },
    {
      slug: "updates-order",
      title: "without since: every board-1 task, by list position then task position",
      nudge: "Look at how the query in `getBoardTasks()` in `src/tasks.ts` sorts its rows.",
      concept:
        "Without a cursor the client is drawing the whole board for the first time, so the tasks should come in the order the board shows them: list by list, and inside each list by position.",
      hint: "In getBoardTasks() in src/tasks.ts, join tasks to lists and ORDER BY lists.position, then tasks.position.",
      async run(h) {
        const stored = boardTasksFromDb(h, "board-1");
        const { data } = await getUpdates(h, "board-1");
        const byId = new Map(stored.map((t) => [t.id, t]));
        const received = idsOf(data).filter((id) => byId.has(id));
        const missing = stored.map((t) => t.id).filter((id) => !received.includes(id));
        check(missing.length === 0, "GET /boards/board-1/updates left out tasks of board-1.", {
          expected: `all of ${stored.map((t) => t.id).join(", ")}`,
          received: `missing ${missing.join(", ")}`,
        });
        check(received.length === stored.length, "A task appears more than once.", {
          expected: stored.map((t) => t.id).join(", "),
          received: received.join(", "),
        });
        h.log.pass(`all ${stored.length} tasks of board-1 are there`);

        const rank = (t: StoredTask) => [t.listPosition, t.position] as const;
        for (let i = 1; i < received.length; i++) {
          const [l1, p1] = rank(byId.get(received[i - 1]!)!);
          const [l2, p2] = rank(byId.get(received[i]!)!);
          if (l2 < l1 || (l2 === l1 && p2 < p1)) {
            fail("The tasks are not in board order.", {
              expected: `${stored.map((t) => t.id).join(", ")} (list position, then task position)`,
              received: received.join(", "),
            });
          }
        }
        h.log.pass("ordered by list position, then task position");
      },
    },
    {
      slug: "board-isolation",
      title: "each board's updates hold only that board's tasks",
      nudge: "Look at how the queries in `src/tasks.ts` decide which board a task belongs to.",
      concept:
        "A task has no board of its own: its board is the board of its list, so filtering by board has to go through the lists table, and a client must never be shown another board's tasks.",
      hint: "Filter on the board in getBoardTasks() (and getBoardTasksSince()) in src/tasks.ts: tasks have no board_id, so JOIN lists ON lists.id = tasks.list_id and add WHERE lists.board_id = ?.",
      async run(h) {
        if (boardTasksFromDb(h, "board-2").length === 0) {
          await createTask(h, { listId: firstListOf(h, "board-2"), title: "A board-2 task" });
          h.log.info("board-2 had no task, so the checker created one");
        }
        const board1 = await getUpdates(h, "board-1");
        checkOnlyBoard(h, board1.data, "board-1");
        h.log.pass("board-1's updates hold no board-2 task");

        const stored2 = boardTasksFromDb(h, "board-2").map((t) => t.id);
        const board2 = await getUpdates(h, "board-2");
        checkOnlyBoard(h, board2.data, "board-2");
        checkEqual(
          [...idsOf(board2.data)].sort(),
          [...stored2].sort(),
          "The ids in GET /boards/board-2/updates",
        );
        h.log.pass(`board-2's updates hold exactly its ${stored2.length} task(s)`);
      },
    },
    {
      slug: "since-bounds",
      title: "a future since gives nothing, a past since gives every task",
      nudge:
        "Look at what the updates route does with the since query parameter, and at how `getBoardTasksSince()` compares it with each task.",
      concept:
        "The since cursor means only what changed after this moment: a moment in the far future matches nothing and one long past matches everything, and comparing timestamps as text only works when both have exactly the same shape.",
      hint: "When the since query parameter is present, getBoardTasksSince() in src/tasks.ts must keep only tasks with updated_at > since (compare ISO strings in the same format: new Date(since).toISOString()).",
      async run(h) {
        const future = await getUpdates(h, "board-1", FUTURE);
        check(future.data.length === 0, `since=${FUTURE} still returned tasks.`, {
          expected: "an empty data array (no task changed after 2099)",
          received: `${future.data.length} task(s): ${idsOf(future.data).join(", ")}`,
        });
        h.log.pass(`since=${FUTURE} → data []`);

        const stored = boardTasksFromDb(h, "board-1").map((t) => t.id);
        const past = await getUpdates(h, "board-1", PAST);
        checkEqual(
          [...idsOf(past.data)].sort(),
          [...stored].sort(),
          `The ids returned for since=${PAST}`,
        );
        h.log.pass(`since=${PAST} → all ${stored.length} tasks of board-1`);
      },
    },
    {
      slug: "since-changes",
      title: "since=<last timestamp> returns exactly the tasks changed since, oldest first",
      nudge:
        "Look at which writes in `src/tasks.ts` touch updated_at, and at the order in which the since query returns its rows.",
      concept:
        "The cursor only works if every change stamps its row, and a client that gets changes oldest first can apply them in the order they happened; the next poll, with the new timestamp, then has nothing left to report.",
      hint: "Every write must set updated_at = new Date().toISOString() (moveTask and createTask in src/tasks.ts), and getBoardTasksSince() must filter on updated_at > since and ORDER BY updated_at.",
      async run(h) {
        const { timestamp: t0 } = await getUpdates(h, "board-1");
        const mover = boardTasksFromDb(h, "board-1").find((t) => t.listId !== "list-done");
        check(mover, "board-1 has no task outside list-done to move.", {
          received: show(boardTasksFromDb(h, "board-1")),
        });
        await h.sleep(15);
        await moveTask(h, mover.id, "list-done");
        await h.sleep(15);
        const created = await createTask(h, { listId: "list-todo", title: "Poll for me" });
        const createdId = taskIdOf(created)!;
        h.log.info(`moved ${mover.id}, then created ${createdId}, after timestamp ${t0}`);

        const changed = await getUpdates(h, "board-1", t0);
        const ids = idsOf(changed.data);
        const iMoved = ids.indexOf(mover.id);
        const iCreated = ids.indexOf(createdId);
        check(iMoved >= 0 && iCreated >= 0, `since=${t0} did not return both changed tasks.`, {
          expected: `${mover.id} (moved) and ${createdId} (created)`,
          received: ids.length ? ids.join(", ") : "data []",
        });
        check(iMoved < iCreated, "The changed tasks are not oldest first.", {
          expected: `${mover.id} (changed first), then ${createdId}`,
          received: ids.join(", "),
        });
        h.log.pass(`since=${t0} → ${mover.id}, ${createdId} (oldest first)`);

        const stale = new Set(
          boardTasksFromDb(h, "board-1")
            .filter((t) => !(Date.parse(t.updatedAt) > Date.parse(t0)))
            .map((t) => t.id),
        );
        const unchanged = ids.filter((id) => stale.has(id));
        check(unchanged.length === 0, `since=${t0} also returned tasks that did not change.`, {
          expected: "only tasks whose updated_at is later than since",
          received: `also ${unchanged.join(", ")}`,
        });
        checkOnlyBoard(h, changed.data, "board-1");
        const times = changed.data.map(taskUpdatedAtOf);
        if (times.every((t) => t !== undefined)) {
          const sorted = [...times].sort((a, b) => Date.parse(a!) - Date.parse(b!));
          checkEqual(times, sorted, "The updatedAt values of the returned tasks, in order");
        }
        h.log.pass("nothing unchanged, nothing from board-2, ordered by updated_at");

        await h.sleep(15);
        const again = await getUpdates(h, "board-1", changed.timestamp);
        check(again.data.length === 0, `since=${changed.timestamp} returned tasks again.`, {
          expected: "data [] (nothing changed after the previous poll)",
          received: idsOf(again.data).join(", "),
        });
        h.log.pass("polling again with the new timestamp → data []");
      },
    },
    {
      slug: "unknown-board",
      title: "an unknown board gives empty data (or 404)",
      nudge: "Look at what the updates route answers for a board id that matches nothing.",
      concept:
        "A query over a board that does not exist simply finds no tasks, so an empty list is a fair answer (and so is 404); what must never happen is a crash that shows up as a 500.",
      hint: "GET /boards/board-that-does-not-exist/updates should answer 200 { data: [], timestamp } (the lesson's choice) or 404, never 500.",
      async run(h) {
        const res = await h.http.get("/boards/board-that-does-not-exist/updates");
        if (res.status === 404) {
          h.log.pass("unknown board → 404");
          return;
        }
        checkStatus(res, 200, 404);
        const body = jsonObject(res);
        check(
          Array.isArray(body.data) && body.data.length === 0,
          "An unknown board returned tasks.",
          {
            expected: "data []",
            received: show(body.data),
          },
        );
        h.log.pass("unknown board → 200 with data []");
      },
    },
    ...lessonQuizSteps(import.meta.url),
  ],
});
