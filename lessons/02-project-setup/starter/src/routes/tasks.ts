import { route } from "@hectoday/http";
import { z } from "zod";
import { notImplemented } from "../responses.js";

// TODO(project-setup): finish the schema of POST /tasks: listId a non-empty string, title a
// non-empty string (trimmed, at most 200 characters), description an optional string.
export const CreateTaskBody = z.object({
  listId: z.string(),
});

// TODO(project-setup): the schema of PATCH /tasks/:id/move: listId a non-empty string,
// position an optional whole number >= 0.
export const MoveTaskBody = z.object({});

/** Create, move and delete tasks. */
export const taskRoutes = [
  route.post("/tasks", {
    resolve: async () => {
      // TODO(project-setup): body = await readBody(c.request, CreateTaskBody) (400 when invalid);
      // 404 via notFound() when findList(listId) finds nothing; otherwise createTask() and
      // answer Response.json({ task }, { status: 201 }).
      return notImplemented("POST /tasks");
    },
  }),

  route.patch("/tasks/:id/move", {
    resolve: async () => {
      // TODO(project-setup): validate with MoveTaskBody; 404 when findTask(c.params.id) or
      // findList(listId) finds nothing; otherwise moveTask() and answer Response.json({ task }).
      return notImplemented("PATCH /tasks/:id/move");
    },
  }),

  route.delete("/tasks/:id", {
    resolve: () => {
      // TODO(project-setup): deleteTask(c.params.id); 404 when there was no such task,
      // otherwise answer Response.json({ taskId }).
      return notImplemented("DELETE /tasks/:id");
    },
  }),
];
