import { appendFile, mkdtemp, readFile, rename, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { pollReason } from "../../../src/watch/poll.ts";
import { isIgnored, WatchLoop } from "../../../src/watch/watch-loop.ts";

describe("what a save is", () => {
  it("counts source, public and answers files", () => {
    for (const f of ["src/server.ts", "public/board.js", "answers/long-polling.json"])
      expect(isIgnored(f)).toBe(false);
  });

  it("ignores databases, build output and half-written files", () => {
    for (const f of [
      "node_modules/ws/index.js",
      ".labs/build/tree/src/server.js",
      "taskboard.db-wal",
      "answers/long-polling.json.11998.tmp",
      "src/.server.ts.swp",
      "src/server.ts~",
    ])
      expect(isIgnored(f)).toBe(true);
  });
});

describe("when the watch polls", () => {
  it("polls when asked, or for a workspace on a Windows drive under WSL", () => {
    const linux = () => "6.1.0-13-amd64";
    const wsl = () => "5.15.153.1-microsoft-standard-WSL2";
    expect(pollReason("/home/ada/ws", { env: {}, kernelRelease: linux })).toBeUndefined();
    expect(pollReason("/home/ada/ws", { flag: true, env: {}, kernelRelease: linux })).toBe(
      "--poll",
    );
    expect(pollReason("/home/ada/ws", { env: { LABS_POLL: "1" }, kernelRelease: linux })).toBe(
      "LABS_POLL",
    );
    expect(pollReason("/mnt/c/Users/ada/ws", { env: {}, kernelRelease: wsl })).toBe("WSL drive");
    expect(
      pollReason("/mnt/d/ws", { env: { WSL_DISTRO_NAME: "Ubuntu" }, kernelRelease: linux }),
    ).toBe("WSL drive");
    // WSL's own Linux filesystem gets file events: no polling there
    expect(pollReason("/home/ada/ws", { env: {}, kernelRelease: wsl })).toBeUndefined();
    // a /mnt folder on plain Linux is not a Windows drive
    expect(pollReason("/mnt/c/ws", { env: {}, kernelRelease: linux })).toBeUndefined();
  });
});

describe("a save written in several steps is not lost", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  /** Watches a folder; every run records what server.ts holds when it starts. */
  async function watched(poll: boolean) {
    const dir = await mkdtemp(join(tmpdir(), "labs-watch-"));
    dirs.push(dir);
    const file = join(dir, "server.ts");
    await writeFile(file, "v0");
    const seen: string[] = [];
    const loop = new WatchLoop(
      dir,
      { run: async () => void seen.push(await readFile(file, "utf8")), key: () => {} },
      { debounceMs: 100, poll },
    );
    await loop.ready();
    return { dir, file, seen, loop };
  }

  /** Waits until the last run saw `text` and the loop has been quiet for a while. */
  async function lastRunSees(seen: string[], text: string): Promise<void> {
    const deadline = Date.now() + 4000;
    while (Date.now() < deadline) {
      const count = seen.length;
      await new Promise((r) => setTimeout(r, 400));
      if (seen.at(-1) === text && seen.length === count) return;
    }
    throw new Error(`the last run saw ${JSON.stringify(seen.at(-1))}, not ${JSON.stringify(text)}`);
  }

  for (const poll of [false, true]) {
    const mode = poll ? "polling" : "file events";
    it(`sees an editor's atomic save (write a temporary file, rename it over) with ${mode}`, async () => {
      const { dir, file, seen, loop } = await watched(poll);
      try {
        const tmp = join(dir, ".server.ts.4913");
        await writeFile(tmp, "v1 atomic");
        await rename(tmp, file);
        await lastRunSees(seen, "v1 atomic");
      } finally {
        await loop.close();
      }
    });

    it(`sees a save that truncates first and writes a moment later with ${mode}`, async () => {
      const { file, seen, loop } = await watched(poll);
      try {
        await truncate(file, 0);
        await new Promise((r) => setTimeout(r, 150)); // longer than the debounce: a run may start in between
        await appendFile(file, "v2 after truncate");
        await lastRunSees(seen, "v2 after truncate");
      } finally {
        await loop.close();
      }
    });
  }
});
