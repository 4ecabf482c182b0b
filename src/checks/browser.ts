/**
 * Real-browser steps: headless Chromium driven through playwright-core. One
 * browser per lesson run, launched on first use and closed at teardown; one
 * browser context (its own cookies) per page, so two pages can be two users.
 * Where no Chromium is installed, browser steps are skipped (never passed) with
 * the command that installs it. A failing browser step leaves a screenshot of
 * every open page in `<workspace>/.labs/screenshots/` and names it in the report.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { CheckFailure, LearnerError } from "../errors.ts";
import { CHROMIUM_FIX, searchChromium } from "../runner/chromium.ts";
import type { Logger } from "./transcript.ts";
import { type ServerHandle, SkipStep, type Step, type StepContext } from "./types.ts";

/** Command-line switches for a quiet, sandbox-free headless Chromium that stays on loopback. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-proxy-server",
];

/** How to get a Chromium, for skip messages. */
export const INSTALL_CHROMIUM = `${CHROMIUM_FIX} Then run the check again.`;

const BROWSER_KEY = "browser:instance";
const PAGES_KEY = "browser:pages";

/** A page the check opened, with its own browser context and transcript actor. */
export interface BrowserPage {
  readonly name: string;
  readonly page: Page;
  readonly context: BrowserContext;
  readonly log: Logger;
  readonly server: ServerHandle;
}

/**
 * The run's browser, launched on first use. Throws `SkipStep` when no Chromium
 * can be found or started, so the step is reported as skipped with the fix.
 */
export async function browserOf(h: StepContext): Promise<Browser> {
  const existing = h.state.get(BROWSER_KEY) as Browser | undefined;
  if (existing?.isConnected()) return existing;
  const found = searchChromium(process.env);
  const executablePath = found.path;
  if (!executablePath) {
    throw new SkipStep("no Chromium is installed, so this browser step could not run", [
      ...found.skipped.map((s) => `Passed over: ${s}.`),
      INSTALL_CHROMIUM,
    ]);
  }
  const { chromium } = await import("playwright-core");
  const log = h.actor("browser");
  let browser: Browser;
  try {
    // playwright gives every launch a fresh temporary profile (user-data-dir) and deletes it on close.
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 15_000,
      env: { ...process.env, HTTP_PROXY: "", HTTPS_PROXY: "", http_proxy: "", https_proxy: "" },
    });
  } catch (error) {
    throw new SkipStep(
      `Chromium at ${executablePath} did not start, so this browser step could not run`,
      [firstLine(error), INSTALL_CHROMIUM],
    );
  }
  log.info(`started headless Chromium ${browser.version()} (${executablePath})`);
  h.state.set(BROWSER_KEY, browser);
  h.onTeardown(() => closeWithin(browser, 5000));
  return browser;
}

/** The pages opened so far in this run, by name. */
export function openPages(h: StepContext): Map<string, BrowserPage> {
  let pages = h.state.get(PAGES_KEY) as Map<string, BrowserPage> | undefined;
  if (!pages) {
    pages = new Map();
    h.state.set(PAGES_KEY, pages);
  }
  return pages;
}

/**
 * Opens `path` on `server` in a fresh browser context (so its cookies are its own),
 * as page `name`; the page's console, uncaught errors and WebSockets go to the
 * transcript as `[page-<name>]`. Resolves once the page has loaded.
 */
export async function openPage(
  h: StepContext,
  name: string,
  path: string,
  opts: { server?: ServerHandle; timeout?: number } = {},
): Promise<BrowserPage> {
  const browser = await browserOf(h);
  const server = opts.server ?? h.server;
  const log = h.actor(`page-${name}`);
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  page.on("console", (m) => log.info(`console.${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => log.info(`uncaught error in the page: ${e.message}`));
  page.on("websocket", (ws) => {
    log.send(`WebSocket ${ws.url()}`);
    ws.on("close", () => log.info(`WebSocket ${ws.url()} closed`));
  });
  page.on("requestfailed", (r) => {
    if (!r.url().endsWith("/favicon.ico"))
      log.info(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`);
  });
  const url = `${server.url}${path}`;
  log.send(`open ${url}`);
  try {
    const res = await page.goto(url, { waitUntil: "load", timeout: opts.timeout ?? 5000 });
    log.recv(`${res?.status() ?? "no response"} ${res?.headers()["content-type"] ?? ""}`.trim());
  } catch (error) {
    await context.close().catch(() => {});
    throw new CheckFailure(`The browser could not open ${url}.`, {
      expected: "the board page to load",
      received: firstLine(error),
    });
  }
  const entry: BrowserPage = { name, page, context, log, server };
  openPages(h).set(name, entry);
  return entry;
}

/** A browser step: like any step, with screenshots of every open page saved when it fails. */
export interface BrowserStep extends Omit<Step, "run"> {
  run(h: StepContext): Promise<void>;
}

/**
 * Turns a browser step into a harness step. It finishes (or fails with screenshots)
 * a little before the harness's own time limit, so a slow page is reported with
 * what the page showed rather than as a bare timeout.
 */
export function browserStep(step: BrowserStep): Step {
  const limit = (step.timeout ?? 5000) - 750;
  return {
    ...step,
    async run(h) {
      // Skips before anything else when there is no browser, so no step depends on a skipped one.
      await browserOf(h);
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new CheckFailure(`The browser step did not finish within ${limit} ms.`, {
                expected: "the page to reach the state the step waits for",
                received: "still waiting (see the screenshot)",
              }),
            ),
          limit,
        );
      });
      try {
        await Promise.race([step.run(h), deadline]);
      } catch (error) {
        if (error instanceof SkipStep) throw error;
        const shots = await saveScreenshots(h, step.slug);
        if (error instanceof LearnerError) {
          error.details.push(...shots.map((s) => `Screenshot: ${s}`));
          throw error;
        }
        throw new CheckFailure(`The browser step failed: ${firstLine(error)}`, {
          received: shots.length ? `see ${shots.join(", ")}` : undefined,
        });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Saves a screenshot of every open page as `<workspace>/.labs/screenshots/<slug>[-<page>].png`. */
export async function saveScreenshots(h: StepContext, slug: string): Promise<string[]> {
  const pages = [...openPages(h).values()].filter((p) => !p.page.isClosed());
  if (pages.length === 0) return [];
  const dir = join(h.workspace, ".labs", "screenshots");
  await mkdir(dir, { recursive: true }).catch(() => {});
  const saved: string[] = [];
  for (const p of pages) {
    const file = join(dir, pages.length > 1 ? `${slug}-${p.name}.png` : `${slug}.png`);
    try {
      await p.page.screenshot({ path: file, timeout: 2000 });
      saved.push(file);
    } catch {
      // A page that cannot be drawn any more gives no picture; the failure itself still counts.
    }
  }
  return saved;
}

/**
 * Waits until `predicate` (run inside the page) returns true, polling every 50 ms.
 * On timeout fails with `what`, and with `describe` (run inside the page) as what was
 * received. Functions run in the page are sent as their source text, so they must not
 * call helpers of their own (the bundler may wrap named helpers in code the page lacks);
 * `describe` may be a JavaScript expression given as a string for that reason.
 */
export async function waitInPage<A>(
  p: BrowserPage,
  opts: {
    what: string;
    predicate: (arg: A) => boolean;
    describe: string | ((arg: A) => string);
    arg: A;
    timeout: number;
  },
): Promise<void> {
  try {
    // playwright types `arg` as its serialised form; plain JSON arguments are the same.
    const predicate = opts.predicate as (arg: unknown) => boolean;
    await p.page.waitForFunction(predicate, opts.arg as unknown, {
      timeout: opts.timeout,
      polling: 50,
    });
  } catch (error) {
    let received: string;
    try {
      received =
        typeof opts.describe === "string"
          ? String(await p.page.evaluate(opts.describe))
          : await p.page.evaluate(opts.describe as (arg: unknown) => string, opts.arg as unknown);
    } catch (readError) {
      received = `the page could not be read (${firstLine(readError)})`;
    }
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    const why = timedOut
      ? `did not happen within ${opts.timeout} ms`
      : `could not be checked (${firstLine(error)})`;
    throw new CheckFailure(`[page-${p.name}] ${opts.what} ${why}.`, {
      expected: opts.what,
      received,
    });
  }
}

async function closeWithin(browser: Browser, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    browser.close().catch(() => {}),
    new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    }),
  ]);
  clearTimeout(timer);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 300);
}
