/**
 * The timing-heavy lessons, checked again and again while busy loops keep every
 * core occupied: what a learner's laptop looks like with a browser, an IDE and a
 * build running beside the runner. Runs `labs dev check`'s own self-check (each
 * lesson's solution `--repeat` times, then its starter, a carried-over learner and
 * every fixture once) and reports failed solution runs, fixtures that no longer
 * fail at their step, and how loaded the machine was.
 *
 *   npm run bench:load -- [--repeat 20] [--lessons 4,8,13,14,15,16,17,18] [--busy N] [--max-minutes 60]
 *
 * Bounded: the busy loops stop by themselves after --max-minutes, and are killed
 * when the run ends or is interrupted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { selfCheck } from "../src/course/self-check.ts";

const { values } = parseArgs({
  options: {
    repeat: { type: "string", default: "20" },
    lessons: { type: "string", default: "4,8,13,14,15,16,17,18" },
    busy: { type: "string", default: String(availableParallelism()) },
    "max-minutes": { type: "string", default: "60" },
  },
});
const repeat = Math.max(1, Math.min(Number(values.repeat), 100));
const busy = Math.max(0, Math.min(Number(values.busy), 16));
const maxMs = Math.max(1, Number(values["max-minutes"])) * 60_000;

/** One process that spins a core until its deadline. */
function busyLoop(): ChildProcess {
  const script = `const end = Date.now() + ${maxMs}; let x = 0; while (Date.now() < end) x = (x + Math.sqrt(x + 1)) % 1e9;`;
  return spawn(process.execPath, ["-e", script], { stdio: "ignore" });
}

const loops = Array.from({ length: busy }, busyLoop);
const stopLoops = () => {
  for (const child of loops) if (child.exitCode === null) child.kill("SIGKILL");
};
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stopLoops();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

const loads: number[] = [];
const sampler = setInterval(() => loads.push(loadavg()[0]), 5000);
const lines: string[] = [];
const started = performance.now();
try {
  // let the loops take the cores before the first check starts
  await new Promise((r) => setTimeout(r, 2000));
  const report = await selfCheck({
    repeat,
    lessons: values.lessons,
    out: {
      write: (text: string) => {
        process.stdout.write(text);
        lines.push(...text.split("\n").filter(Boolean));
        return true;
      },
    },
  });
  const solutionFailures = report.problems.filter((p) => /: solution failed at /.test(p));
  const fixtureMisses = lines.filter((l) =>
    /fixture .* fails at .*\((it failed at|it passed)/.test(l),
  );
  const sorted = [...loads].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? loadavg()[0];
  console.log(
    `\nUnder load: ${busy} busy loop(s) on ${availableParallelism()} core(s), lessons ${values.lessons}, ${repeat} solution runs each, ${Math.round((performance.now() - started) / 1000)} s`,
  );
  console.log(
    `  1-minute load average: median ${median.toFixed(1)} (min ${(sorted[0] ?? median).toFixed(1)}, max ${(sorted.at(-1) ?? median).toFixed(1)})`,
  );
  console.log(`  failed solution runs: ${solutionFailures.length}`);
  for (const p of solutionFailures) console.log(`    ${p}`);
  console.log(`  fixtures not failing at their step: ${fixtureMisses.length}`);
  for (const l of fixtureMisses) console.log(`    ${l.trim()}`);
  const others = report.problems.filter(
    (p) => !solutionFailures.includes(p) && !fixtureMisses.some((l) => l.includes(p)),
  );
  console.log(`  other problems (budgets, static checks): ${others.length}`);
  for (const p of others) console.log(`    ${p}`);
  process.exitCode = solutionFailures.length || fixtureMisses.length ? 1 : 0;
} finally {
  clearInterval(sampler);
  stopLoops();
}
