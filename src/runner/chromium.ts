import { execFile } from "node:child_process";
import { closeSync, existsSync, openSync, readSync } from "node:fs";

/** Where a Chromium or Chrome is usually installed on Linux, in the order they are tried. */
export const CHROMIUM_CANDIDATES = [
  "/usr/bin/chromium",
  "/usr/bin/chromium-browser",
  "/usr/bin/google-chrome",
  "/usr/bin/google-chrome-stable",
];

/**
 * How to get a browser, for doctor and skip messages. On Debian the chromium
 * package is the browser; on Ubuntu apt installs only a stub for the chromium snap.
 */
export const CHROMIUM_FIX =
  "Debian: `sudo apt-get install -y chromium`. Ubuntu: apt's chromium (or chromium-browser) is only a stub for the chromium snap; install Google Chrome instead (GitHub's Ubuntu runners have it, at /usr/bin/google-chrome). Or point CHROMIUM_PATH at a Chromium or Chrome binary.";

/** Which setting or place the browser came from. */
export type ChromiumSource = "CHROMIUM_PATH" | "CHROME_BIN" | "usual location";

/** The outcome of looking for a browser: what was found, and why other places were passed over. */
export interface ChromiumSearch {
  path?: string;
  source?: ChromiumSource;
  /** One sentence per place passed over (missing, or Ubuntu's snap stub). */
  skipped: string[];
}

/**
 * Looks for the browser to drive: `CHROMIUM_PATH` (when set, it alone decides),
 * else `CHROME_BIN` (GitHub's runner images set it to their Google Chrome), else
 * the usual locations. A snap stub is never taken for a browser.
 */
export function searchChromium(
  env: NodeJS.ProcessEnv = process.env,
  candidates: readonly string[] = CHROMIUM_CANDIDATES,
): ChromiumSearch {
  const skipped: string[] = [];
  const usable = (path: string, what: string): boolean => {
    if (!existsSync(path)) {
      skipped.push(`${what} does not exist`);
      return false;
    }
    if (isSnapStub(path)) {
      skipped.push(`${what} is Ubuntu's stub for the chromium snap, not a browser`);
      return false;
    }
    return true;
  };
  if (env.CHROMIUM_PATH) {
    return usable(env.CHROMIUM_PATH, `CHROMIUM_PATH=${env.CHROMIUM_PATH}`)
      ? { path: env.CHROMIUM_PATH, source: "CHROMIUM_PATH", skipped }
      : { skipped };
  }
  if (env.CHROME_BIN && usable(env.CHROME_BIN, `CHROME_BIN=${env.CHROME_BIN}`))
    return { path: env.CHROME_BIN, source: "CHROME_BIN", skipped };
  for (const path of candidates) {
    if (!existsSync(path)) continue; // not installed there: the usual case, not worth a word
    if (usable(path, path)) return { path, source: "usual location", skipped };
  }
  return { skipped };
}

/** The Chromium to drive (see `searchChromium`); undefined when none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return searchChromium(env).path;
}

/**
 * True for Ubuntu's chromium stub: a shell script that points at the chromium
 * snap instead of a browser binary. Reads only the file's first 4 KB.
 */
export function isSnapStub(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const buf = Buffer.alloc(4096);
    const text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString("latin1");
    return text.startsWith("#!") && /\bsnap\b/.test(text);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The browser's own name for itself, from `<path> --version` (e.g. "Google Chrome
 * 131.0.6778.85", "Chromium 131.0.6778.85 built on Debian …"); undefined when it
 * does not answer within `timeoutMs`.
 */
export function describeChromium(path: string, timeoutMs = 5000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(path, ["--version"], { timeout: timeoutMs, killSignal: "SIGKILL" }, (error, out) => {
      const line = String(out ?? "")
        .split("\n")[0]
        .trim();
      resolve(error || !line ? undefined : line);
    });
  });
}
