import { defineConfig } from "vitest/config";

/**
 * Test files that run a second time with LABS_PORTABLE=1: on Linux, the runner
 * then takes the code paths of a system without /proc, cgroups and namespaces
 * (macOS, where most learners are). The supervisor, the CLI and the malicious
 * learners are what those paths change; test/helpers/portable-setup.ts leaves
 * out the tests of theirs that no platform code touches.
 * `npx vitest run --project native` runs each file once.
 */
const PORTABLE = [
  "test/unit/runner/supervisor.test.ts",
  "test/e2e/cli.test.ts",
  "test/e2e/malicious.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "native",
          include: ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"],
        },
      },
      {
        extends: true,
        test: {
          name: "portable",
          include: PORTABLE,
          env: { LABS_PORTABLE: "1" },
          setupFiles: ["test/helpers/portable-setup.ts"],
        },
      },
    ],
  },
});
