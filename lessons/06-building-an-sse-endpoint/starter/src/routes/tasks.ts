import { route } from "@hectoday/http";
import { z } from "zod";
import { notifyWaiters } from "../long-poll.js";
import { notFound, readBody } from "../responses.js";
import { createTask, deleteTask, findList, findTask, moveTask } from "../tasks.js";

const CreateTaskBody = z.object({
  listId: z.string().min(1),
  title: z.string().trim().min(1, "Title must not be empty").max(200),
  description: z.string().max(2000).optional(),
});

const MoveTaskBody = z.object({
  listId: z.string().min(1),
  position: z.number().int().min(0).optional(),
});

/** Create, move and delete tasks. */
export const taskRoutes = [
  route.post("/tasks", {
    resolve: async (c) => {
      const body = await readBody(c.request, CreateTaskBody);
      if (!body.ok) return body.response;

      if (!findList(body.data.listId)) return notFound(`List ${body.data.listId} not found`);

      const task = createTask(body.data);
      notifyWaiters(task.boardId, [{ type: "task_created", task }]);
      // TODO(building-an-sse-endpoint): broadcast(task.boardId, { type: "task_created", task }) from ../sse.js,
      // or write an announce(boardId, event) helper that notifies the long polls and broadcasts.
      return Response.json({ task }, { status: 201 });
    },
  }),

  route.patch("/tasks/:id/move", {
    resolve: async (c) => {
      const body = await readBody(c.request, MoveTaskBody);
      if (!body.ok) return body.response;

      const id = c.params.id;
      const before = findTask(id);
      if (!before) return notFound(`Task ${id} not found`);
      if (!findList(body.data.listId)) return notFound(`List ${body.data.listId} not found`);

      const task = moveTask(id, body.data);
      notifyWaiters(task.boardId, [{ type: "task_moved", task }]);
      // TODO(building-an-sse-endpoint): broadcast(task.boardId, { type: "task_moved", task }) (both boards on a cross-board move).
      // A move to another board's list changes both boards.
      if (before.boardId !== task.boardId) {
        notifyWaiters(before.boardId, [{ type: "task_moved", task }]);
      }
      return Response.json({ task });
    },
  }),

  route.delete("/tasks/:id", {
    resolve: (c) => {
      const id = c.params.id;
      const task = deleteTask(id);
      if (!task) return notFound(`Task ${id} not found`);
      notifyWaiters(task.boardId, [{ type: "task_deleted", taskId: id }]);
      // TODO(building-an-sse-endpoint): broadcast(task.boardId, { type: "task_deleted", taskId: id }).
      return Response.json({ taskId: id });
    },
  }),
];
