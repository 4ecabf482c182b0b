/**
 * Takes the README's screenshots of the web view: for each lesson below, the web
 * view of a broken learner (one of the lesson's fixtures) with its failing step
 * open, as a real Chromium shows it. Written to docs/screenshots/web-<slug>.png.
 *
 *   npm run screenshots            (needs Chromium, and Redis for lesson 16)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../src/checks/browser.ts";
import { listFixtures, materialiseFixture } from "../src/course/fixtures.ts";
import { findLesson, loadCourse } from "../src/course/manifest.ts";
import { RUNNER_ROOT } from "../src/runner/build.ts";
import { CHROMIUM_FIX, findChromium } from "../src/runner/chromium.ts";
import { freePort } from "../src/runner/ports.ts";

const SHOTS = [
  { lesson: "long-polling", fixture: "abort-forgets-board", step: "aborted-polls" },
  { lesson: "authentication-on-websockets", fixture: "no-origin-check", step: "origin-checked" },
  { lesson: "scaling-real-time", fixture: "delivers-twice-on-publisher", step: "exactly-once" },
];

const executablePath = findChromium();
if (!executablePath) throw new Error(`No Chromium. ${CHROMIUM_FIX}`);
const course = loadCourse();
const out = join(RUNNER_ROOT, "docs", "screenshots");
await mkdir(out, { recursive: true });
const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });

async function waitForOutput(child: ChildProcess, re: RegExp, ms: number): Promise<void> {
  let text = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${re} within ${ms} ms:\n${text}`)), ms);
    child.stdout!.on("data", (d) => {
      text += d;
      if (re.test(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

try {
  for (const shot of SHOTS) {
    const lesson = findLesson(course, shot.lesson);
    const fixture = listFixtures(lesson).find((f) => f.name === shot.fixture);
    if (!fixture) throw new Error(`${shot.lesson} has no fixture ${shot.fixture}`);
    const workspace = await materialiseFixture(lesson, fixture);
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        join(RUNNER_ROOT, "bin", "labs.js"),
        "lesson",
        lesson.slug,
        "--workspace",
        workspace,
        "--web-port",
        String(port),
      ],
      {
        cwd: RUNNER_ROOT,
        env: { ...process.env, NO_COLOR: "1" },
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    try {
      await waitForOutput(child, /Watching your files/, 90_000);
      const page = await browser.newPage({
        viewport: { width: 1440, height: 1350 },
        deviceScaleFactor: 1,
      });
      await page.goto(`http://127.0.0.1:${port}/`);
      const step = page.locator(`[data-step="${shot.step}"][data-status="fail"]`);
      await step.waitFor({ timeout: 30_000 });
      await step.locator("details.hint").first().locator("summary").click();
      // the step list from the top, and as much of the failing step's diagram as fits
      await page.evaluate((slug) => {
        const el = document.querySelector(`[data-step="${slug}"]`);
        window.scrollTo(
          0,
          Math.max(0, (el?.getBoundingClientRect().top ?? 0) + window.scrollY - 160),
        );
      }, shot.step);
      const file = join(out, `web-${lesson.slug}.png`);
      await page.screenshot({ path: file });
      console.log(`wrote ${file}`);
      await page.close();
    } finally {
      child.stdin!.end("q\n");
      await new Promise((r) => child.once("exit", r));
      await rm(workspace, { recursive: true, force: true });
    }
  }
} finally {
  await browser.close();
}
