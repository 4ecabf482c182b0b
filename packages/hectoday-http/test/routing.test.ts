import { route, setup } from "@hectoday/http";
import { describe, expect, it } from "vitest";
import { req } from "./helpers.ts";

const text = () => (c: { request: Request }) => new Response(`${c.request.method} hit`);

describe("setup and routing", () => {
  it("accepts a plain array of routes", async () => {
    const app = setup([route.get("/", { resolve: () => new Response("Hello") })]);
    const res = await app.fetch(req("/"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Hello");
  });

  it("accepts a config object with `routes` or with the older `handlers` key", async () => {
    const r = route.get("/ping", { resolve: () => new Response("pong") });
    for (const app of [setup({ routes: [r] }), setup({ handlers: [r] })]) {
      expect(await (await app.fetch(req("/ping"))).text()).toBe("pong");
    }
  });

  it("exposes a fetch function that works when detached from the app", async () => {
    const { fetch } = setup([route.get("/", { resolve: () => new Response("ok") })]);
    expect(await (await fetch(req("/"))).text()).toBe("ok");
  });

  it("exposes the flattened route descriptors as app.routes", () => {
    const a = route.get("/a", { resolve: () => new Response() });
    const b = route.post("/b", { resolve: () => new Response() });
    const app = setup({ routes: [a, [b]] });
    expect(app.routes.map((r) => [r.method, r.path])).toEqual([
      ["GET", "/a"],
      ["POST", "/b"],
    ]);
  });

  it("passes the original Request to resolve as c.request", async () => {
    let seen: Request | undefined;
    const app = setup([
      route.get("/who", {
        resolve: (c) => {
          seen = c.request;
          return new Response(c.request.headers.get("x-name"));
        },
      }),
    ]);
    const request = req("/who", { headers: { "x-name": "ada" } });
    const res = await app.fetch(request);
    expect(seen).toBe(request);
    expect(await res.text()).toBe("ada");
  });

  it("extracts several path params as strings on c.params and c.raw.params", async () => {
    const app = setup([
      route.get("/boards/:boardId/cards/:cardId", {
        resolve: (c) => Response.json({ params: c.params, raw: c.raw.params }),
      }),
    ]);
    const body = await (await app.fetch(req("/boards/7/cards/abc"))).json();
    expect(body).toEqual({
      params: { boardId: "7", cardId: "abc" },
      raw: { boardId: "7", cardId: "abc" },
    });
  });

  it("prefers a static segment over a param segment whatever the declaration order", async () => {
    const app = setup([
      route.get("/tasks/:id", { resolve: (c) => new Response(`task ${c.params.id}`) }),
      route.get("/tasks/stats", { resolve: () => new Response("stats") }),
    ]);
    expect(await (await app.fetch(req("/tasks/stats"))).text()).toBe("stats");
    expect(await (await app.fetch(req("/tasks/9"))).text()).toBe("task 9");
  });

  it("matches a path with a trailing slash", async () => {
    const app = setup([route.get("/tasks", { resolve: () => new Response("list") })]);
    expect((await app.fetch(req("/tasks/"))).status).toBe(200);
  });

  it("answers 404 with {error: 'Not Found'} when no route matches", async () => {
    const app = setup([route.get("/tasks", { resolve: () => new Response("list") })]);
    const res = await app.fetch(req("/nope"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Not Found" });
  });

  it("answers 404 (not 405) when the path exists but the method does not", async () => {
    const app = setup([route.get("/tasks", { resolve: () => new Response("list") })]);
    const res = await app.fetch(req("/tasks", { method: "DELETE" }));
    expect(res.status).toBe(404);
  });

  it("routes GET, POST, PUT, PATCH, DELETE and OPTIONS to their own builders", async () => {
    const app = setup([
      route.get("/r", { resolve: text() }),
      route.post("/r", { resolve: text() }),
      route.put("/r", { resolve: text() }),
      route.patch("/r", { resolve: text() }),
      route.delete("/r", { resolve: text() }),
      route.options("/r", { resolve: text() }),
    ]);
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      expect(await (await app.fetch(req("/r", { method }))).text()).toBe(`${method} hit`);
    }
  });

  it("matches every method with route.all", async () => {
    const app = setup([route.all("/any", { resolve: text() })]);
    for (const method of ["GET", "POST", "PROPFIND"]) {
      expect(await (await app.fetch(req("/any", { method }))).text()).toBe(`${method} hit`);
    }
  });

  it("matches a custom method, or a list of methods, with route.on", async () => {
    const app = setup([
      route.on("PROPFIND", "/dav", { resolve: text() }),
      route.on(["GET", "POST"], "/both", { resolve: text() }),
    ]);
    expect(await (await app.fetch(req("/dav", { method: "PROPFIND" }))).text()).toBe(
      "PROPFIND hit",
    );
    expect((await app.fetch(req("/both", { method: "POST" }))).status).toBe(200);
    expect((await app.fetch(req("/both", { method: "PUT" }))).status).toBe(404);
  });

  it("matches any depth with `**` and captures it with `**:name`", async () => {
    const app = setup([
      route.get("/files/**:path", { resolve: (c) => new Response(`file ${c.params.path}`) }),
      route.get("/assets/**", { resolve: () => new Response("asset") }),
    ]);
    expect(await (await app.fetch(req("/files/a/b/c.txt"))).text()).toBe("file a/b/c.txt");
    expect(await (await app.fetch(req("/assets/x/y"))).text()).toBe("asset");
    expect(await (await app.fetch(req("/assets"))).text()).toBe("asset");
  });

  it("matches exactly one unnamed segment with `*`", async () => {
    const app = setup([route.get("/one/*", { resolve: (c) => new Response(c.params._0) })]);
    expect(await (await app.fetch(req("/one/x"))).text()).toBe("x");
    expect((await app.fetch(req("/one/x/y"))).status).toBe(404);
  });

  it("parses the query string into c.raw.query with repeated keys as arrays", async () => {
    const app = setup([route.get("/search", { resolve: (c) => Response.json(c.raw.query) })]);
    const res = await app.fetch(req("/search?q=hello+world&tag=a&tag=b"));
    expect(await res.json()).toEqual({ q: "hello world", tag: ["a", "b"] });
  });

  it("builds and runs a request with app.request", async () => {
    const app = setup([
      route.post("/echo", { resolve: async (c) => Response.json(await c.request.json()) }),
    ]);
    const res = await app.request("/echo", { method: "POST", body: { a: 1 } });
    expect(await res.json()).toEqual({ a: 1 });
  });

  it("exposes the second fetch argument as c.env", async () => {
    const app = setup([route.get("/env", { resolve: (c) => Response.json(c.env) })]);
    expect(await (await app.fetch(req("/env"), { region: "eu" })).json()).toEqual({ region: "eu" });
  });

  it("rejects a route path without a leading slash or a config without resolve", () => {
    expect(() => route.get("tasks", { resolve: () => new Response() })).toThrow(TypeError);
    // @ts-expect-error resolve is required
    expect(() => route.get("/tasks", {})).toThrow(TypeError);
  });

  it("rejects values that are not route descriptors", () => {
    // @ts-expect-error not a descriptor
    expect(() => setup([{ path: "/x" }])).toThrow(TypeError);
  });
});
