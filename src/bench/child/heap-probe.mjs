// Loaded into the learner's server by `labs bench` (NODE_OPTIONS=--import=…), before
// the server's own code: it answers the runner's requests for the server's memory as
// node itself sees it (the JS heap cannot be read from outside the process). The
// runner writes `<dir>/<PORT>.request`; this collects garbage (so the heap holds what
// is live, not what is waiting to be collected), then writes `<dir>/<PORT>.json`.
// It does nothing else, and nothing at all without LABS_BENCH_PROBE.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const dir = process.env.LABS_BENCH_PROBE;
const port = process.env.PORT;
// What the server starts itself must not load the probe again.
delete process.env.NODE_OPTIONS;
delete process.env.LABS_BENCH_PROBE;

if (dir && port) {
  let gc;
  try {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc");
  } catch {
    gc = undefined;
  }
  const request = join(dir, `${port}.request`);
  const answer = join(dir, `${port}.json`);
  const timer = setInterval(() => {
    if (!existsSync(request)) return;
    let seq;
    try {
      seq = readFileSync(request, "utf8");
      rmSync(request, { force: true });
    } catch {
      return;
    }
    try {
      if (gc) gc();
      const m = process.memoryUsage();
      const body = {
        seq,
        collected: Boolean(gc),
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
      };
      writeFileSync(`${answer}.tmp`, JSON.stringify(body));
      renameSync(`${answer}.tmp`, answer);
    } catch {
      // the runner reads "not measured" when no answer comes
    }
  }, 50);
  timer.unref();
}
