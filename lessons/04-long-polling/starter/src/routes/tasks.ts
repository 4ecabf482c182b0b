import { route } from "@hectoday/http";
import { z } from "zod";
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
      // TODO(long-polling): notifyWaiters(task.boardId, [{ type: "task_created", task }]);
      return Response.json({ task }, { status: 201 });
    },
  }),

  route.patch("/tasks/:id/move", {
    resolve: async (c) => {
      const body = await readBody(c.request, MoveTaskBody);
      if (!body.ok) return body.response;

      const id = c.params.id;
      if (!findTask(id)) return notFound(`Task ${id} not found`);
      if (!findList(body.data.listId)) return notFound(`List ${body.data.listId} not found`);

      const task = moveTask(id, body.data);
      // TODO(long-polling): notifyWaiters(task.boardId, [{ type: "task_moved", task }]);
      // (a move to a list of another board changes both boards)
      return Response.json({ task });
    },
  }),

  route.delete("/tasks/:id", {
    resolve: (c) => {
      const id = c.params.id;
      const task = deleteTask(id);
      if (!task) return notFound(`Task ${id} not found`);
      // TODO(long-polling): notifyWaiters(task.boardId, [{ type: "task_deleted", taskId: id }]);
      return Response.json({ taskId: id });
    },
  }),
];
