/**
 * The starters and solutions type-check with the learner's own tsconfig.json, in
 * one compiler program for all trees that share it (`labs dev check`, `npm test`).
 */
import { createHash } from "node:crypto";
import { existsSync, realpathSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type * as TS from "typescript";
import { walkFiles } from "./course-lint.ts";
import type { Course } from "./manifest.ts";

/** `path` relative to `root`, with forward slashes (as problems and tsc print it). */
function rel(root: string, path: string): string {
  const r = relative(root, path);
  return (r === "" ? "." : r).split(sep).join("/");
}

/** Every starter and solution folder of the course that exists, in lesson order. */
export function courseTreeDirs(course: Course): string[] {
  return course.lessons
    .flatMap((l) => [l.starterDir, l.solutionDir])
    .filter((dir) => existsSync(dir));
}

/** Options whose value depends on where the tsconfig sits: trees with them are checked one by one. */
const PLACE_BOUND = [
  "baseUrl",
  "paths",
  "rootDirs",
  "typeRoots",
  "outFile",
  "declarationDir",
  "tsBuildInfoFile",
  "plugins",
  "composite",
];

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

interface Tree {
  dir: string;
  /** `lessons/05-how-sse-works/starter` */
  name: string;
  configFile: string;
  raw: Record<string, unknown>;
  parsed: TS.ParsedCommandLine;
  /** May share a program with other trees whose compilerOptions are the same. */
  mergeable: boolean;
}

function under(dir: string, file: string): boolean {
  const r = relative(dir, file);
  return r !== "" && !r.startsWith("..") && !r.startsWith(sep) && !/^[a-zA-Z]:/.test(r);
}

/** Keys of `a` and `b` (shallow) whose values differ, as `key: a here, b there`. */
function differences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => stable(a[k]) !== stable(b[k]))
    .map(
      (k) =>
        `${k}: ${a[k] === undefined ? "unset" : stable(a[k])} here, ${b[k] === undefined ? "unset" : stable(b[k])} there`,
    );
}

/**
 * Type-checks project trees (starter and solution folders, absolute or relative
 * to `root`) with each tree's own tsconfig.json, as `npm run typecheck` inside
 * the tree would. Trees whose tsconfig.json has the same compilerOptions are
 * checked in one compiler program (one `tsc -p` per tree is far slower); a tree
 * whose tsconfig.json differs from the others' is reported and checked on its own,
 * and so is a tree that declares globals (a script file, `declare global`,
 * `declare module "…"`), which would leak into the others in a shared program.
 * Packages resolve from the repository's node_modules, above the trees.
 * Problems read like tsc's: `solutions/07-event-types-and-ids/src/sse.ts(12,3): error TS2322: …`.
 * A tree without tsconfig.json and without .ts files (a knowledge-check lesson) is skipped.
 */
export async function typecheckTrees(root: string, trees: readonly string[]): Promise<string[]> {
  const ts = (await import("typescript")).default;
  const problems: string[] = [];
  const loaded: Tree[] = [];

  for (const t of trees) {
    const dir = resolve(root, t);
    const name = rel(root, dir);
    const configFile = join(dir, "tsconfig.json");
    if (!existsSync(configFile)) {
      const tsFiles = walkFiles(dir).filter((f) => /\.[cm]?tsx?$/.test(f));
      if (tsFiles.length)
        problems.push(
          `${name}: has TypeScript files (${rel(root, tsFiles[0])}) but no tsconfig.json; copy the one every other starter and solution has (lessons/PROJECT.md)`,
        );
      continue;
    }
    const read = ts.readConfigFile(configFile, ts.sys.readFile);
    if (read.error) {
      problems.push(
        `${rel(root, configFile)}: cannot be read: ${ts.flattenDiagnosticMessageText(read.error.messageText, "\n")}`,
      );
      continue;
    }
    const raw = (read.config ?? {}) as Record<string, unknown>;
    const parsed = ts.parseJsonConfigFileContent(raw, ts.sys, dir, undefined, configFile);
    const compilerOptions = (raw.compilerOptions ?? {}) as Record<string, unknown>;
    const mergeable =
      raw.extends === undefined &&
      raw.references === undefined &&
      !PLACE_BOUND.some((k) => k in compilerOptions) &&
      !existsSync(join(dir, "node_modules"));
    loaded.push({ dir, name, configFile, raw, parsed, mergeable });
  }

  // Group by compilerOptions; the largest group is the course's tsconfig.
  const groups = new Map<string, Tree[]>();
  for (const tree of loaded) {
    const key = stable(tree.raw.compilerOptions ?? {});
    groups.set(key, [...(groups.get(key) ?? []), tree]);
  }
  const main = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? [];
  const reference = main[0];
  if (reference) {
    for (const tree of loaded) {
      if (tree === reference) continue;
      const rest = { ...tree.raw, compilerOptions: undefined };
      const refRest = { ...reference.raw, compilerOptions: undefined };
      const diffs = [
        ...differences(
          (tree.raw.compilerOptions ?? {}) as Record<string, unknown>,
          (reference.raw.compilerOptions ?? {}) as Record<string, unknown>,
        ).map((d) => `compilerOptions.${d}`),
        ...differences(rest, refRest),
      ];
      if (diffs.length)
        problems.push(
          `${rel(root, tree.configFile)}: differs from the tsconfig.json that ${main.length - (main.includes(tree) ? 1 : 0)} other tree(s) share, as in ${rel(root, reference.configFile)} (${diffs.join("; ")}); use the same tsconfig.json as every starter and solution (lessons/PROJECT.md)${main.includes(tree) ? "" : ". It was type-checked on its own, with its own options"}`,
        );
    }
  }

  for (const tree of loaded) {
    for (const e of tree.parsed.errors) {
      problems.push(
        `${rel(root, tree.configFile)}: ${ts.flattenDiagnosticMessageText(e.messageText, "\n")}`,
      );
    }
  }

  const seen = new Set<string>();
  const say = (text: string) => {
    if (seen.has(text)) return;
    seen.add(text);
    problems.push(text);
  };
  const format = (d: TS.Diagnostic, file: TS.SourceFile | undefined, swap?: [string, string]) => {
    const category = ts.DiagnosticCategory[d.category].toLowerCase();
    let message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (swap) message = message.split(swap[0]).join(swap[1]);
    if (!file || d.start === undefined) return `tsc: ${category} TS${d.code}: ${message}`;
    const { line, character } = file.getLineAndCharacterOfPosition(d.start);
    return `${rel(root, realpath(file.fileName))}(${line + 1},${character + 1}): ${category} TS${d.code}: ${message}`;
  };
  /** What an import resolved to: a file (real path) or nothing, and whether through node_modules. */
  type Edge = { spec: string; file?: string; external: boolean; from: string; start: number };

  /** One program over `group`'s files, recording which file each import resolved to. */
  const build = (
    group: Tree[],
    old?: { program: TS.Program; imports: Map<string, Map<string, Edge>> },
  ) => {
    const files = group.flatMap((t) => t.parsed.fileNames);
    if (files.length === 0) return undefined;
    const options: TS.CompilerOptions = {
      ...group[0].parsed.options,
      noEmit: true,
      // rootDir is enforced per tree in `collect`; outDir only matters when emitting
      rootDir: undefined,
      outDir: undefined,
      declarationDir: undefined,
      composite: undefined,
      incremental: undefined,
      tsBuildInfoFile: undefined,
    };
    const host = ts.createCompilerHost(options);
    host.getCurrentDirectory = () => root;
    const cache = ts.createModuleResolutionCache(root, (f) => f, options);
    // shared with `old`, whose files' resolutions the new program may reuse without asking
    const imports = old?.imports ?? new Map<string, Map<string, Edge>>();
    host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts, sf) =>
      literals.map((lit) => {
        const mode = ts.getModeForUsageLocation(sf, lit, opts);
        const r = ts.resolveModuleName(
          lit.text,
          containingFile,
          opts,
          host,
          cache,
          redirected,
          mode,
        );
        const from = realpath(containingFile);
        const edges = imports.get(from) ?? new Map<string, Edge>();
        edges.set(`${lit.text}\0${mode}`, {
          spec: lit.text,
          file: r.resolvedModule && realpath(r.resolvedModule.resolvedFileName),
          external: Boolean(r.resolvedModule?.isExternalLibraryImport),
          from,
          start: lit.getStart(sf),
        });
        imports.set(from, edges);
        return r;
      });
    const program = ts.createProgram({
      rootNames: files,
      options,
      host,
      oldProgram: old?.program,
    });
    const byPath = new Map(program.getSourceFiles().map((sf) => [realpath(sf.fileName), sf]));
    return { program, imports, byPath };
  };
  type Built = NonNullable<ReturnType<typeof build>>;

  const hashes = new Map<string, string>();
  const hashOf = (file: string, text: string) => {
    let h = hashes.get(file);
    if (h === undefined) {
      h = createHash("sha1").update(text).digest("hex");
      hashes.set(file, h);
    }
    return h;
  };

  /**
   * Files reachable from `from` through imports, not through node_modules
   * (`from` included), each with the import that first reached it.
   */
  const reach = (built: Built, from: string[], follow: (file: string) => boolean) => {
    const done = new Map<string, Edge | undefined>();
    const todo: [string, Edge | undefined][] = from.map((f) => [f, undefined]);
    while (todo.length) {
      const [f, via] = todo.shift()!;
      if (done.has(f)) continue;
      done.set(f, via);
      for (const e of built.imports.get(f)?.values() ?? [])
        if (e.file && !e.external && follow(e.file)) todo.push([e.file, e]);
    }
    return done;
  };

  /**
   * What a tree file's diagnostics depend on: its place in the tree, its text and
   * the text and place of every tree file it imports, directly or not (packages
   * and files outside the tree by their path). Starters and solutions share most
   * files, so most keys repeat, and each distinct one is checked once per program.
   * (Globals cannot differ: trees that declare any are checked apart.)
   */
  const keyOf = (built: Built, file: string, tree: Tree): string => {
    const local = (f: string) => under(tree.dir, f);
    const entries = [...reach(built, [file], local).keys()].map((f) => {
      const text = built.byPath.get(f)?.text ?? "";
      const targets = [...(built.imports.get(f)?.entries() ?? [])]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([how, e]) =>
          !e.file
            ? `?${how}`
            : local(e.file)
              ? `${how}=${rel(tree.dir, e.file)}`
              : `${how}=${e.file}`,
        );
      // a triple-slash reference pulls in files the import graph does not show
      const refs = /\/\/\/\s*<reference/.test(text) ? `\0${f}` : "";
      return `${rel(tree.dir, f)}\0${hashOf(f, text)}\0${targets.join("|")}${refs}`;
    });
    return createHash("sha1").update(entries.sort().join("\n")).digest("hex");
  };

  const collect = (built: Built, group: Tree[]) => {
    const { program } = built;
    for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()])
      say(format(d, d.file));
    const byKey = new Map<string, { diagnostics: readonly TS.Diagnostic[]; dir?: string }>();
    for (const [file, sf] of built.byPath) {
      const tree = group.find((t) => under(t.dir, file));
      const key = tree ? `tree:${keyOf(built, file, tree)}` : `file:${file}`;
      let known = byKey.get(key);
      if (!known) {
        known = {
          diagnostics: [
            ...program.getSyntacticDiagnostics(sf),
            ...program.getSemanticDiagnostics(sf),
          ],
          dir: tree?.dir,
        };
        byKey.set(key, known);
      }
      const swap: [string, string] | undefined =
        tree && known.dir && known.dir !== tree.dir ? [known.dir, tree.dir] : undefined;
      for (const d of known.diagnostics) say(format(d, sf, swap));
    }
    // rootDir, as tsc enforces it in each tree's own program
    for (const tree of group) {
      const rootDir = tree.parsed.options.rootDir;
      if (!rootDir) continue;
      const real = realpath(rootDir);
      const files = reach(
        built,
        tree.parsed.fileNames.map((f) => realpath(f)),
        () => true,
      );
      for (const [file, via] of files) {
        const sf = built.byPath.get(file);
        if (!sf || sf.isDeclarationFile || program.isSourceFileFromExternalLibrary(sf)) continue;
        if (under(real, file)) continue;
        const importer = via && built.byPath.get(via.from);
        const at = importer ? importer.getLineAndCharacterOfPosition(via.start) : undefined;
        say(
          `${importer && at ? `${rel(root, via.from)}(${at.line + 1},${at.character + 1}): ` : ""}error TS6059: File '${file}' is not under 'rootDir' '${real}'. 'rootDir' is expected to contain all source files.`,
        );
      }
    }
  };

  /** Trees one of whose files declares globals (a script, `declare global`, `declare module "x"`). */
  const leaky = (program: TS.Program, group: Tree[]): Set<Tree> => {
    const out = new Set<Tree>();
    for (const sf of program.getSourceFiles()) {
      if (program.isSourceFileFromExternalLibrary(sf)) continue;
      const tree = group.find((t) => under(t.dir, realpath(sf.fileName)));
      if (!tree) continue;
      const global =
        !ts.isExternalModule(sf) ||
        sf.statements.some(
          (st) =>
            ts.isModuleDeclaration(st) &&
            (ts.isStringLiteral(st.name) || (st.flags & ts.NodeFlags.GlobalAugmentation) !== 0),
        );
      if (global) out.add(tree);
    }
    return out;
  };

  for (const group of groups.values()) {
    const shared = group.filter((t) => t.mergeable);
    const alone = group.filter((t) => !t.mergeable);
    if (shared.length) {
      let built = build(shared);
      const apart = built && shared.length > 1 ? leaky(built.program, shared) : new Set<Tree>();
      if (built && apart.size) {
        const rest = shared.filter((t) => !apart.has(t));
        alone.push(...apart);
        built = rest.length ? build(rest, built) : undefined;
        if (built) collect(built, rest);
      } else if (built) collect(built, shared);
    }
    for (const tree of alone) {
      const built = build([tree]);
      if (built) collect(built, [tree]);
    }
  }
  return problems;
}

const realpaths = new Map<string, string>();
function realpath(file: string): string {
  let real = realpaths.get(file);
  if (real === undefined) {
    try {
      real = realpathSync(file);
    } catch {
      real = resolve(file);
    }
    realpaths.set(file, real);
  }
  return real;
}
