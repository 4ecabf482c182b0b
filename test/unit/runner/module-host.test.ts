import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Transcript } from "../../../src/checks/transcript.ts";
import { LearnerError } from "../../../src/errors.ts";
import { createBuilder, type ServerBuilder } from "../../../src/runner/build.ts";
import { ModuleHost, Remote, RemoteError } from "../../../src/runner/module-host.ts";
import { pidsWithCwd } from "../../../src/runner/procfs.ts";
import { sandboxSupport } from "../../../src/runner/sandbox.ts";

/**
 * A learner's module that a checker drives runs in a process of its own and is
 * reached over a channel. Whatever it does (hang, loop, exit, flood, throw), the
 * host answers within its time limits with a clear message and leaves nothing
 * running.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface LoadOptions {
  runtime?: "esbuild" | "tsx";
  loadTimeout?: number;
  callTimeout?: number;
}

/** A workspace holding `src/mod.ts`, removed after the test. */
async function workspace(source: string): Promise<string> {
  const ws = await mkdtemp(join(tmpdir(), "labs-module-"));
  await mkdir(join(ws, "src"));
  await writeFile(join(ws, "package.json"), '{ "type": "module" }\n');
  await writeFile(join(ws, "src", "mod.ts"), source);
  cleanups.push(() => rm(ws, { recursive: true, force: true }));
  return ws;
}

async function load(
  source: string,
  opts: LoadOptions = {},
  ws?: string,
): Promise<{ host: ModuleHost; ws: string; transcript: Transcript }> {
  ws ??= await workspace(source);
  const builder: ServerBuilder = createBuilder(ws, opts.runtime ?? "esbuild");
  const transcript = new Transcript();
  cleanups.push(() => builder.dispose());
  const host = await ModuleHost.start({
    command: await builder.prepareModule("src/mod.ts"),
    file: "src/mod.ts",
    name: "your module",
    transcript,
    loadTimeout: opts.loadTimeout,
    callTimeout: opts.callTimeout,
  });
  cleanups.push(() => host.stop());
  return { host, ws, transcript };
}

/** Loading that is expected to fail: the error, how long it took, and the workspace. */
async function loadFails(source: string, opts: LoadOptions = {}) {
  const ws = await workspace(source);
  const t0 = performance.now();
  const error = await load(source, opts, ws).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error: error as LearnerError, ms: performance.now() - t0, ws };
}

function fn(host: ModuleHost, name: string): Remote {
  const value = host.exports[name];
  if (!(value instanceof Remote)) throw new Error(`${name} is not a remote`);
  return value;
}

async function settle(ws: string): Promise<number[]> {
  await new Promise((r) => setTimeout(r, 100));
  return pidsWithCwd(ws);
}

describe("a learner module in a process of its own", () => {
  it("calls its functions, passes callbacks over, and hands back instances by reference", async () => {
    const { host } = await load(`
      export function add(a: number, b: number) { return a + b; }
      export function each(items: unknown[], visit: (x: unknown) => void) { for (const x of items) visit(x); }
      export class Counter { n = 0; inc() { return ++this.n; } }
      export const data = { list: [1, undefined, Number.NaN], when: new Date(0) };
      export async function later() { await new Promise((r) => setTimeout(r, 10)); return "done"; }
    `);
    expect(await fn(host, "add").invoke(2, 3)).toBe(5);
    const seen: unknown[] = [];
    await fn(host, "each").invoke([1, { a: [2] }, "three"], (x: unknown) => seen.push(x));
    expect(seen).toEqual([1, { a: [2] }, "three"]);
    const counter = await fn(host, "Counter").construct();
    expect(counter).toBeInstanceOf(Remote);
    expect((counter as Remote).keys).toContain("inc");
    await (counter as Remote).call("inc");
    expect(await (counter as Remote).call("inc")).toBe(2);
    expect(await (counter as Remote).get("n")).toBe(2);
    expect(host.exports.data).toEqual({ list: [1, undefined, Number.NaN], when: new Date(0) });
    expect(await fn(host, "later").invoke()).toBe("done");
  });

  it("gives what the module threw as a RemoteError, and goes on answering", async () => {
    const { host } = await load(`
      export function boom() { throw new TypeError("no such board"); }
      export function ok() { return "still here"; }
    `);
    const error = await fn(host, "boom")
      .invoke()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).name).toBe("TypeError");
    expect((error as RemoteError).message).toBe("no such board");
    expect(await fn(host, "ok").invoke()).toBe("still here");
  });

  it("starts a call without waiting for the promise it returns (start), and goes on answering", async () => {
    const { host } = await load(
      "let n = 0;\nexport function hold() { n++; return new Promise(() => {}); }\nexport const count = () => n;\n",
      { callTimeout: 500 },
    );
    for (let i = 0; i < 3; i++) await fn(host, "hold").start();
    expect(await fn(host, "count").invoke()).toBe(3);
    // invoke() waits for the same promise, and runs into the call limit
    await expect(fn(host, "hold").invoke()).rejects.toThrow(/did not return within 500 ms/);
  });

  it("sends console lines to the transcript and to printedSince, in order with the answers", async () => {
    const { host, transcript } = await load(`
      console.log("loaded");
      export function shout(word: string) { console.error("oh no:", word, { n: 1 }); return 1; }
    `);
    const mark = host.mark;
    await fn(host, "shout").invoke("boom");
    expect(host.printedSince(mark)).toEqual(["oh no: boom { n: 1 }"]);
    expect(transcript.lines.map((l) => l.text)).toContain("printed: loaded");
  });

  it("names a module that throws when it is imported", async () => {
    const { error } = await loadFails(`throw new Error("boom at the top");\nexport {};`);
    expect(error).toBeInstanceOf(LearnerError);
    expect(error.code).toBe("MODULE_FAILED");
    expect(error.message).toBe("Loading src/mod.ts threw: Error: boom at the top");
  });

  it("stops a module that never finishes loading, within the time limit", async () => {
    const { error, ms } = await loadFails(`await new Promise(() => {});\nexport {};`, {
      loadTimeout: 500,
    });
    expect(error.message).toBe("src/mod.ts did not finish loading within 500 ms.");
    expect(ms).toBeLessThan(3000);
  });

  it("stops a module that loops forever at import, and leaves no process", async () => {
    const { error, ws } = await loadFails(`while (true) {}\nexport {};`, { loadTimeout: 500 });
    expect(error.message).toBe("src/mod.ts did not finish loading within 500 ms.");
    expect(await settle(ws)).toEqual([]);
  });

  it("stops a call that never returns, and every later call fails the same way", async () => {
    const { host, ws } = await load(`export function spin() { while (true) {} }`, {
      callTimeout: 300,
    });
    const t0 = performance.now();
    const error = await fn(host, "spin")
      .invoke()
      .catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect((error as LearnerError).code).toBe("MODULE_FAILED");
    expect((error as Error).message).toBe("spin() in src/mod.ts did not return within 300 ms.");
    await expect(fn(host, "spin").invoke()).rejects.toBe(error);
    expect(await settle(ws)).toEqual([]);
  });

  it("tells when the module ends its own process, during a call or later", async () => {
    const { host } = await load(`export function quit() { process.exit(3); }`);
    const error = await fn(host, "quit")
      .invoke()
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "The process running src/mod.ts exited with code 3 while the check was waiting for it.",
    );
    const second = await load(
      `export function quitLater() { setTimeout(() => process.exit(4), 50); return "soon"; }`,
    );
    expect(await fn(second.host, "quitLater").invoke()).toBe("soon");
    const crash = await second.host.crashed();
    expect(crash.message).toMatch(/exited with code 4/);
    expect(second.host.expectingExit).toBe(false);
  });

  it("stops a module that floods the channel, and caps what the transcript shows", async () => {
    const { host, ws, transcript } = await load(`
      export function flood() { for (let i = 0; i < 100_000; i++) console.log("line", i); return "done"; }
    `);
    const error = await fn(host, "flood")
      .invoke()
      .catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/sent more than 20000 messages/);
    expect(
      transcript.lines.filter((l) => l.text.startsWith("printed: line")).length,
    ).toBeLessThanOrEqual(200);
    expect(await settle(ws)).toEqual([]);
  });

  it("drains a module that floods its stdout without waiting on it", async () => {
    const { host } = await load(`
      export function spill() { for (let i = 0; i < 20_000; i++) process.stdout.write("x".repeat(500) + "\\n"); return "spilled"; }
    `);
    expect(await fn(host, "spill").invoke()).toBe("spilled");
  });

  it("gets the server's allow-listed environment, and in the sandbox sees no other process", async () => {
    process.env.LABS_TEST_SECRET = "not for learners";
    try {
      const { host } = await load(`
        import { readdirSync } from "node:fs";
        export const env = { ...process.env };
        export const processes = readdirSync("/proc").filter((d) => /^\\d+$/.test(d)).length;
      `);
      const env = host.exports.env as Record<string, string>;
      expect(env.LABS_TEST_SECRET).toBeUndefined();
      expect(env.LABS_RUN_MARKER).toMatch(/^[0-9a-f-]{36}$/);
      expect(Object.keys(env).every((k) => !k.startsWith("LABS_SB_"))).toBe(true);
      if (sandboxSupport().kind === "namespaces") expect(host.exports.processes).toBeLessThan(5);
    } finally {
      delete process.env.LABS_TEST_SECRET;
    }
  });

  it("loads the module the same way under tsx", async () => {
    const { host } = await load(
      `import { WebSocket } from "ws";\nexport const ok = typeof WebSocket === "function";\nexport const where = import.meta.url;`,
      { runtime: "tsx" },
    );
    expect(host.exports.ok).toBe(true);
    expect(String(host.exports.where)).toMatch(/\/src\/mod\.ts$/);
  });
});
