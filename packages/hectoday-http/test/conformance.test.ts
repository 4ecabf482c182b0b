/**
 * Conformance with the published @hectoday/http, written from its documented behaviour.
 *
 * The package has two generations. 0.1 (`setupHttp`, positional hooks, URLPattern routing, first
 * declared route wins, a text 404) and 0.2 (`setup({ routes })`, hooks taking one object, rou3
 * routing, a JSON 404). This package follows 0.2: its docs (API reference "Path patterns", Routes,
 * the framework spec's lifecycle) where they speak, and its source's behaviour where they are
 * silent. Each test names which, and the ones under "edges" are the points where a hand-written
 * matcher had drifted or where the two generations differ; README.md lists them with reasons.
 */
import { cors, route, setup, setupHttp } from "@hectoday/http";
import { describe, expect, it } from "vitest";
import { req } from "./helpers.ts";

const echoParams = (c: { params: Record<string, string | undefined> }) => Response.json(c.params);

async function status(app: ReturnType<typeof setup>, path: string, method = "GET") {
  return (await app.fetch(req(path, { method }))).status;
}

describe("path patterns (0.2 API reference)", () => {
  it("matches a static path exactly", async () => {
    const app = setup({ routes: [route.get("/users", { resolve: () => new Response("ok") })] });
    expect(await status(app, "/users")).toBe(200);
    expect(await status(app, "/users/1")).toBe(404);
    expect(await status(app, "/user")).toBe(404);
  });

  it("captures a named parameter as one segment", async () => {
    const app = setup({ routes: [route.get("/users/:id", { resolve: echoParams })] });
    expect(await (await app.fetch(req("/users/42"))).json()).toEqual({ id: "42" });
    expect(await status(app, "/users/42/posts")).toBe(404);
  });

  it("matches any depth with `**` and names it with `**:path`", async () => {
    const app = setup({
      routes: [
        route.get("/files/**:path", { resolve: echoParams }),
        route.get("/assets/**", { resolve: () => new Response("asset") }),
      ],
    });
    expect(await (await app.fetch(req("/files/a/b/c.txt"))).json()).toEqual({ path: "a/b/c.txt" });
    expect(await status(app, "/assets/x")).toBe(200);
    expect(await status(app, "/assets/x/y/z")).toBe(200);
  });

  it("reads several parameters in one segment (`:name.:ext`), as rou3 does", async () => {
    const app = setup({ routes: [route.get("/dl/:name.:ext", { resolve: echoParams })] });
    expect(await (await app.fetch(req("/dl/report.pdf"))).json()).toEqual({
      name: "report",
      ext: "pdf",
    });
  });

  it("prefers static over parameter over wildcard, whatever the order (0.2 source: rou3's tree)", async () => {
    const app = setup({
      routes: [
        route.get("/t/**", { resolve: () => new Response("wildcard") }),
        route.get("/t/:id", { resolve: () => new Response("param") }),
        route.get("/t/new", { resolve: () => new Response("static") }),
      ],
    });
    const text = async (path: string) => (await app.fetch(req(path))).text();
    expect(await text("/t/new")).toBe("static");
    expect(await text("/t/7")).toBe("param");
    expect(await text("/t/7/8")).toBe("wildcard");
  });
});

describe("edges where a local matcher had drifted, or the generations differ", () => {
  it("`*` is exactly one segment, exposed as `_0` (0.2 source; URLPattern's `*` in 0.1 spans any depth)", async () => {
    const app = setup({ routes: [route.get("/one/*", { resolve: echoParams })] });
    expect(await (await app.fetch(req("/one/x"))).json()).toEqual({ _0: "x" });
    expect(await status(app, "/one/x/y")).toBe(404);
  });

  it("refuses URLPattern-only syntax instead of taking `:id(\\d+)` or `:x?` as a literal name", () => {
    const resolve = () => new Response();
    expect(() => route.get("/tasks/:id(\\d+)", { resolve })).toThrow(
      /GET \/tasks\/:id\(\\d\+\).*params schema.*rou3/,
    );
    expect(() => route.get("/tasks/:id?", { resolve })).toThrow(/optional parameter/);
    expect(() => route.get("/files/:path+", { resolve })).toThrow(/repeated parameter.*\*\*:path/);
    expect(() => route.get("/files/*.txt", { resolve })).toThrow(
      /"\*" only works as a whole segment/,
    );
    expect(() => route.get("/a{/b}?", { resolve })).toThrow(/group or regular expression/);
    expect(() => route.get("/**/tail", { resolve })).toThrow(/must be the last segment/);
    // rou3's own escapes stay allowed: a literal colon or star.
    expect(() => route.get("/time/12\\:30", { resolve })).not.toThrow();
  });

  it("checks paths a group prefix produced too", () => {
    const tasks = route.get("/tasks", { resolve: () => new Response() });
    const bad = { ...tasks, path: "/v:version?/tasks" };
    expect(() => setup({ routes: [bad] })).toThrow(/optional parameter/);
  });

  it("a trailing slash still matches (0.2 source: rou3 drops one trailing slash; 0.1 did not match)", async () => {
    const app = setup({ routes: [route.get("/tasks", { resolve: () => new Response("list") })] });
    expect(await status(app, "/tasks/")).toBe(200);
  });

  it("parameters are the path's text as sent, not percent-decoded (0.2 source)", async () => {
    const app = setup({ routes: [route.get("/u/:name", { resolve: echoParams })] });
    expect(await (await app.fetch(req("/u/john%20doe"))).json()).toEqual({ name: "john%20doe" });
  });

  it("HEAD falls back to the GET route with its status and headers and no body (0.2 tests)", async () => {
    const app = setup({
      routes: [
        route.get("/thing", {
          resolve: () => Response.json({ hello: "world" }, { headers: { "x-custom": "1" } }),
        }),
      ],
    });
    const res = await app.fetch(req("/thing", { method: "HEAD" }));
    expect(res.status).toBe(200);
    expect(res.headers.get("x-custom")).toBe("1");
    expect(await res.text()).toBe("");
    const missing = await app.fetch(req("/missing", { method: "HEAD" }));
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe("");
  });

  it("an explicit HEAD route wins over the GET fallback (0.2 tests)", async () => {
    const app = setup({
      routes: [
        route.get("/thing", { resolve: () => new Response("from get") }),
        route.head("/thing", {
          resolve: () => new Response(null, { status: 204, headers: { "x-head": "yes" } }),
        }),
      ],
    });
    const res = await app.fetch(req("/thing", { method: "HEAD" }));
    expect(res.status).toBe(204);
    expect(res.headers.get("x-head")).toBe("yes");
  });

  it("a Response thrown from resolve is sent, through onResponse (0.2 source; 0.1 sent it to onError)", async () => {
    const seen: string[] = [];
    const app = setup({
      routes: [
        route.get("/deny", {
          resolve: () => {
            throw Response.json({ error: "nope" }, { status: 403 });
          },
        }),
      ],
      onError: () => {
        seen.push("onError");
        return new Response("error", { status: 500 });
      },
      onResponse: ({ response }) => {
        seen.push(`onResponse ${response.status}`);
        return response;
      },
    });
    const res = await app.fetch(req("/deny"));
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "nope" });
    expect(seen).toEqual(["onResponse 403"]);
  });

  it("the default 404 is JSON `{ error: 'Not Found' }` (0.2 source; 0.1 answered the text `Not Found`)", async () => {
    const res = await setup({ routes: [] }).fetch(req("/nowhere"));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(await res.json()).toEqual({ error: "Not Found" });
  });

  it("a known path with another method is a 404, not a 405 (0.2 tests)", async () => {
    const app = setup({ routes: [route.get("/only-get", { resolve: () => new Response() })] });
    expect(await status(app, "/only-get", "POST")).toBe(404);
  });
});

describe("the 0.1 generation is refused with a message", () => {
  it("setupHttp() says to use setup({ routes })", () => {
    expect(() => setupHttp({ handlers: [] })).toThrow(
      /0\.1 name.*setup\(\{ routes: \[\.\.\.\] \}\)/,
    );
  });

  it("positional onResponse(c, res) and onError(err, c) are refused at setup()", () => {
    const routes = [route.get("/", { resolve: () => new Response() })];
    const onResponse = (_c: unknown, res: Response) => res;
    const onError = (_err: unknown, _c: unknown) => new Response(null, { status: 500 });
    // @ts-expect-error the 0.1 signature does not type-check against 0.2 either
    expect(() => setup({ routes, onResponse })).toThrow(/onResponse\(c, response\).*one object/);
    // @ts-expect-error the 0.1 signature does not type-check against 0.2 either
    expect(() => setup({ routes, onError })).toThrow(/onError\(error, c\).*one object/);
  });

  it("an onRequest(request) that reads the Request from its argument gets a message, through onError", async () => {
    let message = "";
    const app = setup({
      routes: [route.get("/", { resolve: () => new Response("ok") })],
      // 0.1 style: the argument used to be the Request itself.
      onRequest: (request) => {
        (request as unknown as Request).headers.get("x-id");
      },
      onError: ({ error }) => {
        message = error.message;
        return new Response(null, { status: 500 });
      },
    });
    expect(await status(app, "/")).toBe(500);
    expect(message).toMatch(/onRequest read \.headers.*\(\{ request, env \}\).*\(\{ request \}\)/);
  });

  it("the info objects still spread and destructure to exactly their documented fields", async () => {
    let keys: string[] = [];
    const app = setup({
      routes: [route.get("/", { resolve: () => new Response("ok") })],
      onRequest: (info) => {
        keys = Object.keys({ ...info }).sort();
      },
    });
    expect(await status(app, "/")).toBe(200);
    expect(keys).toEqual(["env", "request"]);
  });
});

describe("setup() and the app (0.2 API reference)", () => {
  it("app.routes is the array passed to setup()", () => {
    const routes = [route.get("/a", { resolve: () => new Response("a") })];
    expect(setup({ routes }).routes).toBe(routes);
  });

  it("app.request builds the Request: GET by default, a JSON body, repeated query keys", async () => {
    const app = setup({
      routes: [
        route.all("/echo", {
          resolve: async (c) =>
            Response.json({
              method: c.request.method,
              type: c.request.headers.get("content-type"),
              body: c.request.method === "GET" ? null : await c.request.json(),
              tag: new URL(c.request.url).searchParams.getAll("tag"),
            }),
        }),
      ],
    });
    expect(await (await app.request("/echo")).json()).toMatchObject({ method: "GET", body: null });
    expect(
      await (
        await app.request("/echo", { method: "post", body: { x: 1 }, query: { tag: ["a", "b"] } })
      ).json(),
    ).toEqual({ method: "POST", type: "application/json", body: { x: 1 }, tag: ["a", "b"] });
  });

  it("decodes `+` in query strings as a space (0.2.1 changelog)", async () => {
    const app = setup({
      routes: [route.get("/search", { resolve: (c) => Response.json(c.raw.query) })],
    });
    expect(await (await app.fetch(req("/search?q=hello+world"))).json()).toEqual({
      q: "hello world",
    });
  });

  it("passes fetch's second argument to the hooks and the context as env", async () => {
    const app = setup({
      routes: [route.get("/", { resolve: (c) => Response.json({ env: c.env }) })],
    });
    expect(await (await app.fetch(req("/"), { region: "eu" })).json()).toEqual({
      env: { region: "eu" },
    });
  });
});

describe("cors() (0.2 CORS docs)", () => {
  const withCors = (options: Parameters<typeof cors>[0]) => {
    const { preflight, headers } = cors(options);
    return setup({
      routes: [preflight(route), route.get("/tasks", { resolve: () => Response.json([]) })],
      onResponse: ({ request, response }) => headers(request, response),
    });
  };
  const from = (origin: string | undefined, init: RequestInit = {}) =>
    req("/tasks", { ...init, headers: { ...(origin ? { origin } : {}), ...init.headers } });

  it("echoes an allowed origin with Vary: Origin, and adds nothing for another origin", async () => {
    const app = withCors({ origin: ["https://app.example", "https://staging.example"] });
    const ok = await app.fetch(from("https://staging.example"));
    expect(ok.headers.get("access-control-allow-origin")).toBe("https://staging.example");
    expect(ok.headers.get("vary")).toBe("Origin");
    const other = await app.fetch(from("https://evil.example"));
    expect(other.status).toBe(200);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("answers a preflight with 204, the methods, the headers and the cache time", async () => {
    const app = withCors({
      origin: "https://app.example",
      methods: ["GET", "POST"],
      allowHeaders: ["Content-Type"],
      maxAge: 600,
    });
    const res = await app.fetch(
      from("https://app.example", {
        method: "OPTIONS",
        headers: { "access-control-request-method": "POST" },
      }),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST");
    expect(res.headers.get("access-control-allow-headers")).toBe("Content-Type");
    expect(res.headers.get("access-control-max-age")).toBe("600");
    const refused = await app.fetch(from("https://evil.example", { method: "OPTIONS" }));
    expect(refused.status).toBe(204);
    expect(refused.headers.get("access-control-allow-methods")).toBeNull();
  });

  it("allows the headers a preflight asks for when none are configured, and uses the default methods", async () => {
    const res = await withCors({ origin: "https://app.example" }).fetch(
      from("https://app.example", {
        method: "OPTIONS",
        headers: { "access-control-request-headers": "x-trace" },
      }),
    );
    expect(res.headers.get("access-control-allow-headers")).toBe("x-trace");
    expect(res.headers.get("access-control-allow-methods")).toBe(
      "GET, HEAD, PUT, PATCH, POST, DELETE",
    );
  });

  it("`*` answers `*` without credentials, and echoes the origin with them (0.2.1 changelog)", async () => {
    const open = await withCors({ origin: "*" }).fetch(from("https://any.example"));
    expect(open.headers.get("access-control-allow-origin")).toBe("*");
    expect(open.headers.get("vary")).toBeNull();
    const creds = await withCors({ origin: "*", credentials: true }).fetch(
      from("https://any.example"),
    );
    expect(creds.headers.get("access-control-allow-origin")).toBe("https://any.example");
    expect(creds.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("sends Allow-Credentials and Expose-Headers only for an allowed origin", async () => {
    const app = withCors({
      origin: "https://app.example",
      credentials: true,
      exposeHeaders: ["X-Request-Id"],
    });
    const ok = await app.fetch(from("https://app.example"));
    expect(ok.headers.get("access-control-allow-credentials")).toBe("true");
    expect(ok.headers.get("access-control-expose-headers")).toBe("X-Request-Id");
    const other = await app.fetch(from("https://evil.example"));
    expect(other.headers.get("access-control-allow-credentials")).toBeNull();
    expect(other.headers.get("access-control-expose-headers")).toBeNull();
  });
});
