import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS } from "../../src/checks/browser.ts";
import { listFixtures, materialiseFixture } from "../../src/course/fixtures.ts";
import { findLesson, loadCourse } from "../../src/course/manifest.ts";
import { findChromium } from "../../src/runner/chromium.ts";
import { freePort } from "../../src/runner/ports.ts";
import { runCli, startCli } from "../helpers/cli.ts";

const course = loadCourse();
const longPolling = findLesson(course, "long-polling");
const scaling = findLesson(course, "scaling-real-time");
const executablePath = findChromium();
const temps: string[] = [];
const runs: ReturnType<typeof startCli>[] = [];
let browser: Browser;

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "labs-web-"));
  temps.push(dir);
  return dir;
}

/** `labs lesson <slug> --web` on `workspace`, once its page's address is printed and its first check ran. */
async function startWeb(slug: string, workspace: string, port: number) {
  const run = startCli(
    ["lesson", slug, "--workspace", workspace, "--web", "--web-port", String(port)],
    {
      LABS_WEB_HEARTBEAT_MS: "300",
    },
  );
  runs.push(run);
  await run.waitFor(/Web view: http:\/\/127\.0\.0\.1:\d+\//, 30_000);
  await run.waitFor(/Watching your files/, 60_000);
  return run;
}

async function quit(run: ReturnType<typeof startCli>): Promise<void> {
  run.send("q");
  const code = await Promise.race([
    run.exited,
    new Promise((r) => setTimeout(() => r("hung"), 15_000)),
  ]);
  expect(code).toBe(0);
}

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: PageError[] = [];
  page.on("pageerror", (e) => errors.push({ text: e.message, at: Date.now() }));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push({ text: m.text(), at: Date.now() });
  });
  await page.goto(url);
  (page as Page & { errors: PageError[] }).errors = errors;
  return page;
}

/** An error the page logged, and when. */
interface PageError {
  text: string;
  at: number;
}

/**
 * The page's errors, except the refused connections of its reconnect attempts
 * while no runner was listening (from `down` to `up`): Chromium logs those, and
 * a slow restart on a busy machine makes one likely.
 */
function unexpectedErrors(page: Page, down: number, up: number): string[] {
  return (page as Page & { errors: PageError[] }).errors
    .filter((e) => !(/ERR_CONNECTION_REFUSED/.test(e.text) && e.at >= down && e.at <= up))
    .map((e) => e.text);
}

const stepSelector = (slug: string, status: string) =>
  `[data-step="${slug}"][data-status="${status}"]`;

describe.skipIf(!executablePath)("the web view, in a real Chromium", () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    for (const run of runs.splice(0)) if (run.child.exitCode === null) run.child.kill("SIGKILL");
    for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it("shows the lesson, turns a failing step green on save without a reload, and follows a restarted runner", async () => {
    const workspace = await tempDir();
    const port = await freePort();
    let run = await startWeb("long-polling", workspace, port);
    const url = `http://127.0.0.1:${port}/`;
    const page = await openPage(url);

    // the lesson text, rendered, with its code highlighted; the course progress; the steps
    expect(await page.locator('[data-region="lesson"] h1').first().textContent()).toBe(
      longPolling.title,
    );
    expect(
      await page.locator('[data-region="lesson"] pre code.hljs .hljs-keyword').count(),
    ).toBeGreaterThan(0);
    expect(await page.locator('[data-region="progress"] li.current').textContent()).toContain(
      longPolling.title,
    );
    await page.waitForSelector('[data-conn="live"]');
    // the starter fails at its first real step, shown open with its diagram and the failing arrow marked
    await page.waitForSelector(stepSelector("poll-held", "fail"));
    const failing = page.locator(stepSelector("poll-held", "fail"));
    expect(await failing.locator(".seq-lane").allTextContents()).toEqual(["poller", "your server"]);
    expect(await failing.locator(".seq-failed").getAttribute("data-from")).toBe("your server");
    expect(await failing.locator(".seq-fail-mark").getAttribute("data-actor")).toBe("poller");
    expect(await failing.locator(".seq-copy").first().getAttribute("data-copy")).toMatch(
      /^curl -i 'http:\/\/localhost:3000\/boards\/board-1\/poll'$/,
    );
    // hint levels stay hidden until asked for
    const nudge = failing.locator("details.hint").first();
    expect(await nudge.locator("p").isVisible()).toBe(false);
    await nudge.locator("summary").click();
    expect(await nudge.locator("p").isVisible()).toBe(true);

    // a save: the step turns green in the same page (no reload: the marker survives)
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 42;
    });
    const saved = performance.now();
    await cp(join(longPolling.solutionDir, "src"), join(workspace, "src"), { recursive: true });
    await page.waitForSelector(stepSelector("poll-held", "pass"), { timeout: 20_000 });
    const ms = Math.round(performance.now() - saved);
    await page.waitForSelector('[data-verdict="fail"], [data-verdict="pass"]', { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(await page.locator('[data-region="status"] .changed').textContent()).toMatch(
      /after saving src\//,
    );
    console.log(`web view: poll-held green ${ms} ms after the save`);

    // the runner goes away: the page says so; it comes back: the page resumes by itself
    const down = Date.now();
    await quit(run);
    await page.waitForSelector('[data-conn="down"]', { timeout: 5000 });
    expect(await page.locator(".conn").textContent()).toMatch(
      /disconnected: the runner has stopped\. Run npm run lesson 4 -- --web again/,
    );
    run = await startWeb("long-polling", workspace, port);
    const up = Date.now();
    await page.waitForSelector('body[data-resumed="snapshot"]', { timeout: 10_000 });
    await page.waitForSelector('[data-conn="live"]', { timeout: 10_000 });
    await page.waitForSelector(stepSelector("poll-held", "pass"), { timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    expect(unexpectedErrors(page, down, up)).toEqual([]);
    await quit(run);
  }, 120_000);

  it("draws a failing lesson 16 step with both instances, Redis and the clients, the failing arrow marked", async () => {
    const fixture = listFixtures(scaling).find((f) => f.name === "delivers-twice-on-publisher");
    expect(fixture).toBeDefined();
    const workspace = await materialiseFixture(scaling, fixture!, await tempDir());
    const port = await freePort();
    const run = await startWeb(scaling.slug, workspace, port);
    const page = await openPage(`http://127.0.0.1:${port}/`);
    await page.waitForSelector(stepSelector("exactly-once", "fail"), { timeout: 30_000 });
    const step = page.locator(stepSelector("exactly-once", "fail"));
    const lanes = await step.locator(".seq-lane").allTextContents();
    for (const lane of [
      "your server",
      "server B",
      "redis",
      "ws-alice@A",
      "ws-bob@B",
      "sse@A",
      "sse@B",
    ])
      expect(lanes).toContain(lane);
    expect(lanes.at(-1)).toBe("redis");
    // A published to Redis (the monitor saw it), and the failing arrow is the second delivery to alice
    expect(
      await step.locator('.seq-publish[data-from="your server"][data-to="redis"]').count(),
    ).toBeGreaterThan(0);
    const failed = step.locator(".seq-failed");
    expect(await failed.count()).toBe(1);
    expect(await failed.getAttribute("data-to")).toBe("ws-alice@A");
    expect(await failed.textContent()).toMatch(/task_created/);
    // the story in order: A delivers, publishes, and delivers the echo again (Redis commands
    // are placed at the time Redis ran them, not when the monitor heard of them)
    const order = await step
      .locator(".seq-arrow")
      .evaluateAll((rows) =>
        rows
          .map((r) =>
            r.classList.contains("seq-failed")
              ? "F"
              : r.classList.contains("seq-publish")
                ? "P"
                : "-",
          )
          .join(""),
      );
    expect(order.indexOf("P")).toBeGreaterThanOrEqual(0);
    expect(order.indexOf("P")).toBeLessThan(order.indexOf("F"));
    expect(await step.locator(".seq-fail-text").textContent()).toMatch(
      /\[ws-alice@A\] got one POST \/tasks on A 2 times/,
    );
    await quit(run);
  }, 120_000);

  it("shows a hostile server's answers and output as text: nothing it sends runs in the page", async () => {
    const workspace = await tempDir();
    await cp(longPolling.starterDir, workspace, { recursive: true });
    const evil = `<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">"'</div>`;
    const routes = join(workspace, "src", "routes", "boards.ts");
    const source = await readFile(routes, "utf8");
    await writeFile(
      routes,
      source.replace(
        '"GET /boards/:boardId/poll is not written yet."',
        `(console.log(${JSON.stringify(evil)}), ${JSON.stringify(evil)})`,
      ),
    );
    const port = await freePort();
    const run = await startWeb("long-polling", workspace, port);
    const page = await openPage(`http://127.0.0.1:${port}/`);
    let dialogs = 0;
    page.on("dialog", (d) => {
      dialogs++;
      void d.dismiss();
    });
    const step = page.locator(stepSelector("poll-held", "fail"));
    await step.waitFor({ timeout: 30_000 });
    expect(await step.locator(".seq-response").textContent()).toContain(
      "<script>window.pwned = 1</script>",
    );
    expect(await step.locator("img, script").count()).toBe(0);
    await page.waitForTimeout(300);
    expect(
      await page.evaluate(() => (window as unknown as { pwned?: number }).pwned),
    ).toBeUndefined();
    expect(dialogs).toBe(0);
    await quit(run);
  }, 120_000);

  it("writes a self-contained HTML report whose diagrams and copy buttons work offline", async () => {
    const fixture = listFixtures(longPolling).find((f) => f.name === "abort-forgets-board");
    const workspace = await materialiseFixture(longPolling, fixture!, await tempDir());
    const out = await tempDir();
    const graded = await runCli(
      [
        "grade",
        "--workspace",
        workspace,
        "--lessons",
        longPolling.slug,
        "--reporter",
        "json,html",
        "--output",
        out,
      ],
      { timeout: 90_000 },
    );
    expect(graded.code).toBe(1);
    expect(graded.stdout).toContain(`Report: ${join(out, "report.html")}`);
    const html = await readFile(join(out, "report.html"), "utf8");
    expect(html).not.toMatch(/<link|src="http|href="http/); // nothing fetched
    const context = await browser.newContext({ offline: true });
    await context
      .grantPermissions(["clipboard-read", "clipboard-write"], { origin: "null" })
      .catch(() => {});
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`file://${join(out, "report.html")}`);
    const step = page.locator(stepSelector("aborted-polls", "fail"));
    expect(await step.locator("details.step-more").getAttribute("open")).toBe("");
    // the poll that was never answered: its request is the marked arrow
    expect(await step.locator(".seq-failed").getAttribute("data-from")).toBe("poller-live");
    // passing steps keep their diagrams too, folded
    expect(
      await page.locator(`${stepSelector("poll-held", "pass")} .seq-arrow`).count(),
    ).toBeGreaterThan(0);
    const copy = step.locator(".seq-copy").first();
    await copy.click();
    await expect.poll(() => copy.textContent()).toMatch(/^(copied|select and copy)$/);
    expect(errors).toEqual([]); // the script ran under the report's own CSP
    await context.close();
  }, 120_000);
});
