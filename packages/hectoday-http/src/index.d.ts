// Hand-written declarations for the local implementation of the documented @hectoday/http API.

// ---------------------------------------------------------------------------
// Schemas and validation
// ---------------------------------------------------------------------------

/** Which part of the request a schema describes. */
export type ValidationPart = "params" | "query" | "body";

/** One normalized validation problem. */
export interface ValidationIssue {
  part: ValidationPart;
  path: readonly string[];
  message: string;
  code?: string;
}

/** Result of `safeParse` on a schema (Zod-compatible). */
export type SafeParseResult<T, E> = { success: true; data: T } | { success: false; error: E };

/** Minimal schema shape: anything with a Zod-style `safeParse`. */
export interface SchemaLike<TOut = unknown, TErr = unknown> {
  safeParse(input: unknown): SafeParseResult<TOut, TErr>;
}

/** Output type of a schema (Standard Schema `~standard.types.output`, else the `safeParse` success data). */
export type InferSchema<S> = S extends { readonly "~standard": { readonly types?: infer T } }
  ? NonNullable<T> extends { readonly output: infer O }
    ? O
    : unknown
  : S extends { safeParse(input: unknown, ...rest: never[]): infer R }
    ? Extract<R, { success: true }> extends { data: infer D }
      ? D
      : unknown
    : unknown;

/** Error type a schema's `safeParse` reports on failure. */
export type InferSchemaError<S> = S extends { safeParse(input: unknown, ...rest: never[]): infer R }
  ? Extract<R, { success: false }> extends { error: infer E }
    ? E
    : unknown
  : unknown;

/** Successful adapter result. */
export interface ValidateOk<T> {
  ok: true;
  value: T;
}

/** Failed adapter result. */
export interface ValidateErr<TErr> {
  ok: false;
  issues: ValidationIssue[];
  error?: TErr;
}

/** What a validator adapter returns for one part. */
export type ValidateResult<T, TErr> = ValidateOk<T> | ValidateErr<TErr>;

/** Validator adapter (optional: without one, schemas are checked with their own `safeParse`). */
export interface Validator<TSchema = SchemaLike> {
  validate<S extends TSchema>(
    schema: S,
    input: unknown,
    part: ValidationPart,
  ): ValidateResult<InferSchema<S>, InferSchemaError<S>>;
}

/** Optional request schemas of a route. */
export interface RequestSchemas<TParams = unknown, TQuery = unknown, TBody = unknown> {
  params?: TParams;
  query?: TQuery;
  body?: TBody;
}

// ---------------------------------------------------------------------------
// Path parameters
// ---------------------------------------------------------------------------

type PathSegments<P extends string> = P extends `${infer Head}/${infer Tail}`
  ? Head | PathSegments<Tail>
  : P;

type NamedParam<S> = S extends `**:${infer Name}`
  ? Name
  : S extends `:${infer Name}`
    ? Name
    : never;

type HasUnnamedWildcard<P extends string> =
  "*" extends PathSegments<P> ? true : "**" extends PathSegments<P> ? true : false;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Path parameters a route pattern declares: `RouteParams<"/boards/:boardId">` is `{ boardId: string }`. */
export type RouteParams<P extends string> = string extends P
  ? Record<string, string>
  : Simplify<
      { [K in NamedParam<PathSegments<P>>]: string } & (HasUnnamedWildcard<P> extends true
        ? { [key: string]: string | undefined }
        : unknown)
    >;

// ---------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------

/** Raw query object: repeated keys become arrays. */
export type RawQuery = Record<string, string | string[] | undefined>;

/** Extracted but unvalidated request values. */
export interface RawValues<TParams = Record<string, string>> {
  readonly params: TParams;
  readonly query: RawQuery;
  /** Parsed JSON body, only when the route declares a body schema. */
  readonly body?: unknown;
}

/** Validation passed (always the case when a route has no schemas). */
export interface InputOk<TParams = unknown, TQuery = unknown, TBody = unknown> {
  ok: true;
  params: TParams;
  query: TQuery;
  body: TBody;
  issues: [];
  failed: [];
}

/** Validation failed for at least one part. */
export interface InputErr {
  ok: false;
  params: undefined;
  query: undefined;
  body: undefined;
  issues: ValidationIssue[];
  failed: ValidationPart[];
  received: { params?: unknown; query?: unknown; body?: unknown };
  errors?: Partial<Record<ValidationPart, unknown>>;
}

/** `c.input`: check `ok` first, then use the typed values. */
export type InputState<TParams = unknown, TQuery = unknown, TBody = unknown> =
  | InputOk<TParams, TQuery, TBody>
  | InputErr;

/** Per-request data from onRequest and guards. */
export type Locals = Record<string, unknown>;

/** The object passed to guards and `resolve`. */
export interface Context<
  TParams = Record<string, string>,
  TQuery = RawQuery,
  TBody = unknown,
  TRawParams = Record<string, string>,
  TLocals extends Locals = Locals,
  TEnv = unknown,
> {
  /** The original Web standard Request. */
  readonly request: Request;
  /** Raw path parameters (strings), same object as `raw.params`. */
  readonly params: TRawParams;
  /** Extracted but unvalidated params, query and (when a body schema exists) body. */
  readonly raw: RawValues<TRawParams>;
  /** Validation result. */
  readonly input: InputState<TParams, TQuery, TBody>;
  /** Request-scoped data from onRequest and guards. */
  readonly locals: TLocals;
  /** Second argument given to `app.fetch(request, env)`, if any (typed by `createRoutes<TEnv>()`). */
  readonly env: TEnv;
}

type SchemaOf<T, K extends ValidationPart> = T extends { [P in K]?: infer S }
  ? [S] extends [undefined]
    ? never
    : Exclude<S, undefined>
  : never;

type PartOut<TSchemas, K extends ValidationPart, TFallback> = [SchemaOf<TSchemas, K>] extends [
  never,
]
  ? TFallback
  : InferSchema<SchemaOf<TSchemas, K>>;

/** Context a route's `resolve` receives, typed from its path and schemas. */
export type RouteContext<TPath extends string, TSchemas, TEnv = unknown> = Context<
  PartOut<TSchemas, "params", RouteParams<TPath>>,
  PartOut<TSchemas, "query", RawQuery>,
  PartOut<TSchemas, "body", unknown>,
  RouteParams<TPath>,
  Locals,
  TEnv
>;

// ---------------------------------------------------------------------------
// Guards
// ---------------------------------------------------------------------------

/** A guard's decision: continue (optionally adding locals) or end the request with a Response. */
export type GuardResult = { allow: true; locals?: Locals } | { deny: Response };

/** A function that allows or denies a request before `resolve` runs. */
export type GuardFn = (
  // biome-ignore lint/suspicious/noExplicitAny: guards are shared across routes with different input types.
  c: Context<any, any, any, Record<string, string>, Locals>,
) => GuardResult | Promise<GuardResult>;

// ---------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------

/** Configuration of one route. */
export interface RouteConfig<
  TPath extends string = string,
  TSchemas = RequestSchemas,
  TEnv = unknown,
> {
  /** Optional schemas for params, query and JSON body. */
  request?: TSchemas;
  /** Response schemas keyed by status (metadata only, never enforced). */
  response?: Record<number, unknown>;
  /** Guards run in order after validation; the first deny ends the request. */
  guards?: GuardFn[];
  /** Returns the Response (method syntax so `c` may be annotated with narrower locals). */
  resolve(c: RouteContext<TPath, TSchemas, TEnv>): Response | Promise<Response>;
}

/** A route descriptor produced by `route.*()` and consumed by `setup()`. */
export interface RouteDescriptor {
  method: string | string[];
  path: string;
  config: {
    request?: RequestSchemas;
    response?: Record<number, unknown>;
    guards?: GuardFn[];
    // biome-ignore lint/suspicious/noExplicitAny: descriptors erase their route-specific context type.
    resolve(c: Context<any, any, any, any, any>): Response | Promise<Response>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: descriptors erase their route-specific context type.
  handler(c: Context<any, any, any, any, any>): Response | Promise<Response>;
  guards?: GuardFn[];
  request?: RequestSchemas;
}

/** Older name for a route descriptor. */
export type Handler = RouteDescriptor;

/** Routes, possibly nested in arrays (as groups return). */
export type RouteList = ReadonlyArray<RouteDescriptor | RouteList>;

type RequestSchemaInput = RequestSchemas<unknown, unknown, unknown>;

/** Schemas of a route that declares none. */
export type NoSchemas = { params?: undefined; query?: undefined; body?: undefined };

/** Signature shared by `route.get`, `route.post`, … (`TEnv` types `c.env`). */
export type RouteFactory<TEnv = unknown> = <
  const TPath extends string,
  TSchemas extends RequestSchemaInput = NoSchemas,
>(
  path: TPath,
  config: RouteConfig<TPath, TSchemas, TEnv>,
) => RouteDescriptor;

/** Route builders, one per HTTP method. */
export interface RouteBuilders<TEnv = unknown> {
  /** Declares a GET route (HEAD requests fall back to it). */
  get: RouteFactory<TEnv>;
  /** Declares a POST route. */
  post: RouteFactory<TEnv>;
  /** Declares a PUT route. */
  put: RouteFactory<TEnv>;
  /** Declares a PATCH route. */
  patch: RouteFactory<TEnv>;
  /** Declares a DELETE route. */
  delete: RouteFactory<TEnv>;
  /** Declares a HEAD route. */
  head: RouteFactory<TEnv>;
  /** Declares an OPTIONS route. */
  options: RouteFactory<TEnv>;
  /** Declares a route that matches every method. */
  all: RouteFactory<TEnv>;
  /** Declares a route for a custom method or a list of methods. */
  on<const TPath extends string, TSchemas extends RequestSchemaInput = NoSchemas>(
    method: string | readonly string[],
    path: TPath,
    config: RouteConfig<TPath, TSchemas, TEnv>,
  ): RouteDescriptor;
}

/** Route builders, one per HTTP method (`c.env` is `unknown`). */
export declare const route: RouteBuilders;

/** The same builders with `c.env` typed: `const r = createRoutes<Env>(); r.get(…)`. */
export declare function createRoutes<TEnv>(): RouteBuilders<TEnv>;

/** Options of `group()`. */
export interface GroupOptions {
  /** Path prefix added in front of every route path. */
  prefix?: string;
  /** Guards prepended to every route's own guards. */
  guards?: GuardFn[];
  handlers?: RouteList;
  routes?: RouteList;
}

/** Flattens routes into one array; the options form adds a shared prefix and guards. */
export declare function group(routes: RouteList): RouteDescriptor[];
export declare function group(options: GroupOptions): RouteDescriptor[];

// ---------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------

/** Context as seen by hooks (no route-specific typing). */
export type HookContext<TLocals extends Locals = Locals> = Context<
  unknown,
  unknown,
  unknown,
  Record<string, string>,
  TLocals & Locals
>;

/** Configuration for `setup()`. */
export interface SetupConfig<TLocals extends Locals = Locals, TEnv = unknown> {
  /** Route descriptors (nested arrays allowed). */
  routes?: RouteList;
  /** Older name for `routes`. */
  handlers?: RouteList;
  /** Validator adapter; without one, schemas are validated with their own `safeParse`. */
  validator?: Validator<never> | Validator;
  /** Runs before routing; a returned object becomes `c.locals`. It cannot end the request. */
  onRequest?: (info: {
    request: Request;
    env: TEnv;
    // biome-ignore lint/suspicious/noConfusingVoidType: a side-effect-only hook returns nothing.
  }) => TLocals | void | Promise<TLocals | void>;
  /** Runs for every response (route, guard deny, 404, error) and may replace it. */
  onResponse?: (info: {
    request: Request;
    response: Response;
    /** Locals from onRequest plus any added by guards. */
    locals: TLocals & Locals;
    env: TEnv;
    context: HookContext<TLocals>;
  }) => Response | Promise<Response>;
  /** Turns an unexpected throw into a Response (default: 500 `{"error":"Internal Server Error"}`). */
  onError?: (info: {
    error: Error;
    request: Request;
    locals: Partial<TLocals>;
    env: TEnv;
    context: HookContext<Partial<TLocals>>;
  }) => Response | Promise<Response>;
  /** Answers when no route matches method and path (default: 404 `{"error":"Not Found"}`). */
  onNotFound?: (info: {
    request: Request;
    locals: TLocals;
    env: TEnv;
    context: HookContext<TLocals>;
  }) => Response | Promise<Response>;
}

/** Older name for `SetupConfig`. */
export type Config<TLocals extends Locals = Locals, TEnv = unknown> = SetupConfig<TLocals, TEnv>;

/** Options for `app.request()`. */
export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | string[]>;
}

/** What `setup()` returns. */
export interface App<TEnv = unknown> {
  /** Standalone fetch handler (safe to pass unbound, e.g. `serve({ fetch: app.fetch })`). */
  fetch: (request: Request, env?: TEnv) => Promise<Response>;
  /** Test helper: builds a Request for `path` on http://localhost and runs it through `fetch`. */
  request: (path: string, options?: RequestOptions) => Promise<Response>;
  /** The route descriptors: the array given to setup(), or a flattened copy when it nested arrays. */
  routes: RouteDescriptor[];
}

/** Creates the app from a route array or a config object. */
export declare function setup<TLocals extends Locals = Locals, TEnv = unknown>(
  config: SetupConfig<TLocals, TEnv> | RouteList,
): App<TEnv>;

/**
 * The @hectoday/http 0.1 name of `setup`. This package follows 0.2: calling it throws a TypeError
 * that says to import `setup` and pass `{ routes }`, with hooks that take one object.
 * @deprecated Use `setup({ routes })`.
 */
export declare function setupHttp(config?: unknown): never;

/** Options for `cors()`. */
export interface CorsOptions {
  /** Allowed origin(s); `"*"` allows any origin. */
  origin: string | string[];
  /** Methods a preflight allows (default GET, HEAD, PUT, PATCH, POST, DELETE). */
  methods?: string[];
  /** Request headers a preflight allows (default: the ones the browser asks for). */
  allowHeaders?: string[];
  /** Response headers the browser may read. */
  exposeHeaders?: string[];
  /** Allow cookies and auth headers (the origin is then echoed, never `*`). */
  credentials?: boolean;
  /** How long (seconds) the browser may cache a preflight answer. */
  maxAge?: number;
}

/** What `cors()` returns: a preflight route and a function that adds the headers to a response. */
export interface Cors {
  /** The catch-all `OPTIONS /**` route answering preflights with 204: `routes: [preflight(route), …]`. */
  preflight: (builder: typeof route) => RouteDescriptor;
  /** The response with CORS headers for the request's Origin: `onResponse: ({ request, response }) => headers(request, response)`. */
  headers: (request: Request, response: Response) => Response;
}

/** The CORS helper of @hectoday/http 0.2. */
export declare function cors(options: CorsOptions): Cors;
