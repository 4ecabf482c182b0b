import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Transcript } from "../../../src/checks/transcript.ts";
import { LearnerError } from "../../../src/errors.ts";
import { createBuilder, type ServerBuilder } from "../../../src/runner/build.ts";
import { CHECK_TIMERS } from "../../../src/runner/environment.ts";
import { Launcher } from "../../../src/runner/launcher.ts";

/**
 * The learner's server runs as it does under `npm run dev`: files next to a
 * module are found through `import.meta.url` and `import.meta.dirname`, and the
 * learner's packages resolve the same way in both runtimes, also for a
 * workspace outside the repository.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

const SERVER = `import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { serve } from "srvx";
import { page } from "./routes/page.ts";
import { shout } from "./lib";

const board = new URL("../public/board.html", import.meta.url);
serve({
  port: Number(process.env.PORT),
  hostname: "127.0.0.1",
  silent: true,
  async fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/board") return new Response(await readFile(board, "utf8"));
    if (path === "/hello") return new Response(await readFile(join(import.meta.dirname, "templates", "hello.txt"), "utf8"));
    if (path === "/page") return new Response(await page());
    if (path === "/shout") return new Response(shout("hi"));
    if (path === "/later") return new Response(await (await import("./routes/later.js")).later());
    return new Response("not found", { status: 404 });
  },
});
`;

const FILES: Record<string, string> = {
  "package.json": '{ "type": "module" }\n',
  "src/server.ts": SERVER,
  "src/routes/page.ts": `import { readFile } from "node:fs/promises";
export const page = () => readFile(new URL("../../public/board.html", import.meta.url), "utf8");
`,
  "src/templates/hello.txt": "hello from beside the module\n",
  "src/lib/index.ts": 'export const shout = (s: string): string => s.toUpperCase() + "!";\n',
  "src/routes/later.ts": 'export const later = async () => "loaded when asked";\n',
  "public/board.html": "<h1>the board</h1>\n",
  // not imported by the server: a broken scratch file must not stop it (as under tsx)
  "src/scratch.ts": "export const x = ;\n",
};

/** A workspace outside the repository (so without node_modules of its own, nor above it). */
async function workspace(): Promise<string> {
  const ws = await mkdtemp(join(tmpdir(), "labs-paths-"));
  for (const [file, text] of Object.entries(FILES)) {
    await mkdir(dirname(join(ws, file)), { recursive: true });
    await writeFile(join(ws, file), text);
  }
  cleanups.push(() => rm(ws, { recursive: true, force: true }));
  return ws;
}

async function start(ws: string, runtime: "esbuild" | "tsx", builder?: ServerBuilder) {
  builder ??= createBuilder(ws, runtime);
  const launcher = new Launcher({ builder, transcript: new Transcript(), timers: CHECK_TIMERS });
  cleanups.push(async () => {
    await launcher.stopAll();
    await builder.dispose();
  });
  const server = await launcher.launch("your server");
  const get = async (path: string) => (await fetch(`${server.url}${path}`)).text();
  return { launcher, builder, get };
}

describe.each(["esbuild", "tsx"] as const)("the %s runtime", (runtime) => {
  it("finds files beside a module and the learner's packages, from a workspace outside the repository", async () => {
    const ws = await workspace();
    const { get } = await start(ws, runtime);
    expect(await get("/board")).toBe("<h1>the board</h1>\n");
    expect(await get("/hello")).toBe("hello from beside the module\n");
    expect(await get("/page")).toBe("<h1>the board</h1>\n");
    expect(await get("/shout")).toBe("HI!");
    expect(await get("/later")).toBe("loaded when asked");
  });
});

describe("the default runtime's mirror", () => {
  it("follows the learner's edits: a new import, a new file beside a module", async () => {
    const ws = await workspace();
    const first = await start(ws, "esbuild");
    expect(await first.get("/page")).toBe("<h1>the board</h1>\n");
    await first.launcher.stopAll();
    await writeFile(
      join(ws, "src", "routes", "page.ts"),
      `import { readFile } from "node:fs/promises";
import { banner } from "./banner.ts";
export const page = async () => banner + (await readFile(new URL("./note.txt", import.meta.url), "utf8"));
`,
    );
    await writeFile(join(ws, "src", "routes", "banner.ts"), `export const banner = "new: ";\n`);
    await writeFile(join(ws, "src", "routes", "note.txt"), "a note\n");
    const second = await start(ws, "esbuild", first.builder);
    expect(await second.get("/page")).toBe("new: a note\n");
  });

  it("still names a syntax error in a file the server imports", async () => {
    const ws = await workspace();
    await writeFile(join(ws, "src", "routes", "page.ts"), "export const page = () => ;\n");
    const error = await start(ws, "esbuild").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LearnerError);
    expect((error as LearnerError).code).toBe("SERVER_BUILD_FAILED");
    expect((error as LearnerError).message).toMatch(/src\/routes\/page\.ts:1:/);
  });
});
