import { CheckFailure, ENVIRONMENT_CODES, LearnerError } from "../errors.ts";
import type { Launcher, RunningServer } from "../runner/launcher.ts";
import { describeExit } from "../runner/learner-process.ts";
import { ModuleHost } from "../runner/module-host.ts";
import { devCommandFor } from "./curl.ts";
import { createHttpClient } from "./http-client.ts";
import { analyseModule, bundleKit } from "./learner-module.ts";
import type { LessonResult, StepResult, StepStatus } from "./results.ts";
import { openSse } from "./sse-client.ts";
import {
  conciseLines,
  isAboutHeartbeats,
  linesAsText,
  locateFailure,
  type Transcript,
} from "./transcript.ts";
import {
  type LessonChecker,
  type LessonInfo,
  SkipStep,
  type SseClient,
  type Step,
  type StepContext,
  type Timers,
  type WsClient,
} from "./types.ts";
import { openWs } from "./ws-client.ts";

/** The lesson being checked, as the reporters name it (defined beside `StepContext`, which carries it). */
export type { LessonInfo } from "./types.ts";

/** Callbacks through which a run reports progress (reporters implement them). */
export interface HarnessEvents {
  onStepStart?(lesson: LessonInfo, step: { slug: string; title: string }): void;
  onStepResult?(lesson: LessonInfo, result: StepResult): void;
  /** The verdict, as soon as the last step has run and before the teardown. */
  onVerdict?(result: LessonResult): void;
}

/** The implicit first step of every lesson with a server. */
export const START_STEP = {
  slug: "server-starts",
  title: "Your server starts and listens on PORT",
  nudge: "Look at how `src/server.ts` starts listening, and on which port.",
  concept:
    "The checker runs your server as a separate process and waits for it to answer on the port it passes through PORT; a server that crashes while starting, or listens on another port, cannot be reached by any step.",
  hint: "Start the server with serve({ fetch: app.fetch, port }) in src/server.ts, reading the port from process.env.PORT (default 3000). Run `npm run dev` in your workspace to see the error yourself.",
};

/** The steps a checker runs, in order, as a reporter names them: START_STEP first for a lesson with a server. */
export function stepListOf(checker: LessonChecker): { slug: string; title: string }[] {
  return [...(checker.server === false ? [] : [START_STEP]), ...checker.steps];
}

const DEFAULT_TIMEOUT = 5000;

/**
 * Runs a lesson's steps in order against freshly started learner servers, stops
 * at the first failure, reports each step, and always tears everything down.
 */
export async function runChecker(opts: {
  lesson: LessonInfo;
  checker: LessonChecker;
  launcher?: Launcher;
  transcript: Transcript;
  timers: Timers;
  redis?: StepContext["redis"];
  workspace: string;
  events?: HarnessEvents;
  /**
   * Applied to the message, details and hint of every step result before it is
   * reported (checkLesson renders the lesson references of a checker's texts with it).
   */
  render?: (text: string) => string;
}): Promise<LessonResult> {
  const { lesson, checker, launcher, transcript, events } = opts;
  const t0 = performance.now();
  const steps: StepResult[] = [];
  const teardown: (() => unknown)[] = [];
  const sseClients: SseClient[] = [];
  const wsClients: WsClient[] = [];
  const hosts: ModuleHost[] = [];
  /** Set while a step runs: guards a module loaded during the step too. */
  let watchHost: ((host: ModuleHost) => void) | undefined;
  let stepSignal: AbortSignal | undefined;
  const state = new Map<string, unknown>();
  const log = transcript.logger("tester");
  const actors = new Map<string, number>();
  const uniqueName = (base: string) => {
    const n = (actors.get(base) ?? 0) + 1;
    actors.set(base, n);
    return `${base}-${n}`;
  };

  const needServer = checker.server !== false;
  const firstServer = (): RunningServer => {
    const s = launcher?.servers[0];
    if (!s) throw new Error("This lesson's checker has no server to talk to (server: false).");
    return s;
  };

  const ctx: StepContext = {
    lesson: { number: lesson.number, slug: lesson.slug, title: lesson.title },
    log,
    actor: (name, ao) => transcript.logger(name, ao),
    get server() {
      return firstServer();
    },
    get servers() {
      return launcher?.servers ?? [];
    },
    startServer: async (name, env) => {
      if (!launcher) throw new Error("startServer needs a launcher");
      return launcher.launch(name, env);
    },
    http: createHttpClient({
      logger: transcript.logger("http"),
      defaultServer: firstServer,
      signal: () => stepSignal,
      actor: (name) => transcript.logger(name),
    }),
    sse: async (path, so = {}) => {
      const server = so.server ?? firstServer();
      const name = so.name ?? uniqueName("sse");
      const client = await openSse(`${server.url}${path}`, {
        name,
        logger: transcript.logger(name, { peer: server.name }),
        lastEventId: so.lastEventId,
        devPort: server.devPort,
        headers: so.headers,
        timeout: so.timeout,
        signal: stepSignal,
      });
      sseClients.push(client);
      return client;
    },
    ws: async (path = "/ws", wo = {}) => {
      const server = wo.server ?? firstServer();
      const name = wo.name ?? uniqueName("ws");
      const client = await openWs(`${server.wsUrl}${path}`, {
        name,
        logger: transcript.logger(name, { peer: server.name }),
        cookie: wo.cookie,
        origin: wo.origin,
        headers: wo.headers,
        autoPong: wo.autoPong,
        devPort: server.devPort,
        timeout: wo.timeout,
      });
      wsClients.push(client);
      return client;
    },
    login: async (email, server) => {
      const res = await ctx.http.post("/login", { email }, { server });
      if (res.status === 404) return undefined;
      const setCookie = res.headers.get("set-cookie") ?? "";
      const m = /(?:^|,\s*)session=([^;,\s]+)/.exec(setCookie);
      if (res.status !== 200 || !m) {
        throw new CheckFailure(`Logging in as ${email} did not give a session cookie.`, {
          expected: "200 with Set-Cookie: session=<id>; HttpOnly; SameSite=Lax; Path=/",
          received: `${res.status}, Set-Cookie: ${setCookie || "(none)"}`,
        });
      }
      return `session=${m[1]}`;
    },
    timers: opts.timers,
    redis: opts.redis,
    workspace: opts.workspace,
    loadModule: async (file, mo = {}) => {
      if (!launcher) throw new Error("loadModule needs a launcher (a checker with a server)");
      const { inputs, packages } = await analyseModule(opts.workspace, file);
      const command = await launcher.builder.prepareModule(file);
      const kitUrl = mo.kit ? await bundleKit(mo.kit) : undefined;
      const host = await ModuleHost.start({
        command,
        file,
        name: mo.name ?? "your module",
        transcript,
        kitUrl,
        loadTimeout: mo.timeout,
        callTimeout: mo.callTimeout,
      });
      hosts.push(host);
      watchHost?.(host);
      teardown.push(() => host.stop());
      return { file, exports: host.exports, inputs, packages, host };
    },
    state,
    onTeardown: (fn) => teardown.push(fn),
    get signal() {
      return stepSignal ?? new AbortController().signal;
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };

  const allSteps: Step[] = needServer
    ? [
        {
          ...START_STEP,
          timeout: 15_000,
          run: async () => {
            if (!launcher) throw new Error("a checker with a server needs a launcher");
            const s = await launcher.launch("your server");
            log.pass(`your server listens on port ${s.port}`);
          },
        },
        ...checker.steps,
      ]
    : checker.steps;

  let failed: StepResult | undefined;
  let verdict: LessonResult;
  try {
    for (const step of allSteps) {
      if (failed) {
        steps.push({
          slug: step.slug,
          title: step.title,
          hint: step.hint,
          status: "skipped",
          durationMs: 0,
        });
        continue;
      }
      events?.onStepStart?.(lesson, step);
      const from = transcript.section();
      const ac = new AbortController();
      stepSignal = ac.signal;
      const result = renderResult(
        await runStep(step, ctx, ac, launcher, hosts, (watch) => {
          watchHost = watch;
        }),
        opts.render,
      );
      watchHost = undefined;
      stepSignal = undefined;
      const failing = result.status !== "pass" && result.status !== "skipped";
      result.lines = conciseLines(transcript.lines.slice(from), {
        heartbeats: isAboutHeartbeats(step),
        max: failing ? 40 : 80,
      });
      if (failing) {
        result.transcript = linesAsText(result.lines);
        result.failedAt = locateFailure(result.lines, result.message ?? "", {
          actor: result.failedAt?.actor,
          details: result.details,
        });
        // replay lines for a second instance need both instances running by hand
        const [first, ...others] = launcher?.servers ?? [];
        for (const other of others) {
          if (!result.transcript.includes(`localhost:${other.devPort}`)) continue;
          result.details = [
            ...(result.details ?? []),
            `Replay lines with port ${other.devPort} talk to ${other.name}. To replay them, run yours as \`${devCommandFor(first!.devEnv)}\` and ${other.name} beside it as \`${devCommandFor(other.devEnv)}\`.`,
          ];
        }
        // the hint levels go with the step's own hint (not with a failure's own advice)
        const render = opts.render ?? ((text: string) => text);
        if (result.hint === render(step.hint)) {
          if (step.nudge) result.nudge = render(step.nudge);
          if (step.concept) result.concept = render(step.concept);
        }
        failed = result;
      }
      steps.push(result);
      events?.onStepResult?.(lesson, result);
    }
    const status = failed ? (failed.status === "error" ? "error" : "fail") : "pass";
    verdict = { ...lesson, status, durationMs: Math.round(performance.now() - t0), steps };
    events?.onVerdict?.(verdict);
  } finally {
    for (const c of sseClients) c.close();
    for (const c of wsClients) c.terminate();
    for (const fn of teardown.reverse()) {
      try {
        await fn();
      } catch {
        // teardown must go on whatever one hook did
      }
    }
    await launcher?.stopAll();
  }
  return verdict;
}

async function runStep(
  step: Step,
  ctx: StepContext,
  ac: AbortController,
  launcher: Launcher | undefined,
  hosts: ModuleHost[],
  onHost: (watch: (host: ModuleHost) => void) => void,
): Promise<StepResult> {
  const timeout = step.timeout ?? DEFAULT_TIMEOUT;
  const t0 = performance.now();
  const base = { slug: step.slug, title: step.title, hint: step.hint };
  let timer: NodeJS.Timeout | undefined;
  const guards: Promise<never>[] = [
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        ac.abort();
        reject(
          new LearnerError("STEP_TIMEOUT", `This step did not finish within ${timeout} ms.`, {
            details: ["The last lines above show what the check was waiting for."],
          }),
        );
      }, timeout);
    }),
  ];
  const watchers: (() => void)[] = [];
  for (const server of launcher?.servers ?? []) guards.push(crashGuard(server, watchers));
  guards.push(moduleGuard(hosts, watchers, onHost));
  try {
    await Promise.race([step.run(ctx), ...guards]);
    return { ...base, status: "pass", durationMs: Math.round(performance.now() - t0) };
  } catch (error) {
    if (error instanceof SkipStep) {
      const durationMs = Math.round(performance.now() - t0);
      return {
        ...base,
        status: "skipped",
        message: error.message,
        details: error.details,
        durationMs,
      };
    }
    return { ...base, ...describeFailure(error), durationMs: Math.round(performance.now() - t0) };
  } finally {
    clearTimeout(timer);
    for (const w of watchers) w();
    if (!ac.signal.aborted) ac.abort();
  }
}

/** The result with `render` applied to the texts a checker wrote (message, details, hint). */
function renderResult(result: StepResult, render?: (text: string) => string): StepResult {
  if (!render) return result;
  return {
    ...result,
    hint: render(result.hint),
    ...(result.message !== undefined ? { message: render(result.message) } : {}),
    ...(result.details ? { details: result.details.map(render) } : {}),
  };
}

/** Rejects when `server` exits without the runner asking it to. */
function crashGuard(server: RunningServer, cleanups: (() => void)[]): Promise<never> {
  return new Promise<never>((_, reject) => {
    let active = true;
    cleanups.push(() => {
      active = false;
    });
    server.process.exited().then((info) => {
      if (!active || server.expectingExit || server.alive) return;
      const how = describeExit(info);
      reject(
        new LearnerError("SERVER_EXITED", `${capitalise(server.name)} ${how} during this step.`, {
          details: ["Last lines of its output:", ...server.outputTail(15)],
        }),
      );
    });
  });
}

/**
 * Rejects when a learner module's process (one loaded before or during the step)
 * ends without the runner asking it to, with the reason the host gives.
 */
function moduleGuard(
  hosts: ModuleHost[],
  cleanups: (() => void)[],
  onHost: (watch: (host: ModuleHost) => void) => void,
): Promise<never> {
  return new Promise<never>((_, reject) => {
    let active = true;
    cleanups.push(() => {
      active = false;
    });
    const watch = (host: ModuleHost) => {
      void host.crashed().then((error) => {
        if (active && !host.expectingExit) reject(error);
      });
    };
    for (const host of hosts) watch(host);
    onHost(watch);
  });
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function describeFailure(error: unknown): {
  status: StepStatus;
  message: string;
  details?: string[];
  code: string;
  hint?: string;
  failedAt?: { actor: string };
} {
  if (error instanceof LearnerError) {
    const status: StepStatus = ENVIRONMENT_CODES.has(error.code) ? "error" : "fail";
    const actor = error instanceof CheckFailure ? error.actor : undefined;
    return {
      status,
      message: error.message,
      details: error.details,
      code: error.code,
      ...(error.hint ? { hint: error.hint } : {}),
      ...(actor ? { failedAt: { actor } } : {}),
    };
  }
  const err = error as Error;
  return {
    status: "fail",
    code: "CHECK_CRASHED",
    message: `The check stopped on an unexpected error: ${err?.message ?? String(error)}`,
    details: [
      "This usually means your server answered with a shape the check did not expect; compare with the lesson text.",
      "If your answers look right, this may be a bug in the lab: please report it with the lines below.",
      ...(err?.stack?.split("\n").slice(0, 6) ?? []),
    ],
  };
}
