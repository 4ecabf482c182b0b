import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LessonInfo } from "../checks/harness.ts";
import type { LessonResult, StepResult } from "../checks/results.ts";
import { type Course, isAvailable, type Lesson } from "../course/manifest.ts";
import { hasPassed, type Progress, readProgress } from "../course/progress.ts";
import { LearnerError } from "../errors.ts";
import { escapeMarkup as esc } from "../report/escape.ts";
import type { Reporter } from "../report/reporter.ts";
import { lessonHtml } from "./lesson-html.ts";
import { LiveServer } from "./live-server.ts";
import {
  type ProgressView,
  progressHtml,
  type RunView,
  type StepView,
  statusHtml,
  stepHtml,
  stepsHtml,
} from "./page.ts";

/** How often, at most, the steps' marks are sent while a check runs (ms). */
const LIVE_EVERY_MS = 250;

/** Where the web view remembers its port, so a restarted runner is found again by an open page. */
export function webStateFile(workspace: string): string {
  return join(workspace, ".labs", "web.json");
}

/**
 * The web view of `labs lesson --web`: a page on 127.0.0.1 with the lesson text,
 * the step list, the course progress and a sequence diagram of every step,
 * brought up to date over Server-Sent Events while the watch loop runs.
 */
export class WebView {
  private run: RunView;

  private constructor(
    private readonly live: LiveServer,
    private readonly opts: { workspace: string; course: Course; lesson: Lesson; steps: StepView[] },
  ) {
    this.run = { status: "waiting", steps: opts.steps };
  }

  /**
   * Starts the page's server. The port is `port` when given (an error if it is
   * taken), else the one this workspace's web view had last time when it is free
   * (so an open page follows a restarted runner), else any free one.
   */
  static async start(opts: {
    workspace: string;
    course: Course;
    lesson: Lesson;
    /** The lesson text, Markdown with its references rendered. */
    markdown: string;
    /** The lesson's steps, in order, as they will run. */
    steps: { slug: string; title: string }[];
    port?: number;
    heartbeatMs?: number;
  }): Promise<WebView> {
    const steps: StepView[] = opts.steps.map((s) => ({ ...s, status: "pending" }));
    const regions = {
      status: statusHtml({ status: "waiting", steps }),
      steps: stepsHtml({ status: "waiting", steps }),
      progress: progressHtml(progressOf(opts.workspace, opts.course, opts.lesson)),
      lesson: lessonHtml(opts.markdown),
    };
    const title = `Lesson ${opts.lesson.number} · ${opts.lesson.title}`;
    const base = {
      title: `${title} · realtime-labs`,
      heading: `realtime-labs · ${esc(title)}`,
      restart: `npm run lesson ${opts.lesson.number} -- --web`,
      regions,
      heartbeatMs: opts.heartbeatMs,
    };
    const remembered = readRemembered(opts.workspace);
    let live: LiveServer;
    try {
      live = await LiveServer.start({ ...base, port: opts.port ?? remembered ?? 0 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      if (opts.port !== undefined)
        throw new LearnerError(
          "USAGE",
          `Port ${opts.port} is in use, so the web view cannot listen on it.`,
          {
            hint: "Leave out --web-port to take a free port, or give another one.",
          },
        );
      live = await LiveServer.start({ ...base, port: 0 });
    }
    await mkdir(join(opts.workspace, ".labs"), { recursive: true });
    await writeFile(webStateFile(opts.workspace), `${JSON.stringify({ port: live.port })}\n`);
    return new WebView(live, { ...opts, steps });
  }

  get url(): string {
    return this.live.url;
  }

  get port(): number {
    return this.live.port;
  }

  /**
   * A reporter that puts one check run on the page as it happens. While it runs,
   * the steps' marks go out at most every LIVE_EVERY_MS (the first change after a
   * quiet spell at once), each step alone (a patch of a few hundred bytes); the whole list, diagrams and all, once the verdict is
   * in. A page that redraws often while the check runs takes the machine from the
   * learner's server and the checker (bench/save-to-verdict.ts --web measures it).
   */
  reporter(changed: string[] = []): Reporter {
    let patches: Record<string, string> = {};
    let timer: NodeJS.Timeout | undefined;
    let sentAt = 0;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      sentAt = performance.now();
      this.live.update(
        { status: statusHtml(this.run) },
        { patches, quietly: { steps: stepsHtml(this.run, { light: true }) } },
      );
      patches = {};
    };
    const setStep = (slug: string, view: Partial<StepView>) => {
      this.run.steps = this.run.steps.map((s) => (s.slug === slug ? { ...s, ...view } : s));
      const step = this.run.steps.find((s) => s.slug === slug);
      if (step) patches[`step:${slug}`] = stepHtml(step, { light: true });
      if (timer) return;
      // the first change after a quiet spell goes at once, later ones together
      const quiet = performance.now() - sentAt;
      if (quiet >= LIVE_EVERY_MS) flush();
      else timer = setTimeout(flush, LIVE_EVERY_MS - quiet);
    };
    return {
      onLessonStart: (_lesson: LessonInfo) => {
        this.run = {
          status: "running",
          changed,
          steps: this.opts.steps.map((s) => ({ slug: s.slug, title: s.title, status: "pending" })),
        };
        sentAt = performance.now();
        this.live.update(
          { status: statusHtml(this.run), steps: stepsHtml(this.run, { light: true }) },
          { newRun: true },
        );
      },
      onStepStart: (_lesson, step) => setStep(step.slug, { status: "running" }),
      onStepResult: (_lesson, result: StepResult) =>
        setStep(result.slug, { status: result.status, title: result.title, result }),
      onLessonEnd: (result: LessonResult) => {
        this.run = {
          status: result.status,
          changed,
          durationMs: result.durationMs,
          error: result.error,
          finishedAt: new Date().toISOString(),
          steps: result.steps.length
            ? result.steps.map((s) => ({
                slug: s.slug,
                title: s.title,
                status: s.status,
                result: s,
              }))
            : this.run.steps,
        };
        clearTimeout(timer);
        timer = undefined;
        patches = {};
        this.live.update({ status: statusHtml(this.run), steps: stepsHtml(this.run) });
      },
    };
  }

  /** Reads the course progress again (after a run was recorded) and shows it. */
  refreshProgress(): void {
    this.live.update({
      progress: progressHtml(progressOf(this.opts.workspace, this.opts.course, this.opts.lesson)),
    });
  }

  async close(): Promise<void> {
    await this.live.close();
  }
}

function progressOf(workspace: string, course: Course, lesson: Lesson): ProgressView {
  let progress: Progress | undefined;
  try {
    progress = readProgress(workspace);
  } catch {
    // a progress file from a newer runner: the lesson command says so; the page shows none
  }
  return {
    lessons: course.lessons.filter(isAvailable).map((l) => ({
      number: l.number,
      slug: l.slug,
      title: l.title,
      passed: progress ? hasPassed(progress, l) : false,
      current: l.slug === lesson.slug,
    })),
  };
}

function readRemembered(workspace: string): number | undefined {
  const file = webStateFile(workspace);
  if (!existsSync(file)) return undefined;
  try {
    const port = JSON.parse(readFileSync(file, "utf8"))?.port;
    return Number.isInteger(port) && port > 1024 && port < 65536 ? port : undefined;
  } catch {
    return undefined;
  }
}
