import {
  cors,
  type GuardFn,
  group,
  route,
  setup,
  type setupHttp,
  type ValidationIssue,
  type Validator,
} from "@hectoday/http";
import { z } from "zod";

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assert = <T extends true>() => undefined as unknown as T;

const requireUser: GuardFn = (c) =>
  c.request.headers.get("x-user")
    ? { allow: true, locals: { user: "u" } }
    : { deny: new Response(null, { status: 401 }) };

const a = route.get("/boards/:boardId/cards/:cardId", {
  resolve: (c) => {
    assert<Equal<typeof c.params, { boardId: string; cardId: string }>>();
    const id: string = c.params.boardId;
    // @ts-expect-error unknown param
    c.params.nope;
    if (c.input.ok) {
      const q = c.input.query;
      return Response.json({ id, q });
    }
    return Response.json(c.input.issues, { status: 400 });
  },
});

const b = route.post("/boards/:boardId", {
  request: {
    body: z.object({ title: z.string(), n: z.number().optional() }),
    query: z.object({ page: z.coerce.number().default(1) }),
  },
  guards: [requireUser],
  resolve: async (c) => {
    if (!c.input.ok) return Response.json({ issues: c.input.issues }, { status: 400 });
    assert<Equal<typeof c.input.body, { title: string; n?: number | undefined }>>();
    assert<Equal<typeof c.input.query, { page: number }>>();
    assert<Equal<typeof c.input.params, { boardId: string }>>();
    const title: string = c.input.body.title;
    return Response.json({ title, board: c.params.boardId, user: c.locals.user });
  },
});

const cc = route.get("/files/**:path", {
  request: { params: z.object({ path: z.string().min(1) }) },
  resolve: (c) => {
    const p: string = c.params.path;
    if (c.input.ok) assert<Equal<typeof c.input.params, { path: string }>>();
    return new Response(p);
  },
});

const d = route.on(["GET", "POST"], "/multi", { resolve: () => new Response("x") });
const e = route.all("/*", { resolve: (c) => new Response(c.params._0 ?? "") });

const app = setup({
  routes: [a, b, cc, ...group({ prefix: "/api", guards: [requireUser], handlers: [d, [e]] })],
  onRequest: ({ request }) => ({ requestId: request.headers.get("x-id") ?? "x", start: 1 }),
  onResponse: ({ response, locals }) => {
    assert<Equal<typeof locals.requestId, string>>();
    return response;
  },
  onError: ({ error, locals }) =>
    Response.json({ e: error.message, id: locals.requestId ?? null }, { status: 500 }),
  onNotFound: ({ request }) =>
    Response.json({ path: new URL(request.url).pathname }, { status: 404 }),
});
const app2 = setup([a, b]);
const app3 = setup({ handlers: group([a, b]) });
const f: (r: Request) => Promise<Response> = app.fetch;
void f;
void app2;
void app3;

// A documentation-style Zod adapter typed against z.ZodType is accepted by setup().
const zodValidator: Validator<z.ZodType> = {
  validate(schema, input, part) {
    const result = schema.safeParse(input);
    if (result.success) return { ok: true, value: result.data as never };
    const issues: ValidationIssue[] = result.error.issues.map((issue) => ({
      part,
      path: issue.path.map(String),
      message: issue.message,
      code: issue.code,
    }));
    return { ok: false, issues, error: result.error as never };
  },
};
void setup({ validator: zodValidator, routes: [a] });

// cors(): the preflight route goes into routes, the header function into onResponse.
const { preflight, headers } = cors({ origin: ["https://app.example"], credentials: true });
void setup({
  routes: [preflight(route), a],
  onResponse: ({ request, response }) => headers(request, response),
});

// setupHttp is the 0.1 name: it exists only to refuse, typed as never returning.
assert<Equal<ReturnType<typeof setupHttp>, never>>();
