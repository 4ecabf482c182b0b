import { existsSync, statSync } from "node:fs";
import { lstat, mkdir, readdir, readlink, rm, symlink, writeFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { init as initLexer, parse as parseImports } from "es-module-lexer";
import * as esbuild from "esbuild";
import { LearnerError } from "../errors.ts";
import { baseEnv } from "./environment.ts";
import { WarmPool } from "./warm-pool.ts";

/** Node flags of every learner process: readable stack traces, and a heap cap so a runaway allocation ends in a clear crash. */
export const NODE_ARGS = ["--enable-source-maps", "--max-old-space-size=768"];

/**
 * How every esbuild call of the runner reads code: for Node 20, as ES modules,
 * packages left to node, no output written, errors returned rather than logged.
 * Bundling without output is how the runner learns what a module takes in.
 */
export const READ_AS_NODE_ESM = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  write: false,
  logLevel: "silent",
} as const satisfies esbuild.BuildOptions;

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

/** How to load one module of the learner's workspace in a process of its own. */
export interface ModuleCommand {
  nodeArgs: string[];
  /** The URL to import. */
  url: string;
  cwd: string;
}

/**
 * Turns a workspace's `src/server.ts` into a runnable program. The default keeps
 * an esbuild context alive and rebuilds in a few milliseconds before each start,
 * then runs plain `node` on the transpiled files: about half the start time of
 * tsx, which registers its ESM loader hooks on every start. `tsx` mode runs the
 * source as is.
 */
export interface ServerBuilder {
  readonly mode: "esbuild" | "tsx";
  /** Builds (or rebuilds) and returns the command that starts the server. */
  prepare(): Promise<StartCommand>;
  /** Builds `file` (relative to the workspace) and says how a process of its own imports it. */
  prepareModule(file: string): Promise<ModuleCommand>;
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

/**
 * Where the learner's packages come from, the same way for both runtimes: a
 * workspace with a node_modules of its own uses it (and its parents', as node
 * does under `npm run dev`); one without (a workspace outside the repository)
 * gets the runner's installation.
 */
function needsRunnerPackages(workspace: string): boolean {
  return !existsSync(join(workspace, "node_modules"));
}

/** tsx's loader, from the runner's installation (`--import tsx` would look for it from the workspace). */
const TSX_LOADER = import.meta.resolve("tsx");
/** Registers the resolve hook that falls back to the runner's packages (tsx runtime). */
const RESOLVE_FALLBACK = join(RUNNER_ROOT, "src", "runner", "child", "resolve-fallback.mjs");

class TsxBuilder implements ServerBuilder {
  readonly mode = "tsx" as const;
  constructor(private readonly workspace: string) {}

  private nodeArgs(): string[] {
    const fallback = needsRunnerPackages(this.workspace)
      ? ["--import", pathToFileURL(RESOLVE_FALLBACK).href]
      : [];
    return [...NODE_ARGS, "--import", TSX_LOADER, ...fallback];
  }

  async prepare(): Promise<StartCommand> {
    const entry = entryOf(this.workspace);
    return { args: [...this.nodeArgs(), entry], cwd: this.workspace };
  }

  async prepareModule(file: string): Promise<ModuleCommand> {
    return {
      nodeArgs: this.nodeArgs(),
      url: pathToFileURL(join(this.workspace, file)).href,
      cwd: this.workspace,
    };
  }

  async dispose(): Promise<void> {}
}

/** What `linkImports` made of a build's outputs. */
interface Linked {
  outputs: { path: string; text: string }[];
  /** Source files of the workspace the outputs import. */
  discovered: Set<string>;
  /** Packages the outputs import. */
  packages: Set<string>;
  /** True when a relative import names no file at all. */
  missing: boolean;
}

/**
 * The file a relative import names, resolved the way tsx and esbuild do: the
 * path itself, a TypeScript file for a `.js` name, or an extension or
 * `/index` added to a bare name.
 */
function resolveSource(path: string): string | undefined {
  const candidates = [path];
  const ext = extname(path);
  const typescript: Record<string, string[]> = {
    ".js": [".ts", ".tsx"],
    ".jsx": [".tsx"],
    ".mjs": [".mts"],
    ".cjs": [".cts"],
  };
  for (const e of typescript[ext] ?? []) candidates.push(path.slice(0, -ext.length) + e);
  const added = [".ts", ".tsx", ".mts", ".js", ".mjs", ".jsx"];
  candidates.push(...added.map((e) => path + e), ...added.map((e) => join(path, `index${e}`)));
  return candidates.find((c) => {
    try {
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

/** Source files the mirror compiles (each to `<name>.mjs`). */
const CODE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
/** Entries of the workspace's root the mirror leaves out. */
const NOT_MIRRORED = new Set(["node_modules", ".labs", ".git"]);

/**
 * The default runtime. Every source file the server (or a module a checker
 * loads) imports is transpiled on its own into a mirror of the workspace under
 * `.labs/build/tree/`, and the workspace's other files and folders are linked
 * into it at their places. So `new URL("../public/board.html", import.meta.url)`
 * and `import.meta.dirname` find what they find under `npm run dev`. An esbuild
 * context is kept alive and only changed outputs are rewritten, so a rebuild
 * takes milliseconds; node then runs the mirror's `src/server.mjs`.
 */
class EsbuildBuilder implements ServerBuilder {
  readonly mode = "esbuild" as const;
  private context?: esbuild.BuildContext<{ write: false }>;
  private readonly outDir: string;
  private readonly treeDir: string;
  private warm?: WarmPool;
  private externals: string[] = [];
  /** Source files compiled into the mirror (absolute paths). */
  private entries = new Set<string>();
  /** Files a checker asked for besides the server (relative to the workspace). */
  private readonly roots = new Set<string>(["src/server.ts"]);
  /** Content of each output as last written. */
  private readonly written = new Map<string, string>();

  constructor(
    private readonly workspace: string,
    private readonly prewarm = false,
  ) {
    this.outDir = join(workspace, ".labs", "build");
    this.treeDir = join(this.outDir, "tree");
  }

  /** The mirror's path of a workspace file (sources become `.mjs`). */
  private mirrorOf(path: string): string {
    const rel = relative(this.workspace, path);
    return join(this.treeDir, CODE.test(rel) ? rel.replace(CODE, ".mjs") : rel);
  }

  async prepare(): Promise<StartCommand> {
    entryOf(this.workspace);
    await this.build();
    const entry = this.mirrorOf(join(this.workspace, "src", "server.ts"));
    if (this.prewarm && !this.warm) {
      this.warm = new WarmPool({
        outDir: this.outDir,
        cwd: this.workspace,
        nodeArgs: NODE_ARGS,
        env: () => baseEnv(),
        preload: () => this.externals,
      });
    }
    return { args: [...NODE_ARGS, entry], cwd: this.workspace, entry, warm: this.warm };
  }

  async prepareModule(file: string): Promise<ModuleCommand> {
    if (!this.roots.has(file)) {
      this.roots.add(file);
      await this.dropContext();
    }
    await this.build();
    return {
      nodeArgs: NODE_ARGS,
      url: pathToFileURL(this.mirrorOf(join(this.workspace, file))).href,
      cwd: this.workspace,
    };
  }

  async dispose(): Promise<void> {
    await this.warm?.close();
    this.warm = undefined;
    await this.dropContext();
  }

  private async dropContext(): Promise<void> {
    await this.context?.dispose();
    this.context = undefined;
  }

  /**
   * Rebuilds the mirror. When the last build's files no longer cover what is
   * imported (a new import, a deleted file, an import that names no file), the
   * import graph is found again from the roots (which also names an import that
   * does not resolve, with its place) and the context is made anew.
   */
  private async build(): Promise<void> {
    await this.linkModules();
    let files: Linked | undefined;
    try {
      if (this.context) files = this.linkImports(await this.rebuild());
    } catch {
      files = undefined;
    }
    if (!files || files.missing || [...files.discovered].some((f) => !this.entries.has(f))) {
      try {
        this.entries = await this.importGraph();
        await this.dropContext();
        files = this.linkImports(await this.rebuild());
      } catch (error) {
        throw await this.buildError(error);
      }
    }
    await this.writeOutputs(files.outputs);
    await this.linkTheRest();
    this.externals = [...files.packages];
  }

  /** Transpiles every file of the graph on its own (no bundling: each stays a module). */
  private async rebuild(): Promise<esbuild.OutputFile[]> {
    this.context ??= await esbuild.context({
      entryPoints: [...this.entries],
      bundle: false,
      platform: "node",
      format: "esm",
      target: "node20",
      outdir: this.treeDir,
      outbase: this.workspace,
      outExtension: { ".js": ".mjs" },
      sourcemap: "inline",
      sourcesContent: false,
      logLevel: "silent",
      absWorkingDir: this.workspace,
      write: false,
    });
    await initLexer;
    return (await this.context.rebuild()).outputFiles;
  }

  /**
   * Points every relative import of an output at the output of the file it
   * names (`./db.js`, `./db.ts` and `./db` all name src/db.ts, as under tsx),
   * and collects the packages imported (for the prewarmed spare).
   */
  private linkImports(outputs: esbuild.OutputFile[]): Linked {
    const linked: Linked = {
      outputs: [],
      discovered: new Set(),
      packages: new Set(),
      missing: false,
    };
    const sources = new Map([...this.entries].map((e) => [this.mirrorOf(e), e] as const));
    for (const file of outputs) {
      const source = sources.get(file.path) ?? file.path;
      const [imports] = parseImports(file.text);
      let text = "";
      let at = 0;
      for (const entry of imports) {
        const spec = entry.n;
        // import.meta (d === -2) and dynamic imports of computed names have no specifier
        if (spec === undefined || entry.d === -2) continue;
        if (!/^\.{0,2}\//.test(spec)) {
          if (!isBuiltin(spec) && !/^[a-z][a-z0-9+.-]*:/i.test(spec)) linked.packages.add(spec);
          continue;
        }
        const named = resolve(dirname(source), spec);
        const target = resolveSource(named);
        if (!target) {
          linked.missing = true;
          continue;
        }
        const rel = relative(this.workspace, target);
        if (rel.startsWith("..") || isAbsolute(rel) || !CODE.test(target)) continue;
        linked.discovered.add(target);
        let to = relative(dirname(file.path), this.mirrorOf(target)).split(sep).join("/");
        if (!to.startsWith(".")) to = `./${to}`;
        // entry.s/e span the specifier without its quotes (static) or with them (dynamic)
        const quoted = entry.d > -1;
        text += file.text.slice(at, entry.s) + (quoted ? JSON.stringify(to) : to);
        at = entry.e;
      }
      linked.outputs.push({
        path: file.path,
        text: at === 0 ? file.text : text + file.text.slice(at),
      });
    }
    return linked;
  }

  /** The source files reachable from the roots, found by bundling them without output. */
  private async importGraph(): Promise<Set<string>> {
    const roots = [...this.roots].filter((f) => existsSync(join(this.workspace, f)));
    const result = await esbuild.build({
      ...READ_AS_NODE_ESM,
      entryPoints: roots.map((f) => join(this.workspace, f)),
      metafile: true,
      absWorkingDir: this.workspace,
      outdir: this.treeDir,
    });
    return new Set(
      Object.keys(result.metafile.inputs)
        .map((p) => (isAbsolute(p) ? p : join(this.workspace, p)))
        .filter((p) => CODE.test(p) && !relative(this.workspace, p).startsWith("..")),
    );
  }

  /** Writes the outputs that changed and removes the ones no longer built. */
  private async writeOutputs(files: { path: string; text: string }[]): Promise<void> {
    const now = new Set<string>();
    for (const file of files) {
      now.add(file.path);
      if (this.written.get(file.path) === file.text) continue;
      await this.realDir(dirname(file.path));
      await writeFile(file.path, file.text);
      this.written.set(file.path, file.text);
    }
    for (const old of [...this.written.keys()].filter((p) => !now.has(p))) {
      await rm(old, { force: true });
      this.written.delete(old);
    }
  }

  /**
   * Makes `dir` (inside the mirror) a real folder all the way down: a folder
   * that was linked while it held no compiled file is unlinked first, so that
   * nothing is ever written through a link into the workspace.
   */
  private async realDir(dir: string): Promise<void> {
    const rel = relative(this.treeDir, dir);
    if (rel.startsWith("..") || isAbsolute(rel)) throw new Error(`${dir} is outside the mirror`);
    let at = this.treeDir;
    await mkdir(at, { recursive: true });
    for (const part of rel ? rel.split(sep) : []) {
      at = join(at, part);
      const stat = await lstat(at).catch(() => undefined);
      if (stat?.isSymbolicLink() || (stat && !stat.isDirectory())) await rm(at, { force: true });
      if (!stat?.isDirectory() || stat.isSymbolicLink()) await mkdir(at);
    }
  }

  /**
   * Links every other file and folder of the workspace into the mirror at its
   * place (public/, a template beside a module, package.json …), so paths
   * relative to a module resolve to the workspace's own files.
   */
  private async linkTheRest(): Promise<void> {
    const compiled = new Set([...this.entries].map((p) => relative(this.workspace, p)));
    const dirs = new Set<string>([""]);
    for (const rel of compiled) {
      for (let d = dirname(rel); d !== "." && d !== ""; d = dirname(d)) dirs.add(d);
    }
    for (const dir of dirs) {
      let names: string[];
      try {
        names = await readdir(join(this.workspace, dir));
      } catch {
        continue;
      }
      for (const name of names) {
        const rel = dir ? join(dir, name) : name;
        if (dirs.has(rel) || compiled.has(rel) || (dir === "" && NOT_MIRRORED.has(name))) continue;
        if (/\.(?:ts|tsx|mts|cts)$/.test(name)) continue;
        const link = join(this.treeDir, rel);
        const target = join(this.workspace, rel);
        const current = await readlink(link).catch(() => undefined);
        if (current === target) continue;
        await this.realDir(dirname(link));
        await rm(link, { force: true, recursive: true });
        await symlink(target, link).catch(() => {});
      }
    }
  }

  /**
   * Packages stay external, so the mirror must find them at run time. When the
   * workspace has no node_modules of its own, a link above the mirror points at
   * the runner's.
   */
  private async linkModules(): Promise<void> {
    await mkdir(this.outDir, { recursive: true });
    const link = join(this.outDir, "node_modules");
    if (!needsRunnerPackages(this.workspace) || existsSync(link)) return;
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
