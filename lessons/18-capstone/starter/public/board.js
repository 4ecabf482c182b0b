// The Live Task Board page: REST for changes, SSE for the board's tasks,
// a WebSocket for who is here and who is typing. Open it as
// /board.html?board=board-1&user=alice@example.com

const params = new URLSearchParams(location.search);
const boardId = params.get("board") || "board-1";
const email = params.get("user") || "alice@example.com";

/** Tasks on screen, by id. */
const tasks = new Map();
/** List ids in the order the board shows them. */
const listOrder = [];
/** Who is looking at the board, and who is typing: user id → name. */
const viewers = new Map();
const typing = new Map();

const $ = (selector) => document.querySelector(selector);

// ---------------------------------------------------------------- drawing

function listIdOf(task) {
  return task.listId ?? task.list_id;
}

function render() {
  for (const task of tasks.values()) {
    if (!listOrder.includes(listIdOf(task))) listOrder.push(listIdOf(task));
  }
  const board = $("#board");
  board.replaceChildren(
    ...listOrder.map((listId) => {
      const section = document.createElement("section");
      section.className = "list";
      section.dataset.listId = listId;
      const title = document.createElement("h2");
      title.textContent = listId;
      const ul = document.createElement("ul");
      const inList = [...tasks.values()]
        .filter((t) => listIdOf(t) === listId)
        .sort((a, b) => a.position - b.position);
      for (const task of inList) {
        const li = document.createElement("li");
        li.className = "task";
        li.dataset.taskId = task.id;
        li.textContent = task.title;
        ul.append(li);
      }
      section.append(title, ul);
      return section;
    }),
  );
  const select = $("#new-task select");
  const chosen = select.value;
  select.replaceChildren(...listOrder.map((id) => new Option(id, id)));
  if (listOrder.includes(chosen)) select.value = chosen;
}

function renderViewers() {
  const ul = $("#viewers");
  ul.dataset.count = String(viewers.size);
  ul.replaceChildren(
    ...[...viewers].map(([userId, name]) => {
      const li = document.createElement("li");
      li.dataset.userId = userId;
      li.textContent = name;
      return li;
    }),
  );
  const names = [...typing.values()];
  $("#typing").textContent = names.length
    ? `${names.join(", ")} ${names.length > 1 ? "are" : "is"} typing…`
    : "";
}

function setStatus(state, text = state) {
  $("#status").dataset.state = state;
  $("#status").textContent = text;
}

// ---------------------------------------------------------------- the board's tasks

/** True while a full reload is in flight; events that arrive meanwhile are kept to replay. */
let loading = false;
let arrivedWhileLoading = [];

/** Fetches every task of the board and redraws; events that came in meanwhile are applied on top. */
async function loadBoard() {
  loading = true;
  arrivedWhileLoading = [];
  try {
    const res = await fetch(`/boards/${encodeURIComponent(boardId)}/updates`);
    if (!res.ok) throw new Error(`GET /updates answered ${res.status}`);
    const { data } = await res.json();
    tasks.clear();
    for (const task of data) tasks.set(task.id, task);
    for (const event of arrivedWhileLoading) applyChange(event);
    render();
  } catch (error) {
    console.error("could not load the board:", error.message);
  } finally {
    loading = false;
    arrivedWhileLoading = [];
  }
}

/** Applies one task event ({ type, task } or { type, taskId }) to the board on screen. */
function applyChange(event) {
  if (loading) arrivedWhileLoading.push(event);
  if (event.type === "task_deleted") tasks.delete(event.taskId);
  else if (event.task) tasks.set(event.task.id, { ...tasks.get(event.task.id), ...event.task });
  render();
}

/**
 * Keeps the board up to date over Server-Sent Events. Every time the stream
 * opens (the first time, and after every reconnect) the board is fetched again,
 * because while the stream was down the server may have changed anything, and
 * a restarted server no longer has the events the page missed.
 */
function connectEvents() {
  // TODO(capstone): follow the board over Server-Sent Events.
  // - open an EventSource on `/boards/${encodeURIComponent(boardId)}/events`;
  // - on "open": setStatus("live") and loadBoard() (every open, reconnects included);
  // - on "error": setStatus("reconnecting", "reconnecting…"), or, when source.readyState is
  //   EventSource.CLOSED, setStatus("offline") and call connectEvents() again after 3 s;
  // - for "task_created", "task_moved" and "task_deleted": applyChange({ ...JSON.parse(e.data), type });
  // - on "reset": loadBoard().
  setStatus("offline", "not connected yet");
  loadBoard();
}

// ---------------------------------------------------------------- presence and typing

let socket;

/** Logs in as `email` (the session cookie comes back with the answer). */
async function login() {
  const res = await fetch("/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email }),
  });
  if (!res.ok) throw new Error(`POST /login answered ${res.status}`);
  return (await res.json()).user;
}

/** Handles one message from the WebSocket; task events are left to the SSE stream. */
function onSocketMessage(message) {
  if (message.boardId !== undefined && message.boardId !== boardId) return;
  switch (message.type) {
    case "presence":
      viewers.clear();
      for (const user of message.users ?? []) viewers.set(user.userId, user.name);
      break;
    case "user_joined":
      viewers.set(message.userId, message.name);
      break;
    case "user_left":
      viewers.delete(message.userId);
      typing.delete(message.userId);
      break;
    case "user_typing":
      typing.set(message.userId, message.name);
      break;
    case "user_stopped_typing":
      typing.delete(message.userId);
      break;
    default:
      return;
  }
  renderViewers();
}

/** Joins the board over a WebSocket, and comes back after every drop with growing waits. */
function connectPresence(attempt = 0) {
  const retry = () => {
    const wait = Math.min(10_000, 250 * 2 ** attempt) * (0.5 + Math.random() / 2);
    setTimeout(() => connectPresence(attempt + 1), wait);
  };
  // A fresh login each time: a restarted server has forgotten the old session.
  login().then(
    () => {
      const ws = new WebSocket(
        `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`,
      );
      socket = ws;
      let opened = false;
      ws.addEventListener("open", () => {
        opened = true;
        ws.send(JSON.stringify({ type: "join", boardId }));
      });
      ws.addEventListener("message", (e) => {
        try {
          onSocketMessage(JSON.parse(e.data));
        } catch {
          // not JSON: nothing for this page
        }
      });
      ws.addEventListener("close", () => {
        viewers.clear();
        typing.clear();
        renderViewers();
        if (socket === ws) socket = undefined;
        attempt = opened ? 0 : attempt;
        retry();
      });
    },
    (error) => {
      console.error("could not log in:", error.message);
      retry();
    },
  );
}

function sendOnSocket(message) {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

// ---------------------------------------------------------------- the new-task form

let typingTimer;
const form = $("#new-task");
form.title.addEventListener("input", () => {
  if (!typingTimer) sendOnSocket({ type: "typing", boardId });
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    typingTimer = undefined;
    sendOnSocket({ type: "stop_typing", boardId });
  }, 1500);
});
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const res = await fetch("/tasks", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ listId: form.listId.value, title: form.title.value }),
  });
  if (res.ok) form.title.value = "";
  else console.error("could not add the task:", res.status, await res.text());
});

$("#board-title").textContent = `Board ${boardId}`;
connectEvents();
connectPresence();
