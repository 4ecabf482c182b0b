import type { Task } from "./tasks.js";

/** Something that happened on a board, as clients receive it. */
export type BoardEvent =
  | { type: "task_created"; task: Task }
  | { type: "task_moved"; task: Task }
  | { type: "task_deleted"; taskId: string };
