import { STATUS_CODES } from "node:http";
import { CheckFailure } from "../errors.ts";
import { curlFor, devBase } from "./curl.ts";
import { excerpt, type Logger } from "./transcript.ts";
import type {
  HttpClient,
  HttpRequestOptions,
  HttpResult,
  PendingRequest,
  ServerHandle,
} from "./types.ts";

/** Creates the recording HTTP client a step uses; `defaultServer` is looked up on each call. */
export function createHttpClient(opts: {
  logger: Logger;
  defaultServer: () => ServerHandle;
  signal: () => AbortSignal | undefined;
  actor: (name: string) => Logger;
}): HttpClient {
  const start = (method: string, path: string, ro: HttpRequestOptions = {}): PendingRequest => {
    const server = ro.server ?? opts.defaultServer();
    const logger = ro.name ? opts.actor(ro.name) : opts.logger;
    const abort = new AbortController();
    const signals = [abort.signal];
    const stepSignal = opts.signal();
    if (stepSignal) signals.push(stepSignal);
    if (ro.timeout) signals.push(AbortSignal.timeout(ro.timeout));
    let settled = false;
    const result = send(
      method,
      path,
      server,
      logger,
      AbortSignal.any(signals),
      ro,
      abort.signal,
    ).finally(() => {
      settled = true;
    });
    // A pending request that nobody awaits must not crash the runner.
    result.catch(() => {});
    return {
      get settled() {
        return settled;
      },
      result,
      abort: () => abort.abort(),
    };
  };
  const request = (method: string, path: string, ro?: HttpRequestOptions) =>
    start(method, path, { timeout: 5000, ...ro }).result;
  return {
    request,
    start,
    get: (path, ro) => request("GET", path, ro),
    delete: (path, ro) => request("DELETE", path, ro),
    post: (path, body, ro) => request("POST", path, { ...ro, body }),
    patch: (path, body, ro) => request("PATCH", path, { ...ro, body }),
  };
}

async function send(
  method: string,
  path: string,
  server: ServerHandle,
  logger: Logger,
  signal: AbortSignal,
  ro: HttpRequestOptions,
  userAbort: AbortSignal,
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...ro.headers };
  let body: string | undefined;
  if (ro.rawBody !== undefined) {
    body = ro.rawBody;
    headers["Content-Type"] ??= "application/json";
  } else if (ro.body !== undefined) {
    body = JSON.stringify(ro.body);
    headers["Content-Type"] ??= "application/json";
  }
  const url = `${server.url}${path}`;
  const curl = curlFor(method, path, { headers, body, base: devBase(server.devPort) });
  const peer = server.name;
  logger.send(`${method} ${path}${body ? ` ${excerpt(body, 200)}` : ""}`, {
    peer,
    message: "request",
    replay: curl,
  });
  const t0 = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, { method, headers, body, signal, redirect: "manual" });
    text = await res.text();
  } catch (error) {
    const ms = Math.round(performance.now() - t0);
    if (userAbort.aborted) throw new CheckFailure(`${method} ${path} was aborted by the checker.`);
    if (signal.aborted) {
      throw new CheckFailure(`${method} ${path} got no answer within ${ms} ms.`, {
        expected: "a response",
        received: "nothing yet: the request is still open",
      });
    }
    // A crash closes the socket a moment before the exit is seen: give it that moment.
    for (let i = 0; i < 15 && server.alive; i++) await new Promise((r) => setTimeout(r, 10));
    throw connectionFailure(method, path, server, error);
  }
  const durationMs = Math.round(performance.now() - t0);
  logger.recv(
    `${res.status} ${res.statusText || STATUS_CODES[res.status] || ""} (${durationMs} ms) ${excerpt(text, 240)}`,
    { peer, message: "response" },
  );
  return {
    method,
    url,
    status: res.status,
    headers: res.headers,
    text,
    durationMs,
    curl,
    json<T>(): T {
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new CheckFailure(`${method} ${path} did not answer with JSON.`, {
          expected: "a JSON body",
          received: `${res.headers.get("content-type") ?? "no content-type"}: ${excerpt(text, 200) || "(empty body)"}`,
        });
      }
    },
  };
}

function connectionFailure(
  method: string,
  path: string,
  server: ServerHandle,
  error: unknown,
): CheckFailure {
  const cause = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message;
  if (!server.alive) {
    return new CheckFailure(`Your server exited while answering ${method} ${path}.`, {
      received: `the process is gone; its last output: ${server.outputTail(5).join(" | ") || "(none)"}`,
    });
  }
  if (cause === "ECONNREFUSED") {
    return new CheckFailure(`${method} ${path}: nothing accepted the connection at ${server.url}.`);
  }
  return new CheckFailure(
    `${method} ${path}: the connection failed before a full response came (${cause}).`,
    {
      expected: "a complete HTTP response",
      received: "the connection was closed or reset",
    },
  );
}
