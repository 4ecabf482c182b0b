/**
 * Save-to-verdict benchmark: how long from saving a file in the workspace to the
 * check's verdict, through the real watch pipeline (chokidar → debounce → rebuild
 * → start the server → lesson 3's checker → verdict), for the default start
 * (kept-alive esbuild context + plain node) and for a plain `node --import tsx`
 * start, interleaved so machine noise falls on both alike.
 *
 * With --web, it measures the default start with the web view (`labs lesson --web`)
 * and a real Chromium page following it, against the same without: one workspace,
 * one watch loop and one server build, the web view's reporter taking part in every
 * other save (so nothing but the web view differs), and how long after the save the
 * page shows the verdict.
 *
 *   npm run bench -- [--saves N] [--lesson 3] [--web]
 */
import { appendFile, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../src/checks/browser.ts";
import { stepListOf } from "../src/checks/harness.ts";
import type { LessonResult } from "../src/checks/results.ts";
import { findLesson, loadChecker, loadCourse } from "../src/course/manifest.ts";
import { checkLesson } from "../src/course/run-lessons.ts";
import { materialise } from "../src/course/self-check.ts";
import { combine } from "../src/report/reporter.ts";
import { createBuilder, RUNNER_ROOT, type ServerBuilder } from "../src/runner/build.ts";
import { CHROMIUM_FIX, findChromium } from "../src/runner/chromium.ts";
import { WatchLoop } from "../src/watch/watch-loop.ts";
import { WebView } from "../src/web/web-view.ts";

const { values } = parseArgs({
  options: {
    saves: { type: "string", default: "12" },
    lesson: { type: "string", default: "3" },
    web: { type: "boolean", default: false },
  },
});
const saves = Math.min(Number(values.saves), 50);
const lesson = findLesson(loadCourse(), values.lesson);

interface Variant {
  name: string;
  workspace: string;
  builder: ServerBuilder;
  loop: WatchLoop;
  verdict?: (r: LessonResult) => void;
  times: number[];
  /** Per save: until the run started (file event + debounce), the steps, and the rest (build, start). */
  phases: { toRun: number; steps: number; rest: number; bySlug: Record<string, number> }[];
  /** When the current run started. */
  runAt?: number;
  /** With the web view: its page, and how long after each save the page showed the verdict. */
  web?: { view: WebView; page: Page; times: number[] };
  /** Whether the web view takes part in the next save's check. */
  webOn?: boolean;
  /** Resolves when the last check has ended, teardown included. */
  settled: Promise<unknown>;
}

async function variant(name: string, mode: "esbuild" | "tsx", web = false): Promise<Variant> {
  // inside the runner, so tsx (which runs the source in place) resolves the packages
  const workspace = await materialise(
    lesson.solutionDir,
    undefined,
    join(RUNNER_ROOT, ".labs", "bench"),
  );
  const builder = createBuilder(workspace, mode, { prewarm: true });
  const v: Variant = {
    name,
    workspace,
    builder,
    times: [],
    phases: [],
    settled: Promise.resolve(),
    loop: undefined as unknown as WatchLoop,
  };
  if (web) v.web = await openWebView(workspace);
  v.loop = new WatchLoop(workspace, {
    run: async (changed) => {
      v.runAt = performance.now();
      let done = () => {};
      v.settled = new Promise<void>((r) => {
        done = r;
      });
      // the verdict is what the learner sees: it is printed before the servers are torn down
      const verdict = { onLessonEnd: (r: LessonResult) => v.verdict?.(r) };
      await checkLesson(lesson, {
        workspace,
        builder,
        reporter: v.web && v.webOn ? combine([verdict, v.web.view.reporter(changed)]) : verdict,
      }).finally(done);
    },
    key: () => {},
  });
  await v.loop.ready();
  // one warm-up run, as the runner does when a lesson opens
  await checkLesson(lesson, { workspace, builder, reporter: {} });
  return v;
}

/** The web view of `workspace`, and a Chromium page that follows it and notes when a verdict lands. */
async function openWebView(workspace: string): Promise<Variant["web"]> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(`--web needs Chromium. ${CHROMIUM_FIX}`);
  const checker = await loadChecker(lesson);
  const view = await WebView.start({
    workspace,
    course: loadCourse(),
    lesson,
    markdown: await readFile(lesson.lessonFile, "utf8"),
    steps: stepListOf(checker),
    port: 0,
  });
  browser ??= await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  await page.goto(view.url);
  await page.waitForSelector('[data-conn="live"]');
  // Date.now() on both sides: the page and the runner share the machine's clock
  await page.evaluate(() => {
    const w = window as unknown as { verdictAt: number };
    w.verdictAt = 0;
    new MutationObserver(() => {
      if (document.querySelector('[data-region="status"] [data-verdict="pass"]'))
        w.verdictAt = Date.now();
    }).observe(document.querySelector('[data-region="status"]')!, {
      childList: true,
      subtree: true,
    });
  });
  return { view, page, times: [] };
}

let browser: Browser | undefined;

async function save(v: Variant, n: number): Promise<number> {
  // the previous check's teardown is not part of this save's time
  await v.settled;
  const t0 = performance.now();
  const wall = Date.now();
  const done = new Promise<LessonResult>((resolve) => {
    v.verdict = resolve;
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${v.name}: no verdict within 20 s`)), 20_000),
  );
  await appendFile(join(v.workspace, "src", "server.ts"), `\n// save ${n}\n`);
  const result = await Promise.race([done, timeout]);
  if (result.status !== "pass")
    throw new Error(`${v.name}: the reference solution did not pass (${result.status})`);
  const ms = performance.now() - t0;
  const toRun = (v.runAt ?? t0) - t0;
  const steps = result.steps.reduce((sum, step) => sum + step.durationMs, 0);
  const bySlug = Object.fromEntries(result.steps.map((step) => [step.slug, step.durationMs]));
  v.phases.push({ toRun, steps, rest: ms - toRun - steps, bySlug });
  if (v.web && v.webOn) {
    await v.web.page.waitForFunction(
      (after) => (window as unknown as { verdictAt: number }).verdictAt >= after,
      wall,
      { timeout: 10_000 },
    );
    const at = await v.web.page.evaluate(
      () => (window as unknown as { verdictAt: number }).verdictAt,
    );
    v.web.times.push(at - wall);
  }
  return ms;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s.at(-1)! };
};

const variants = values.web
  ? [await variant("default + web view", "esbuild", true)]
  : [
      await variant("esbuild + node (default)", "esbuild"),
      await variant("node --import tsx", "tsx"),
    ];
try {
  const without: number[] = [];
  for (let i = 0; i < saves; i++) {
    if (values.web) {
      const v = variants[0];
      for (const on of i % 2 === 0 ? [true, false] : [false, true]) {
        v.webOn = on;
        (on ? v.times : without).push(await save(v, i * 2 + Number(on)));
      }
      continue;
    }
    const order = i % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) v.times.push(await save(v, i));
  }
  if (values.web)
    variants.unshift({ ...variants[0], name: "default, no web view", times: without });
  console.log(
    `Save-to-verdict, lesson ${lesson.number} reference solution, ${saves} saves each (ms):`,
  );
  for (const v of variants) {
    const s = stats(v.times);
    console.log(
      `  ${v.name.padEnd(26)} median ${s.median.toFixed(0)}  (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`,
    );
    const part = (key: "toRun" | "steps" | "rest") =>
      stats(v.phases.map((p) => p[key])).median.toFixed(0);
    const slugs = Object.keys(v.phases[0]?.bySlug ?? {});
    const perStep = slugs
      .map((slug) => `${slug} ${stats(v.phases.map((p) => p.bySlug[slug] ?? 0)).median.toFixed(0)}`)
      .join(", ");
    console.log(
      `  ${"".padEnd(26)} medians: until the run starts ${part("toRun")}, build and start ${part("rest")}, steps ${part("steps")}`,
    );
    console.log(`  ${"".padEnd(26)} steps: ${perStep}`);
  }
  const ratio = stats(variants[1].times).median / stats(variants[0].times).median;
  if (values.web) {
    const page = stats(variants[1].web!.times);
    console.log(
      `  the page showed the verdict     median ${page.median.toFixed(0)}  (min ${page.min.toFixed(0)}, max ${page.max.toFixed(0)}) after the save`,
    );
    console.log(`  with / without web view median ratio: ${ratio.toFixed(2)}×`);
  } else console.log(`  tsx / default median ratio: ${ratio.toFixed(2)}×`);
} finally {
  await browser?.close();
  for (const v of values.web ? variants.slice(-1) : variants) {
    await v.web?.view.close();
    await v.loop.close();
    await v.builder.dispose();
    await rm(v.workspace, { recursive: true, force: true });
  }
}
