import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { basename, isAbsolute, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { READ_AS_NODE_ESM, RUNNER_ROOT } from "../runner/build.ts";
import { type ModuleHost, Remote } from "../runner/module-host.ts";

import { check, fail } from "./assert.ts";

/** A module of the learner's workspace, loaded in a process of its own (see `StepContext.loadModule`). */
export interface LearnerModule {
  /** The workspace file. */
  file: string;
  /** Its exports: plain data as is, functions and instances as `Remote`s to call. */
  exports: Record<string, unknown>;
  /** Workspace files the module takes in (itself and what it imports). */
  inputs: string[];
  /** Packages (other than Node built-ins) the module imports. */
  packages: string[];
  /** The process it runs in: console lines, kit reports, its output. */
  host: ModuleHost;
}

/** Options of `StepContext.loadModule`. */
export interface LoadModuleOptions {
  /** Transcript label of the module's console and output (default `your module`). */
  name?: string;
  /**
   * A file of the lesson's (TypeScript) whose default export makes the values the
   * checker asks for with `kit(name, config)`; it runs in the module's process.
   */
  kit?: URL;
  /** How long the module may take to load (ms, default 3000). */
  timeout?: number;
  /** How long each call may take (ms, default 2000). */
  callTimeout?: number;
}

/**
 * Reads what `file` imports without running it (esbuild, in the runner), and
 * fails the step with the compiler's words when it does not compile.
 */
export async function analyseModule(
  workspace: string,
  file: string,
): Promise<{ inputs: string[]; packages: string[] }> {
  const entry = join(workspace, file);
  check(existsSync(entry), `There is no ${file} in your workspace.`, {
    expected: `the file ${file}`,
    received: "no such file",
  });
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      ...READ_AS_NODE_ESM,
      entryPoints: [entry],
      metafile: true,
      absWorkingDir: workspace,
    });
  } catch (error) {
    const first = (error as esbuild.BuildFailure).errors?.[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}` : file;
    fail(`${file} could not be compiled on its own (${where}).`, {
      expected: `a module at ${file} that compiles`,
      received: first?.text ?? (error as Error).message,
    });
  }
  const inputs = Object.keys(result.metafile.inputs).map((p) =>
    isAbsolute(p) ? relative(workspace, p) : p,
  );
  const packages = [
    ...new Set(
      Object.values(result.metafile.inputs).flatMap((i) =>
        i.imports.filter((x) => x.external && !isBuiltin(x.path)).map((x) => x.path),
      ),
    ),
  ];
  return { inputs, packages };
}

const kits = new Map<string, { mtimeMs: number; url: string }>();

/**
 * Bundles a lesson's kit into `.labs/kits/` of the runner's installation (so its
 * packages resolve from the runner's node_modules) and gives the file's URL.
 */
export async function bundleKit(kit: URL): Promise<string> {
  const source = fileURLToPath(kit);
  const { mtimeMs } = statSync(source);
  const known = kits.get(source);
  if (known && known.mtimeMs === mtimeMs) return known.url;
  const result = await esbuild.build({ ...READ_AS_NODE_ESM, entryPoints: [source] });
  const text = result.outputFiles[0]!.text;
  const hash = createHash("sha256").update(text).digest("hex").slice(0, 12);
  const dir = join(RUNNER_ROOT, ".labs", "kits");
  const out = join(dir, `${basename(source).replace(/\.\w+$/, "")}-${hash}.mjs`);
  if (!existsSync(out)) {
    await mkdir(dir, { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, out);
  }
  const url = pathToFileURL(out).href;
  kits.set(source, { mtimeMs, url });
  return url;
}

/**
 * What a lesson's kit file default-exports: given `report` (which sends an event
 * to the checker's `host.on(event, …)`), the factories that `kit(name, config)`
 * calls inside the module's process. Kits are the checker's code but run beside
 * the learner's, so what they report is an observation, never a verdict.
 */
export type Kit = (ctx: {
  report(event: string, data?: unknown): void;
  // biome-ignore lint/suspicious/noExplicitAny: each factory declares the config it takes
}) => Record<string, (config: any) => unknown>;

/**
 * The function `name` the learner's module exports, as a `Remote`; fails the step
 * naming what it does export when there is none. `signature` shows what is expected.
 */
export function exportedFunction(mod: LearnerModule, name: string, signature: string): Remote {
  const value = mod.exports[name];
  check(isRemoteFunction(value), `${mod.file} does not export ${name}().`, {
    expected: signature,
    received: `exports: ${Object.keys(mod.exports).join(", ") || "(none)"}`,
  });
  return value;
}

/** True for a function (or class) that lives in the learner module's process. */
export function isRemoteFunction(value: unknown): value is Remote {
  return value instanceof Remote && value.kind === "function";
}

export { kit, Remote, RemoteError, thrower } from "../runner/module-host.ts";
