import { route, setup } from "@hectoday/http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { req } from "./helpers.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const boom = route.get("/boom", {
  resolve: () => {
    throw new Error("kaboom");
  },
});

describe("lifecycle hooks", () => {
  it("merges the object returned by onRequest into c.locals before routing", async () => {
    const app = setup({
      onRequest: ({ request }) => ({ requestId: request.headers.get("x-id") }),
      routes: [route.get("/", { resolve: (c) => Response.json(c.locals) })],
    });
    expect(await (await app.fetch(req("/", { headers: { "x-id": "r1" } }))).json()).toEqual({
      requestId: "r1",
    });
  });

  it("lets onRequest return nothing for side effects only", async () => {
    const seen: string[] = [];
    const app = setup({
      onRequest: ({ request }) => {
        seen.push(new URL(request.url).pathname);
      },
      routes: [route.get("/", { resolve: (c) => Response.json(c.locals) })],
    });
    expect(await (await app.fetch(req("/"))).json()).toEqual({});
    await app.fetch(req("/missing"));
    expect(seen).toEqual(["/", "/missing"]);
  });

  it("passes the response, locals, request and context to onResponse and sends what it returns", async () => {
    const app = setup({
      onRequest: () => ({ requestId: "abc" }),
      onResponse: ({ response, locals, request, context }) => {
        const headers = new Headers(response.headers);
        headers.set("x-request-id", locals.requestId);
        headers.set("x-path", new URL(request.url).pathname);
        headers.set("x-user", String(context.locals.user));
        return new Response(response.body, { status: response.status, headers });
      },
      routes: [
        route.get("/me", {
          guards: [() => ({ allow: true, locals: { user: "ada" } })],
          resolve: () => new Response("me", { status: 202 }),
        }),
      ],
    });
    const res = await app.fetch(req("/me"));
    expect(res.status).toBe(202);
    expect(res.headers.get("x-request-id")).toBe("abc");
    expect(res.headers.get("x-path")).toBe("/me");
    expect(res.headers.get("x-user")).toBe("ada");
    expect(await res.text()).toBe("me");
  });

  it("runs onResponse for guard denials, 404s and errors too", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const statuses: number[] = [];
    const app = setup({
      onResponse: ({ response }) => {
        statuses.push(response.status);
        return response;
      },
      routes: [
        boom,
        route.get("/deny", {
          guards: [() => ({ deny: new Response(null, { status: 403 }) })],
          resolve: () => new Response("never"),
        }),
      ],
    });
    await app.fetch(req("/deny"));
    await app.fetch(req("/missing"));
    await app.fetch(req("/boom"));
    expect(statuses).toEqual([403, 404, 500]);
  });

  it("sends the original response when onResponse throws", async () => {
    const app = setup({
      onResponse: () => {
        throw new Error("hook bug");
      },
      routes: [route.get("/", { resolve: () => new Response("original") })],
    });
    const res = await app.fetch(req("/"));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("original");
  });

  it("hands a thrown Error to onError with the request and locals", async () => {
    const app = setup({
      onRequest: () => ({ requestId: "r9" }),
      onError: ({ error, request, locals }) =>
        Response.json(
          { message: error.message, path: new URL(request.url).pathname, id: locals.requestId },
          { status: 500 },
        ),
      routes: [boom],
    });
    const res = await app.fetch(req("/boom"));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: "kaboom", path: "/boom", id: "r9" });
  });

  it("wraps a thrown non-Error value in an Error whose cause is the value", async () => {
    let cause: unknown;
    const app = setup({
      onError: ({ error }) => {
        cause = error.cause;
        return new Response(error.message, { status: 500 });
      },
      routes: [
        route.get("/s", {
          resolve: () => {
            throw "plain string";
          },
        }),
      ],
    });
    expect(await (await app.fetch(req("/s"))).text()).toBe("plain string");
    expect(cause).toBe("plain string");
  });

  it("answers 500 with {error: 'Internal Server Error'} when there is no onError", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await setup([boom]).fetch(req("/boom"));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: "Internal Server Error" });
    expect(log).toHaveBeenCalled();
  });

  it("falls back to the default 500 when onError itself throws", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const app = setup({
      onError: () => {
        throw new Error("handler for errors broke");
      },
      routes: [boom],
    });
    const res = await app.fetch(req("/boom"));
    expect(await res.json()).toEqual({ error: "Internal Server Error" });
  });

  it("sends errors thrown by onRequest to onError", async () => {
    const app = setup({
      onRequest: () => {
        throw new Error("no session store");
      },
      onError: ({ error }) => new Response(error.message, { status: 503 }),
      routes: [route.get("/", { resolve: () => new Response("never") })],
    });
    const res = await app.fetch(req("/"));
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("no session store");
  });

  it("treats a resolve that returns something other than a Response as an error", async () => {
    const app = setup({
      onError: ({ error }) => new Response(error.message, { status: 500 }),
      routes: [route.get("/", { resolve: () => ({ not: "a response" }) as never })],
    });
    expect(await (await app.fetch(req("/"))).text()).toMatch(/must return a Response/);
  });

  it("sends a Response that resolve throws as the response", async () => {
    const app = setup([
      route.get("/", {
        resolve: () => {
          throw new Response("thrown", { status: 418 });
        },
      }),
    ]);
    const res = await app.fetch(req("/"));
    expect(res.status).toBe(418);
    expect(await res.text()).toBe("thrown");
  });

  it("answers unmatched requests with onNotFound when given", async () => {
    const app = setup({
      onRequest: () => ({ requestId: "n1" }),
      onNotFound: ({ request, locals }) =>
        Response.json(
          { error: "Not found", path: new URL(request.url).pathname, id: locals.requestId },
          { status: 404 },
        ),
      routes: [],
    });
    const res = await app.fetch(req("/nowhere"));
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: "Not found", path: "/nowhere", id: "n1" });
  });

  it("keeps HEAD bodies empty after onResponse", async () => {
    const app = setup({
      onResponse: ({ response }) => {
        response.headers.set("x-hooked", "1");
        return response;
      },
      routes: [route.get("/thing", { resolve: () => Response.json({ ok: true }) })],
    });
    const res = await app.fetch(req("/thing", { method: "HEAD" }));
    expect(res.headers.get("x-hooked")).toBe("1");
    expect(await res.text()).toBe("");
    expect(await (await app.fetch(req("/missing", { method: "HEAD" }))).text()).toBe("");
  });
});
