/**
 * Save-to-verdict benchmark: how long from saving a file in the workspace to the
 * check's verdict, through the real watch pipeline (chokidar → debounce → rebuild
 * → start the server → lesson 3's checker → verdict), for the default start
 * (kept-alive esbuild context + plain node) and for a plain `node --import tsx`
 * start, interleaved so machine noise falls on both alike.
 *
 *   npm run bench -- [--saves N] [--lesson 3]
 */
import { appendFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { LessonResult } from "../src/checks/results.ts";
import { findLesson, loadCourse } from "../src/course/manifest.ts";
import { checkLesson } from "../src/course/run-lessons.ts";
import { materialise } from "../src/course/self-check.ts";
import { createBuilder, RUNNER_ROOT, type ServerBuilder } from "../src/runner/build.ts";
import { WatchLoop } from "../src/watch/watch-loop.ts";

const { values } = parseArgs({
  options: { saves: { type: "string", default: "12" }, lesson: { type: "string", default: "3" } },
});
const saves = Math.min(Number(values.saves), 50);
const lesson = findLesson(loadCourse(), values.lesson);

interface Variant {
  name: string;
  workspace: string;
  builder: ServerBuilder;
  loop: WatchLoop;
  verdict?: (r: LessonResult) => void;
  times: number[];
}

async function variant(name: string, mode: "esbuild" | "tsx"): Promise<Variant> {
  // inside the runner, so tsx (which runs the source in place) resolves the packages
  const workspace = await materialise(
    lesson.solutionDir,
    undefined,
    join(RUNNER_ROOT, ".labs", "bench"),
  );
  const builder = createBuilder(workspace, mode, { prewarm: true });
  const v: Variant = {
    name,
    workspace,
    builder,
    times: [],
    loop: undefined as unknown as WatchLoop,
  };
  v.loop = new WatchLoop(workspace, {
    run: async () => {
      // the verdict is what the learner sees: it is printed before the servers are torn down
      await checkLesson(lesson, {
        workspace,
        builder,
        reporter: { onLessonEnd: (r) => v.verdict?.(r) },
      });
    },
    key: () => {},
  });
  await v.loop.ready();
  // one warm-up run, as the runner does when a lesson opens
  await checkLesson(lesson, { workspace, builder, reporter: {} });
  return v;
}

async function save(v: Variant, n: number): Promise<number> {
  const t0 = performance.now();
  const done = new Promise<LessonResult>((resolve) => {
    v.verdict = resolve;
  });
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`${v.name}: no verdict within 20 s`)), 20_000),
  );
  await appendFile(join(v.workspace, "src", "server.ts"), `\n// save ${n}\n`);
  const result = await Promise.race([done, timeout]);
  if (result.status !== "pass")
    throw new Error(`${v.name}: the reference solution did not pass (${result.status})`);
  return performance.now() - t0;
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s.at(-1)! };
};

const variants = [
  await variant("esbuild + node (default)", "esbuild"),
  await variant("node --import tsx", "tsx"),
];
try {
  for (let i = 0; i < saves; i++) {
    const order = i % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) v.times.push(await save(v, i));
  }
  console.log(
    `Save-to-verdict, lesson ${lesson.number} reference solution, ${saves} saves each (ms):`,
  );
  for (const v of variants) {
    const s = stats(v.times);
    console.log(
      `  ${v.name.padEnd(26)} median ${s.median.toFixed(0)}  (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)})`,
    );
  }
  const ratio = stats(variants[1].times).median / stats(variants[0].times).median;
  console.log(`  tsx / default median ratio: ${ratio.toFixed(2)}×`);
} finally {
  for (const v of variants) {
    await v.loop.close();
    await v.builder.dispose();
    await rm(v.workspace, { recursive: true, force: true });
  }
}
