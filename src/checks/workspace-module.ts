import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { isAbsolute, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { check, fail } from "./assert.ts";
import type { StepContext } from "./types.ts";

/** A module of the learner's workspace, bundled on its own and imported into the checker. */
export interface LoadedModule {
  exports: Record<string, unknown>;
  /** Workspace files the bundle took in (the module and what it imports). */
  inputs: string[];
  /** Packages (other than Node built-ins) the module imports, left outside the bundle. */
  packages: string[];
}

/**
 * Bundles `file` (relative to the workspace) with esbuild into a uniquely named
 * file beside the server's build, imports it, and deletes the file again. The
 * unique name means a check after a save never sees a cached module.
 */
export async function loadWorkspaceModule(h: StepContext, file: string): Promise<LoadedModule> {
  const entry = join(h.workspace, file);
  check(existsSync(entry), `There is no ${file} in your workspace.`, {
    expected: `the file ${file}`,
    received: "no such file",
  });
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      packages: "external",
      write: false,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: h.workspace,
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
    isAbsolute(p) ? relative(h.workspace, p) : p,
  );
  const packages = [
    ...new Set(
      Object.values(result.metafile.inputs).flatMap((i) =>
        i.imports.filter((x) => x.external && !isBuiltin(x.path)).map((x) => x.path),
      ),
    ),
  ];
  const dir = join(h.workspace, ".labs", "build");
  await mkdir(dir, { recursive: true });
  const out = join(dir, `check-${randomUUID()}.mjs`);
  await writeFile(out, result.outputFiles[0]!.text);
  try {
    const exports = (await import(pathToFileURL(out).href)) as Record<string, unknown>;
    return { exports, inputs, packages };
  } catch (error) {
    fail(`Loading ${file} threw: ${(error as Error).message}`, {
      expected: "a module that only defines things when it is imported",
      received: String((error as Error).stack ?? error)
        .split("\n")
        .slice(0, 4)
        .join("\n"),
    });
  } finally {
    await rm(out, { force: true });
  }
}
