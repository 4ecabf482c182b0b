import { existsSync } from "node:fs";
import { mkdir, symlink } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { LearnerError } from "../errors.ts";
import { baseEnv } from "./environment.ts";
import { RUN_MARKER } from "./marker.ts";
import { WarmPool } from "./warm-pool.ts";

/** Node flags of every learner process: readable stack traces, and a heap cap so a runaway allocation ends in a clear crash. */
export const NODE_ARGS = ["--enable-source-maps", "--max-old-space-size=768"];

/** The root of the runner's own installation (holds node_modules). */
export const RUNNER_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** How a learner server is turned into a command line. */
export interface StartCommand {
  args: string[];
  cwd: string;
  /** The bundle a prewarmed spare imports, and the pool that holds the spare (watch mode). */
  entry?: string;
  warm?: WarmPool;
}

/**
 * Turns a workspace's `src/server.ts` into a runnable program. The default keeps
 * an esbuild context alive and rebuilds in a few milliseconds before each start,
 * then runs plain `node` on the bundle: about half the start time of tsx, which
 * registers its ESM loader hooks on every start. `tsx` mode runs the source as is.
 */
export interface ServerBuilder {
  readonly mode: "esbuild" | "tsx";
  /** Builds (or rebuilds) and returns the command that starts the server. */
  prepare(): Promise<StartCommand>;
  dispose(): Promise<void>;
}

/**
 * Picks the builder: `LABS_RUNTIME=tsx` forces tsx, otherwise esbuild. With
 * `prewarm`, a spare node process with the server's packages already loaded
 * waits for the next start (watch mode, where a next start always comes).
 */
export function createBuilder(
  workspace: string,
  mode = process.env.LABS_RUNTIME,
  opts: { prewarm?: boolean } = {},
): ServerBuilder {
  return mode === "tsx"
    ? new TsxBuilder(workspace)
    : new EsbuildBuilder(workspace, Boolean(opts.prewarm));
}

function entryOf(workspace: string): string {
  const entry = join(workspace, "src", "server.ts");
  if (!existsSync(entry)) {
    throw new LearnerError("SERVER_NOT_FOUND", `There is no src/server.ts in ${workspace}.`, {
      hint: "Your server's entry file must be src/server.ts. Run `npm run labs -- reset <lesson>` to get the lesson's starter (your work is backed up first).",
    });
  }
  return entry;
}

class TsxBuilder implements ServerBuilder {
  readonly mode = "tsx" as const;
  constructor(private readonly workspace: string) {}

  async prepare(): Promise<StartCommand> {
    const entry = entryOf(this.workspace);
    return { args: [...NODE_ARGS, "--import", "tsx", entry], cwd: this.workspace };
  }

  async dispose(): Promise<void> {}
}

class EsbuildBuilder implements ServerBuilder {
  readonly mode = "esbuild" as const;
  private context?: esbuild.BuildContext;
  private readonly outDir: string;
  private warm?: WarmPool;
  private externals: string[] = [];

  constructor(
    private readonly workspace: string,
    private readonly prewarm = false,
  ) {
    this.outDir = join(workspace, ".labs", "build");
  }

  async prepare(): Promise<StartCommand> {
    const entry = entryOf(this.workspace);
    if (!this.context) {
      await this.linkModules();
      this.context = await esbuild.context({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node20",
        packages: "external",
        outfile: join(this.outDir, "server.mjs"),
        sourcemap: "inline",
        sourcesContent: false,
        logLevel: "silent",
        absWorkingDir: this.workspace,
        metafile: true,
      });
    }
    const outfile = join(this.outDir, "server.mjs");
    try {
      const result = await this.context.rebuild();
      const output = Object.values(result.metafile?.outputs ?? {})[0];
      this.externals = (output?.imports ?? []).filter((i) => i.external).map((i) => i.path);
    } catch (error) {
      throw await this.buildError(error);
    }
    if (this.prewarm && !this.warm) {
      this.warm = new WarmPool({
        outDir: this.outDir,
        cwd: this.workspace,
        nodeArgs: NODE_ARGS,
        env: () => baseEnv(),
        markerName: RUN_MARKER,
        preload: () => this.externals,
      });
    }
    return { args: [...NODE_ARGS, outfile], cwd: this.workspace, entry: outfile, warm: this.warm };
  }

  async dispose(): Promise<void> {
    await this.warm?.close();
    this.warm = undefined;
    await this.context?.dispose();
    this.context = undefined;
  }

  /**
   * Packages stay external, so the bundle must find them at run time. When the
   * workspace has no node_modules of its own, a link beside the bundle points
   * at the runner's.
   */
  private async linkModules(): Promise<void> {
    await mkdir(this.outDir, { recursive: true });
    const link = join(this.outDir, "node_modules");
    if (existsSync(join(this.workspace, "node_modules")) || existsSync(link)) return;
    await symlink(join(RUNNER_ROOT, "node_modules"), link, "dir").catch(() => {});
  }

  private async buildError(error: unknown): Promise<Error> {
    const failure = error as esbuild.BuildFailure;
    if (!Array.isArray(failure?.errors)) return error as Error;
    const first = failure.errors[0];
    const where = first?.location
      ? `${relative(this.workspace, join(this.workspace, first.location.file))}:${first.location.line}:${first.location.column + 1}`
      : "your code";
    const formatted = await esbuild.formatMessages(failure.errors.slice(0, 3), {
      kind: "error",
      color: false,
    });
    return new LearnerError(
      "SERVER_BUILD_FAILED",
      `Your code does not compile (${where}): ${first?.text}`,
      {
        hint: "Fix the syntax error shown above and save; the runner rebuilds on every save.",
        details: formatted.join("").trimEnd().split("\n"),
      },
    );
  }
}
