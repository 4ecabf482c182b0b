import { route, setup, type Validator } from "@hectoday/http";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { jsonReq, req } from "./helpers.ts";

const Task = z.object({ title: z.string().min(1), done: z.boolean().optional() });

describe("validation", () => {
  it("reports c.input.ok with the raw params and query when a route has no schemas", async () => {
    const app = setup([route.get("/t/:id", { resolve: (c) => Response.json(c.input) })]);
    const body = await (await app.fetch(req("/t/1?x=2"))).json();
    expect(body).toEqual({
      ok: true,
      params: { id: "1" },
      query: { x: "2" },
      issues: [],
      failed: [],
    });
  });

  it("parses and validates a JSON body into c.input.body", async () => {
    const app = setup([
      route.post("/tasks", {
        request: { body: Task },
        resolve: (c) => {
          if (!c.input.ok) return Response.json(c.input.issues, { status: 400 });
          return Response.json({ title: c.input.body.title, raw: c.raw.body }, { status: 201 });
        },
      }),
    ]);
    const res = await app.fetch(jsonReq("/tasks", { title: "Write", extra: 1 }));
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ title: "Write", raw: { title: "Write", extra: 1 } });
  });

  it("never auto-responds on invalid input: resolve runs and sees issues, failed and received", async () => {
    let ran = false;
    const app = setup([
      route.post("/tasks", {
        request: { body: Task },
        resolve: (c) => {
          ran = true;
          return Response.json(c.input, { status: 422 });
        },
      }),
    ]);
    const res = await app.fetch(jsonReq("/tasks", { title: "" }));
    const input = await res.json();
    expect(ran).toBe(true);
    expect(res.status).toBe(422);
    expect(input.ok).toBe(false);
    expect(input.failed).toEqual(["body"]);
    expect(input.received).toEqual({ body: { title: "" } });
    expect(input.issues).toEqual([
      expect.objectContaining({ part: "body", path: ["title"], code: "too_small" }),
    ]);
    expect(input.body).toBeUndefined();
  });

  it("keeps the original validator error per part in c.input.errors", async () => {
    const app = setup([
      route.post("/tasks", {
        request: { body: Task },
        resolve: (c) =>
          new Response(String(!c.input.ok && c.input.errors?.body instanceof z.ZodError)),
      }),
    ]);
    expect(await (await app.fetch(jsonReq("/tasks", {}))).text()).toBe("true");
  });

  it("reports malformed JSON as an invalid_json issue on the body", async () => {
    const app = setup([
      route.post("/tasks", { request: { body: Task }, resolve: (c) => Response.json(c.input) }),
    ]);
    const input = await (await app.fetch(jsonReq("/tasks", "{nope"))).json();
    expect(input).toMatchObject({
      ok: false,
      failed: ["body"],
      issues: [{ part: "body", path: [], message: "Invalid JSON", code: "invalid_json" }],
    });
  });

  it("treats a missing body as undefined so optional body schemas pass", async () => {
    const app = setup([
      route.post("/ping", {
        request: { body: Task.optional() },
        resolve: (c) => Response.json({ ok: c.input.ok }),
      }),
    ]);
    expect(await (await app.fetch(req("/ping", { method: "POST" }))).json()).toEqual({ ok: true });
  });

  it("validates params and query with coercion and collects issues from every failing part", async () => {
    const app = setup([
      route.get("/boards/:boardId", {
        request: {
          params: z.object({ boardId: z.coerce.number().int() }),
          query: z.object({ page: z.coerce.number().default(1) }),
        },
        resolve: (c) => Response.json(c.input),
      }),
    ]);
    const good = await (await app.fetch(req("/boards/5"))).json();
    expect(good).toMatchObject({ ok: true, params: { boardId: 5 }, query: { page: 1 } });
    const bad = await (await app.fetch(req("/boards/x?page=y"))).json();
    expect(bad.failed).toEqual(["params", "query"]);
    expect(bad.issues.map((i: { part: string }) => i.part)).toEqual(["params", "query"]);
  });

  it("keeps c.params as raw strings even when a params schema transforms them", async () => {
    const app = setup([
      route.get("/n/:id", {
        request: { params: z.object({ id: z.coerce.number() }) },
        resolve: (c) =>
          Response.json({ raw: c.params.id, parsed: c.input.ok && c.input.params.id }),
      }),
    ]);
    expect(await (await app.fetch(req("/n/3"))).json()).toEqual({ raw: "3", parsed: 3 });
  });

  it("does not read the body when the route declares no body schema", async () => {
    const app = setup([
      route.post("/webhook", {
        resolve: async (c) =>
          Response.json({ raw: c.raw.body ?? null, got: await c.request.json() }),
      }),
    ]);
    const res = await app.fetch(jsonReq("/webhook", { a: 1 }));
    expect(await res.json()).toEqual({ raw: null, got: { a: 1 } });
  });

  it("uses a configured validator adapter for every schema", async () => {
    const calls: string[] = [];
    const validator: Validator = {
      validate(schema, input, part) {
        calls.push(part);
        const result = schema.safeParse(input);
        return result.success
          ? { ok: true, value: result.data as never }
          : { ok: false, issues: [{ part, path: [], message: "custom" }] };
      },
    };
    const app = setup({
      validator,
      routes: [
        route.post("/t/:id", {
          request: { params: z.object({ id: z.string() }), body: Task },
          resolve: (c) => Response.json(c.input.ok ? "ok" : c.input.issues),
        }),
      ],
    });
    const res = await app.fetch(jsonReq("/t/1", { nope: true }));
    expect(calls).toEqual(["params", "body"]);
    expect(await res.json()).toEqual([{ part: "body", path: [], message: "custom" }]);
  });
});
