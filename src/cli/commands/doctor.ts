import { existsSync } from "node:fs";
import { join } from "node:path";
import { RUNNER_ROOT } from "../../runner/build.ts";
import { CHROMIUM_FIX, describeChromium, searchChromium } from "../../runner/chromium.ts";
import { portable } from "../../runner/platform.ts";
import { freePort } from "../../runner/ports.ts";
import { findRedisServer, NO_REDIS_HINT } from "../../runner/redis.ts";
import { sandboxSupport } from "../../runner/sandbox.ts";
import type { Parsed } from "../args.ts";
import { type CliIO, EXIT } from "../io.ts";
import { styleOf, workspaceOf } from "../shared.ts";

interface Finding {
  ok: boolean | "warn";
  what: string;
  fix?: string;
}

/** `labs doctor`: what this machine has for the labs, and how to fix what it lacks. */
export async function doctorCommand(p: Parsed, io: CliIO): Promise<number> {
  const s = styleOf(io);
  const findings: Finding[] = [];
  const [major, minor] = process.versions.node.split(".").map(Number);
  const nodeOk = major > 20 || (major === 20 && minor >= 19);
  findings.push({
    ok: nodeOk,
    what: `Node.js ${process.version}${nodeOk ? "" : " (20.19 or newer needed)"}`,
    fix: "Install Node.js 20.19+ or the current LTS (https://nodejs.org).",
  });
  const missing = [
    "srvx",
    "ws",
    "redis",
    "esbuild",
    "better-sqlite3",
    "@hectoday/http",
    "chokidar",
    "marked",
  ].filter((m) => !existsSync(join(RUNNER_ROOT, "node_modules", m)));
  findings.push({
    ok: missing.length === 0,
    what: missing.length ? `modules missing: ${missing.join(", ")}` : "modules installed",
    fix: `Run \`npm install\` in ${RUNNER_ROOT}.`,
  });
  try {
    const sqlite = (await import("better-sqlite3")).default;
    new sqlite(":memory:").close();
    findings.push({ ok: true, what: "better-sqlite3 loads (native module built for this Node)" });
  } catch (error) {
    findings.push({
      ok: false,
      what: `better-sqlite3 does not load: ${(error as Error).message.split("\n")[0]}`,
      fix: "Run `npm rebuild better-sqlite3` (needs python3, make and a C++ compiler).",
    });
  }
  try {
    await freePort();
    findings.push({ ok: true, what: "can listen on 127.0.0.1 (free ports for your servers)" });
  } catch (error) {
    findings.push({
      ok: false,
      what: `cannot listen on 127.0.0.1: ${(error as Error).message}`,
      fix: "The runner needs loopback networking.",
    });
  }
  const sandbox = sandboxSupport();
  findings.push(
    sandbox.kind === "namespaces"
      ? { ok: true, what: `learner code runs apart: ${sandbox.detail}` }
      : {
          ok: "warn",
          what: `learner code runs without a sandbox: ${sandbox.detail}`,
          fix: portable()
            ? "LABS_PORTABLE=1 is set, so the runner acts as on macOS: unset it (`unset LABS_PORTABLE`) to run learner code in its sandbox again."
            : "Fine for your own code. To grade other people's code, grade on Linux as root (or where user namespaces are allowed): there learner code cannot see or signal the grader, read its environment in /proc, or write the runner's files.",
        },
  );
  if (io.env.REDIS_URL)
    findings.push({
      ok: true,
      what: `Redis: REDIS_URL=${io.env.REDIS_URL} (the scaling-real-time and capstone lessons use it)`,
    });
  else {
    const redis = findRedisServer();
    findings.push(
      redis
        ? { ok: true, what: `Redis: ${redis} (the runner starts a private one per check)` }
        : {
            ok: "warn",
            what: "Redis: no redis-server and no REDIS_URL (the scaling-real-time and capstone lessons need one)",
            fix: NO_REDIS_HINT,
          },
    );
  }
  findings.push(await browserFinding(io.env));
  const ws = workspaceOf(p, io);
  findings.push({
    ok: true,
    what: `workspace: ${ws}${existsSync(ws) ? "" : " (created by your first `npm run lesson <n>`)"}`,
  });

  for (const f of findings) {
    const mark = f.ok === true ? s.green(s.ok) : f.ok === "warn" ? s.yellow("!") : s.red(s.bad);
    io.stdout.write(`${mark} ${f.what}\n`);
    if (f.ok !== true && f.fix) io.stdout.write(`    ${f.fix}\n`);
  }
  return findings.some((f) => f.ok === false) ? EXIT.usage : EXIT.ok;
}

/**
 * The browser the capstone's steps would drive: its name and version (from
 * `--version`), its path, and where it came from (CHROMIUM_PATH, CHROME_BIN or
 * the usual location), with the places passed over.
 */
async function browserFinding(env: NodeJS.ProcessEnv): Promise<Finding> {
  const found = searchChromium(env);
  const passedOver = found.skipped.length ? `; passed over: ${found.skipped.join("; ")}` : "";
  if (!found.path)
    return {
      ok: "warn",
      what: `Browser: none found (the capstone's browser steps will be skipped)${passedOver}`,
      fix: CHROMIUM_FIX,
    };
  const from = found.source === "usual location" ? "the usual location" : found.source;
  const version = await describeChromium(found.path);
  return version
    ? {
        ok: true,
        what: `Browser: ${version} at ${found.path} (from ${from}; the capstone's browser steps)${passedOver}`,
      }
    : {
        ok: "warn",
        what: `Browser: ${found.path} (from ${from}) did not answer \`--version\`${passedOver}`,
        fix: `Check that it starts: \`${found.path} --version\`. ${CHROMIUM_FIX}`,
      };
}
