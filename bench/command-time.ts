/**
 * Wall time of a realtime-labs command, run several times in a row: median, min, max.
 *
 *   npm run bench:command -- --runs 3 -- check 4 --solution --previous
 *   npm run bench:command -- --runs 3 -- grade --solution --lessons all --output .labs/bench-grade
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  options: { runs: { type: "string", default: "3" } },
  allowPositionals: true,
});
const runs = Math.min(Number(values.runs), 20);
const bin = join(import.meta.dirname, "..", "bin", "labs.js");
const times: number[] = [];
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [bin, ...positionals], {
    encoding: "utf8",
    timeout: 600_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = performance.now() - t0;
  times.push(ms);
  console.log(`run ${i + 1}: ${(ms / 1000).toFixed(2)} s, exit ${r.status}`);
  if (r.status !== 0)
    console.log(
      r.stdout
        .split("\n")
        .filter((l) => /FAIL|failed|error/i.test(l))
        .slice(0, 10)
        .join("\n"),
    );
}
const sorted = [...times].sort((a, b) => a - b);
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(
  `labs ${positionals.join(" ")}: median ${s(sorted[Math.floor(runs / 2)])} (min ${s(sorted[0])}, max ${s(sorted.at(-1)!)}) over ${runs} runs`,
);
