/** The capstone's page: served by the learner's server, then driven in a real Chromium. */
import Database from "better-sqlite3";
import { check, checkStatus, fail } from "../../src/checks/assert.ts";
import {
  type BrowserPage,
  browserStep,
  openPage,
  openPages,
  waitInPage,
} from "../../src/checks/browser.ts";
import type { Step, StepContext } from "../../src/checks/types.ts";
import { createOn, SOON, serverB } from "./capstone-helpers.ts";

/** The page's DOM as the checker reads it, for failure messages (a page-side expression). */
const BOARD_STATE = `(() => {
  const all = (root, selector) => Array.from(root.querySelectorAll(selector));
  const lists = all(document, "[data-list-id]").map((l) =>
    l.dataset.listId + ": " + (all(l, "[data-task-id]").map((t) => t.dataset.taskId).join(", ") || "(empty)"));
  const viewers = all(document, "#viewers [data-user-id]").map((v) => v.dataset.userId);
  const status = document.querySelector("#status")?.textContent ?? "(no #status)";
  return "lists: " + (lists.join(" | ") || "(none)") + "; viewers: " + (viewers.join(", ") || "(none)") + "; status: " + status;
})()`;

/** Waits until the page shows task `taskId` (in list `listId`, when given). */
async function pageShowsTask(
  p: BrowserPage,
  taskId: string,
  listId: string | null,
  timeout: number,
  what: string,
) {
  await waitInPage(p, {
    what,
    arg: { taskId, listId },
    predicate: ({ taskId, listId }) => {
      const card = document.querySelector(`[data-task-id="${CSS.escape(taskId)}"]`);
      if (!card) return false;
      return (
        listId === null || card.closest("[data-list-id]")?.getAttribute("data-list-id") === listId
      );
    },
    describe: BOARD_STATE,
    timeout,
  });
}

/** Sets a marker on the page's window; `sameDocument` later tells whether the page reloaded. */
async function markDocument(p: BrowserPage, value: number): Promise<void> {
  await p.page.evaluate((v) => {
    (window as unknown as { __labsMark?: number }).__labsMark = v;
  }, value);
}

async function sameDocument(p: BrowserPage, value: number): Promise<void> {
  const mark = await p.page.evaluate(
    () => (window as unknown as { __labsMark?: number }).__labsMark,
  );
  check(mark === value, `[page-${p.name}] reloaded itself instead of updating in place.`, {
    expected: "the same page, changed by its script",
    received: "a freshly loaded page (a marker the check set on it is gone)",
  });
}

function pageOf(h: StepContext, name: string): BrowserPage {
  const p = openPages(h).get(name);
  if (!p) fail(`The page "${name}" that an earlier step opened is gone.`);
  return p;
}

/** The address of the board page for `email` (the path found by the page-served step). */
function pageUrl(h: StepContext, email: string): string {
  const path = (h.state.get("page") as string | undefined) ?? "/board.html";
  return `${path}?board=board-1&user=${encodeURIComponent(email)}`;
}

/** The page is served, then shows live changes, viewers, and survives a restart of its server. */
export const pageSteps: Step[] = [
  {
    slug: "page-served",
    title: "the server serves the board page (text/html) and its script (text/javascript)",
    nudge:
      "Look at `src/routes/pages.ts`, and ask for /board.html and /board.js with curl to see the status and Content-Type that come back.",
    concept:
      "The board page is now served by your own server, and the browser goes by the Content-Type header: it runs a module script only when it is labelled as JavaScript. Answering a few fixed files, rather than any path asked for, also keeps the rest of your project private.",
    hint: "In src/routes/pages.ts, answer GET /board.html (and GET /) with public/board.html as text/html; charset=utf-8, and GET /board.js with public/board.js as text/javascript; charset=utf-8; then add ...pageRoutes to the handlers in src/app.ts.",
    async run(h) {
      const tried: string[] = [];
      for (const path of ["/board.html", "/"]) {
        const res = await h.http.get(path);
        const type = res.headers.get("content-type") ?? "";
        tried.push(`${path}: ${res.status} ${type || "(no Content-Type)"}`);
        if (res.status === 200 && type.startsWith("text/html") && /board\.js/.test(res.text)) {
          h.state.set("page", path);
          h.log.pass(`GET ${path} answers the board page as ${type}`);
          break;
        }
      }
      if (!h.state.has("page")) {
        fail("Neither GET /board.html nor GET / answered the board page.", {
          expected:
            "200, Content-Type: text/html, the page of public/board.html (it loads /board.js)",
          received: tried.join("; "),
        });
      }
      const js = await h.http.get("/board.js");
      checkStatus(js, 200);
      const type = js.headers.get("content-type") ?? "";
      check(
        /^(text|application)\/(javascript|ecmascript)\b/.test(type),
        "GET /board.js is not served as JavaScript.",
        {
          expected:
            "Content-Type: text/javascript (browsers refuse to run module scripts of any other type)",
          received: `Content-Type: ${type || "(none)"}`,
        },
      );
      check(/EventSource/.test(js.text), "GET /board.js does not answer the board's script.", {
        expected: "the content of public/board.js",
        received: js.text.slice(0, 120) || "(empty)",
      });
      h.log.pass(`GET /board.js answers public/board.js as ${type}`);
    },
  },
  browserStep({
    slug: "browser-live",
    title:
      "in Chromium, the page shows a task created, moved and deleted through B, without a reload",
    nudge:
      "Look at `connectEvents()` in `public/board.js`: what it listens to, and what it does with each event that arrives.",
    concept:
      "The page takes its tasks only from the event stream: each named task event changes the page's own copy of the board, which it then redraws, so other people's changes appear in place without a reload.",
    hint: "In public/board.js, connectEvents() opens an EventSource on /boards/<board>/events, calls loadBoard() on open, and hands task_created, task_moved and task_deleted to applyChange({ ...JSON.parse(e.data), type }). The browser's console lines above show script errors.",
    timeout: 12_000,
    async run(h) {
      const b = serverB(h);
      const alice = await openPage(h, "alice", pageUrl(h, "alice@example.com"));
      await pageShowsTask(alice, "task-1", null, 4000, "the seeded task task-1 to be drawn");
      alice.log.pass("the page drew the board");
      await markDocument(alice, 1);
      const id = await createOn(h, b, "list-todo", "Made on B, seen in Chromium on A");
      await pageShowsTask(
        alice,
        id,
        "list-todo",
        SOON + 1000,
        `${id}, created through B, to appear in list-todo`,
      );
      alice.log.pass(`${id}, created through B, appeared in list-todo`);
      checkStatus(
        await h.http.patch(`/tasks/${id}/move`, { listId: "list-done" }, { server: b }),
        200,
      );
      await pageShowsTask(alice, id, "list-done", SOON + 1000, `${id} to move to list-done`);
      alice.log.pass(`${id} moved to list-done`);
      checkStatus(await h.http.delete(`/tasks/${id}`, { server: b }), 200, 204);
      await waitInPage(alice, {
        what: `${id} to disappear after DELETE /tasks/${id}`,
        arg: id,
        predicate: (taskId) => !document.querySelector(`[data-task-id="${CSS.escape(taskId)}"]`),
        describe: BOARD_STATE,
        timeout: SOON + 1000,
      });
      alice.log.pass(`${id} left the page when it was deleted`);
      await sameDocument(alice, 1);
      h.log.pass("no reload: the page's script changed it in place");
    },
  }),
  browserStep({
    slug: "browser-viewers",
    title: "a second page, Bob's, makes both pages list two viewers",
    nudge:
      "Look at what `src/ws-server.ts` decides when the upgrade comes from the board page itself.",
    concept:
      "Browsers send cookies with cross-site upgrades too, so the server refuses origins it does not know; but a page your own server served comes from the server's own address, and unless it is let through, the page never learns who else is watching.",
    hint: "The page's WebSocket must get through: in src/ws-server.ts, originAllowed() must also accept an Origin whose host equals the upgrade request's Host header (the page came from this server). The page's console lines above show a refused socket.",
    timeout: 10_000,
    async run(h) {
      const bob = await openPage(h, "bob", pageUrl(h, "bob@example.com"));
      const alice = pageOf(h, "alice");
      for (const p of [alice, bob]) {
        await waitInPage(p, {
          what: "#viewers to list user-alice and user-bob",
          arg: ["user-alice", "user-bob"],
          predicate: (want) => {
            const ids = Array.from(
              document.querySelectorAll<HTMLElement>("#viewers [data-user-id]"),
            )
              .map((v) => v.dataset.userId)
              .sort();
            return ids.join() === want.join();
          },
          describe: BOARD_STATE,
          timeout: 5000,
        });
        p.log.pass("lists Alice and Bob as viewers");
      }
    },
  }),
  browserStep({
    slug: "browser-reconnect",
    title:
      "after server A is killed and restarted, Alice's page reconnects and shows what changed meanwhile",
    nudge:
      "Look at what `public/board.js` does when its EventSource comes back after the server behind it was restarted.",
    concept:
      "A restarted server has lost its event buffer, its ids start again, and changes may have been written while nobody was listening, so Last-Event-ID cannot fill the gap; a page that fetches the whole board again whenever its stream opens is always back up to date.",
    hint: "In public/board.js, call loadBoard() every time the EventSource opens: it opens again after each reconnect, and a restarted server no longer has the events the page missed (its ids start again), so only a fresh load shows them.",
    timeout: 16_000,
    async run(h) {
      const alice = pageOf(h, "alice");
      await markDocument(alice, 2);
      h.log.info("killing server A with SIGKILL, as a crash would");
      await h.server.kill();
      const id = `task-down-${Date.now().toString(16).slice(-6)}`;
      insertTaskOffline(h.server.databasePath, id, "list-doing", "Written while A was down");
      h.log.info(`while A was down, wrote ${id} (list-doing) into its database`);
      await h.server.restart();
      h.log.info(`server A is back on port ${h.server.port}`);
      await pageShowsTask(alice, id, "list-doing", 10_000, `the page to reconnect and show ${id}`);
      alice.log.pass(`shows ${id} after the restart`);
      await sameDocument(alice, 2);
      h.log.pass("no reload: the EventSource reconnected and the page loaded the board again");
    },
  }),
];

/** Writes a task row straight into a stopped server's database, the way another process would. */
function insertTaskOffline(file: string, id: string, listId: string, title: string): void {
  const db = new Database(file, { fileMustExist: true, timeout: 2000 });
  try {
    const now = new Date().toISOString();
    const { next } = db
      .prepare("SELECT COALESCE(MAX(position) + 1, 0) AS next FROM tasks WHERE list_id = ?")
      .get(listId) as { next: number };
    db.prepare(
      `INSERT INTO tasks (id, list_id, title, description, assignee_id, position, created_at, updated_at)
       VALUES (?, ?, ?, NULL, NULL, ?, ?, ?)`,
    ).run(id, listId, title, next, now, now);
  } finally {
    db.close();
  }
}
