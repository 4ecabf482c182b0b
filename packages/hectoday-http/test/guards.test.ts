import { type GuardFn, group, route, setup } from "@hectoday/http";
import { describe, expect, it } from "vitest";
import { req } from "./helpers.ts";

const requireUser: GuardFn = (c) => {
  const user = c.request.headers.get("x-user");
  if (!user) return { deny: Response.json({ error: "Unauthorized" }, { status: 401 }) };
  return { allow: true, locals: { user } };
};

const requireAdmin: GuardFn = (c) =>
  c.locals.user === "root"
    ? { allow: true, locals: { role: "admin" } }
    : { deny: Response.json({ error: "Forbidden" }, { status: 403 }) };

describe("guards and groups", () => {
  it("runs guards in order and merges each allow's locals into c.locals", async () => {
    const app = setup([
      route.get("/admin", {
        guards: [requireUser, requireAdmin],
        resolve: (c) => Response.json(c.locals),
      }),
    ]);
    const res = await app.fetch(req("/admin", { headers: { "x-user": "root" } }));
    expect(await res.json()).toEqual({ user: "root", role: "admin" });
  });

  it("ends the request with the first deny: later guards and resolve never run", async () => {
    const calls: string[] = [];
    const spy: GuardFn = () => {
      calls.push("spy");
      return { allow: true };
    };
    const app = setup([
      route.get("/admin", {
        guards: [requireUser, spy],
        resolve: () => {
          calls.push("resolve");
          return new Response("secret");
        },
      }),
    ]);
    const res = await app.fetch(req("/admin"));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "Unauthorized" });
    expect(calls).toEqual([]);
  });

  it("lets guards read path params and the validation result", async () => {
    const sameUser: GuardFn = (c) =>
      c.raw.params.userId === c.locals.user && c.input.ok
        ? { allow: true }
        : { deny: new Response(null, { status: 403 }) };
    const app = setup([
      route.get("/users/:userId", {
        guards: [requireUser, sameUser],
        resolve: (c) => new Response(c.params.userId),
      }),
    ]);
    const ok = await app.fetch(req("/users/ada", { headers: { "x-user": "ada" } }));
    const no = await app.fetch(req("/users/bob", { headers: { "x-user": "ada" } }));
    expect([ok.status, no.status]).toEqual([200, 403]);
  });

  it("prepends a group's guards to each route's own guards", async () => {
    const order: string[] = [];
    const mark =
      (name: string): GuardFn =>
      () => {
        order.push(name);
        return { allow: true };
      };
    const routes = group({
      guards: [mark("group")],
      handlers: [route.get("/g", { guards: [mark("route")], resolve: () => new Response("ok") })],
    });
    await setup(routes).fetch(req("/g"));
    expect(order).toEqual(["group", "route"]);
  });

  it("applies a group's path prefix and accumulates guards across nested groups", async () => {
    const inner = group({
      prefix: "/boards",
      guards: [requireAdmin],
      handlers: [
        route.get("/", { resolve: () => new Response("boards") }),
        route.get("/:boardId", { resolve: (c) => new Response(`board ${c.params.boardId}`) }),
      ],
    });
    const app = setup({
      routes: group({ prefix: "/api", guards: [requireUser], handlers: [inner] }),
    });
    const asRoot = { headers: { "x-user": "root" } };
    expect(await (await app.fetch(req("/api/boards", asRoot))).text()).toBe("boards");
    expect(await (await app.fetch(req("/api/boards/4", asRoot))).text()).toBe("board 4");
    const asAda = { headers: { "x-user": "ada" } };
    expect((await app.fetch(req("/api/boards/4", asAda))).status).toBe(403);
    expect((await app.fetch(req("/api/boards/4"))).status).toBe(401);
  });

  it("flattens an array form group([...]) without adding behaviour", async () => {
    const routes = group([
      route.get("/a", { resolve: () => new Response("a") }),
      [route.get("/b", { resolve: () => new Response("b") })],
    ]);
    expect(routes.map((r) => r.path)).toEqual(["/a", "/b"]);
    expect(await (await setup(routes).fetch(req("/b"))).text()).toBe("b");
  });

  it("sends a guard that throws, or returns neither allow nor deny, to onError", async () => {
    const errors: string[] = [];
    const app = setup({
      onError: ({ error }) => {
        errors.push(error.message);
        return new Response("handled", { status: 500 });
      },
      routes: [
        route.get("/throws", {
          guards: [
            () => {
              throw new Error("guard broke");
            },
          ],
          resolve: () => new Response("never"),
        }),
        route.get("/bogus", {
          guards: [() => ({}) as never],
          resolve: () => new Response("never"),
        }),
      ],
    });
    expect((await app.fetch(req("/throws"))).status).toBe(500);
    expect((await app.fetch(req("/bogus"))).status).toBe(500);
    expect(errors[0]).toBe("guard broke");
    expect(errors[1]).toMatch(/guard must return/);
  });
});
