import type { Database } from "better-sqlite3";

/** Seed rows of `users`. */
export const USERS = [
  { id: "user-alice", name: "Alice", email: "alice@example.com" },
  { id: "user-bob", name: "Bob", email: "bob@example.com" },
  { id: "user-carol", name: "Carol", email: "carol@example.com" },
];

/** Seed rows of `boards`. */
export const BOARDS = [
  { id: "board-1", name: "Product launch" },
  { id: "board-2", name: "Office move" },
];

/** Seed rows of `lists`. */
export const LISTS = [
  { id: "list-todo", boardId: "board-1", name: "To Do", position: 0 },
  { id: "list-doing", boardId: "board-1", name: "In Progress", position: 1 },
  { id: "list-done", boardId: "board-1", name: "Done", position: 2 },
  { id: "list-b2-todo", boardId: "board-2", name: "To Do", position: 0 },
  { id: "list-b2-done", boardId: "board-2", name: "Done", position: 1 },
];

/** Seed rows of `tasks`. */
export const TASKS = [
  {
    id: "task-1",
    listId: "list-todo",
    title: "Write the launch post",
    assigneeId: "user-alice",
    position: 0,
  },
  {
    id: "task-2",
    listId: "list-todo",
    title: "Record the demo video",
    assigneeId: "user-bob",
    position: 1,
  },
  {
    id: "task-3",
    listId: "list-doing",
    title: "Fix the signup form",
    assigneeId: "user-carol",
    position: 0,
  },
  { id: "task-4", listId: "list-done", title: "Pick a launch date", assigneeId: null, position: 0 },
  {
    id: "task-b2-1",
    listId: "list-b2-todo",
    title: "Book the movers",
    assigneeId: "user-bob",
    position: 0,
  },
];

/** Fills an empty database with the example users, boards, lists and tasks; does nothing on later starts. */
export function seed(_db: Database): void {
  // TODO(project-setup): return early when the users table already has rows (not the first start).
  // TODO(project-setup): insert USERS, BOARDS, LISTS and TASKS inside one db.transaction(() => { … })(),
  // with prepared INSERT statements. Write created_at / updated_at yourself as
  // new Date().toISOString() so every timestamp has the same ISO format.
}
