import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  describeChromium,
  findChromium,
  isSnapStub,
  searchChromium,
} from "../../../src/runner/chromium.ts";

let dir: string;
let browser: string;
let stub: string;
let silent: string;
let elf: string;

/** Ubuntu's /usr/bin/chromium-browser, as the transitional deb leaves it. */
const SNAP_STUB = `#! /bin/sh
# This is a transitional script: chromium-browser is now a snap.
if ! [ -x /snap/bin/chromium ]; then
    echo "Command '$0' requires the chromium snap to be installed." >&2
    echo "Please install it with: snap install chromium" >&2
    exit 1
fi
exec /snap/bin/chromium "$@"
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "labs-chromium-"));
  const file = async (name: string, text: string | Buffer) => {
    const path = join(dir, name);
    await writeFile(path, text);
    await chmod(path, 0o755);
    return path;
  };
  // a wrapper script like Debian's or Google's (no snap in it) stands in for a browser
  browser = await file("chrome", '#!/bin/sh\necho "Google Chrome 131.0.6778.85 "\n');
  stub = await file("chromium-browser", SNAP_STUB);
  silent = await file("hangs", "#!/bin/sh\nexec sleep 10\n");
  elf = await file("elf", Buffer.concat([Buffer.from("\x7fELF"), Buffer.alloc(64)]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("findChromium", () => {
  it("takes CHROMIUM_PATH first, then CHROME_BIN, then the usual locations", () => {
    expect(searchChromium({ CHROMIUM_PATH: browser, CHROME_BIN: elf }, [elf])).toEqual({
      path: browser,
      source: "CHROMIUM_PATH",
      skipped: [],
    });
    expect(searchChromium({ CHROME_BIN: browser }, [elf])).toMatchObject({
      path: browser,
      source: "CHROME_BIN",
    });
    expect(searchChromium({}, [join(dir, "absent"), elf, browser])).toEqual({
      path: elf,
      source: "usual location",
      skipped: [],
    });
    expect(findChromium({ CHROME_BIN: browser })).toBe(browser);
  });

  it("passes over Ubuntu's snap stub, and says so", () => {
    expect(isSnapStub(stub)).toBe(true);
    expect(isSnapStub(browser)).toBe(false);
    expect(isSnapStub(elf)).toBe(false);
    expect(isSnapStub(join(dir, "absent"))).toBe(false);
    const found = searchChromium({ CHROME_BIN: stub }, [stub, browser]);
    expect(found.path).toBe(browser);
    expect(found.skipped).toEqual([
      `CHROME_BIN=${stub} is Ubuntu's stub for the chromium snap, not a browser`,
      `${stub} is Ubuntu's stub for the chromium snap, not a browser`,
    ]);
  });

  it("lets CHROMIUM_PATH alone decide: a wrong one finds nothing, with the reason", () => {
    expect(searchChromium({ CHROMIUM_PATH: stub, CHROME_BIN: browser }, [browser])).toEqual({
      skipped: [`CHROMIUM_PATH=${stub} is Ubuntu's stub for the chromium snap, not a browser`],
    });
    const absent = join(dir, "absent");
    expect(searchChromium({ CHROMIUM_PATH: absent }, [browser])).toEqual({
      skipped: [`CHROMIUM_PATH=${absent} does not exist`],
    });
    expect(searchChromium({}, [join(dir, "absent")])).toEqual({ skipped: [] });
  });
});

describe("describeChromium", () => {
  it("returns the first line of `--version`", async () => {
    expect(await describeChromium(browser)).toBe("Google Chrome 131.0.6778.85");
  });

  it("returns undefined for a binary that does not answer in time or cannot run", async () => {
    expect(await describeChromium(silent, 200)).toBeUndefined();
    expect(await describeChromium(join(dir, "absent"))).toBeUndefined();
  });
});
