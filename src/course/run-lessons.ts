import type { LessonInfo } from "../checks/harness.ts";
import { runChecker } from "../checks/harness.ts";
import type { LessonResult } from "../checks/results.ts";
import { Transcript } from "../checks/transcript.ts";
import type { LessonChecker, Timers } from "../checks/types.ts";
import { isLearnerError } from "../errors.ts";
import type { Reporter, RunSummary } from "../report/reporter.ts";
import { createBuilder, type ServerBuilder } from "../runner/build.ts";
import { CHECK_TIMERS } from "../runner/environment.ts";
import { Launcher } from "../runner/launcher.ts";
import { provideRedis, type RedisHandle } from "../runner/redis.ts";
import { monitorRedis } from "../runner/redis-monitor.ts";
import { renderLessonRefs } from "./lesson-refs.ts";
import { courseOf, type Lesson, loadChecker } from "./manifest.ts";

/** Options for checking lessons against one workspace. */
export interface RunOptions {
  workspace: string;
  reporter: Reporter;
  /** Reused across runs in watch mode, so rebuilds stay incremental. */
  builder?: ServerBuilder;
  /** A workspace per lesson (checking the reference solutions); overrides `workspace`. */
  workspaceOf?: (lesson: Lesson) => string;
  env?: NodeJS.ProcessEnv;
  /**
   * Replaces the lesson's checker by what this returns, with the same Redis, server
   * settings and teardown (`labs bench` runs its own steps with the lesson's settings).
   */
  adaptChecker?: (checker: LessonChecker) => LessonChecker;
  /** Show what the servers send Redis in the transcript (default true; the bench leaves it out). */
  monitorRedis?: boolean;
}

/** Names a lesson for reporters. */
export function infoOf(lesson: Lesson): LessonInfo {
  return { number: lesson.number, slug: lesson.slug, title: lesson.title };
}

/** Checks one lesson: loads its checker, provides Redis if needed, runs the steps, reports. */
export async function checkLesson(lesson: Lesson, opts: RunOptions): Promise<LessonResult> {
  const info = infoOf(lesson);
  const reporter = opts.reporter;
  reporter.onLessonStart?.(info);
  // Lesson references in the checker's texts and log lines are rendered once the
  // course is known. Those texts may quote the learner's output, so an unknown
  // {{lesson:…}} there is kept as it is rather than thrown.
  let render: ((text: string) => string) | undefined;
  const transcript = new Transcript({ render: (text) => (render ? render(text) : text) });
  const unsubscribe = transcript.subscribe((line) => reporter.onLine?.(line));
  const ownBuilder = !opts.builder;
  const builder = opts.builder ?? createBuilder(opts.workspace, opts.env?.LABS_RUNTIME);
  let redis: RedisHandle | undefined;
  let monitor: { stop(): Promise<void> } | undefined;
  const t0 = performance.now();
  let result: LessonResult;
  let reported = false;
  try {
    const course = courseOf(lesson);
    render = (text) => renderLessonRefs(text, course, { file: lesson.checkFile, unknown: "keep" });
    const loaded = await loadChecker(lesson, course);
    const checker = opts.adaptChecker ? opts.adaptChecker(loaded) : loaded;
    const timers: Timers = { ...CHECK_TIMERS, ...checker.timers };
    if (checker.redis) redis = await provideRedis(transcript, opts.env ?? process.env);
    const launcher =
      checker.server === false
        ? undefined
        : new Launcher({
            builder,
            transcript,
            timers,
            redisUrl: redis?.url,
            extraEnv: redis ? { REDIS_PREFIX: redis.prefix, ...checker.env } : checker.env,
          });
    // What the servers say to Redis goes into the transcript too, from the instance that said it.
    if (redis && launcher && opts.monitorRedis !== false)
      monitor = await monitorRedis({
        url: redis.url,
        prefix: redis.prefix,
        transcript,
        servers: () => launcher.servers,
      });
    result = await runChecker({
      lesson: info,
      checker,
      launcher,
      transcript,
      timers,
      redis,
      workspace: opts.workspace,
      render,
      events: {
        onStepStart: (l, st) => reporter.onStepStart?.(l, st),
        onStepResult: (l, r) => reporter.onStepResult?.(l, r),
        onVerdict: (r) => {
          reported = true;
          reporter.onLessonEnd?.(r);
        },
      },
    });
  } catch (error) {
    if (!isLearnerError(error)) throw error;
    result = {
      ...info,
      status: "error",
      durationMs: Math.round(performance.now() - t0),
      steps: [],
      error: { code: error.code, message: error.message, hint: error.hint, details: error.details },
    };
  } finally {
    await monitor?.stop();
    await redis?.stop();
    if (ownBuilder) await builder.dispose();
    unsubscribe();
  }
  if (!reported) reporter.onLessonEnd?.(result);
  return result;
}

/** Checks lessons one after another and reports the summary. */
export async function checkLessons(lessons: Lesson[], opts: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  opts.reporter.onRunStart?.({ lessons: lessons.map(infoOf), workspace: opts.workspace });
  const shared = opts.workspaceOf
    ? undefined
    : (opts.builder ?? createBuilder(opts.workspace, opts.env?.LABS_RUNTIME));
  const results: LessonResult[] = [];
  try {
    for (const lesson of lessons) {
      const workspace = opts.workspaceOf?.(lesson) ?? opts.workspace;
      results.push(await checkLesson(lesson, { ...opts, workspace, builder: shared }));
    }
  } finally {
    if (shared && !opts.builder) await shared.dispose();
  }
  const summary = summarise(results, t0, opts.workspace);
  await opts.reporter.onRunEnd?.(summary);
  return summary;
}

/** The outcome of a run: `error` if any lesson could not be checked, else `pass` only if all passed. */
export function summarise(results: LessonResult[], t0: number, workspace: string): RunSummary {
  return {
    status: results.some((r) => r.status === "error")
      ? "error"
      : results.every((r) => r.status === "pass")
        ? "pass"
        : "fail",
    lessons: results,
    durationMs: Math.round(performance.now() - t0),
    workspace,
  };
}
