/**
 * What the operating system lets the runner use to watch and bound learner
 * processes. On Linux: /proc (to find a run's processes again, the ports they
 * listen on and their connections), cgroups (the cage) and namespaces (the
 * sandbox). Elsewhere (macOS, for one) none of them, and the runner falls back
 * to process groups, plain signals and what it can probe from outside.
 *
 * `LABS_PORTABLE=1` makes the runner take those fallbacks on Linux too, so that
 * the tests run them. This module is the one place that reads it: every use of
 * /proc, cgroups or namespaces asks here first.
 */

/** True when `LABS_PORTABLE` asks for the code paths of a system without /proc, cgroups and namespaces. */
export function portable(): boolean {
  const value = process.env.LABS_PORTABLE;
  return value !== undefined && value !== "" && value !== "0";
}

/** The operating system the runner really runs on (`linux`, `darwin` …), whatever the mode. */
export function realPlatform(): NodeJS.Platform {
  return process.platform;
}

function linuxFeatures(): boolean {
  return realPlatform() === "linux" && !portable();
}

/** True when the runner may read /proc: Linux, and not in portable mode. */
export function hasProcfs(): boolean {
  return linuxFeatures();
}

/** True when the runner may try to create cgroups (the cage): Linux, and not in portable mode. */
export function hasCgroups(): boolean {
  return linuxFeatures();
}

/** True when the runner may try PID and mount namespaces (the sandbox): Linux, and not in portable mode. */
export function hasNamespaces(): boolean {
  return linuxFeatures();
}

/**
 * The platform in words, for `labs doctor` and reports: `linux`, `darwin`, or
 * `portable mode on linux (LABS_PORTABLE=1): …`.
 */
export function describePlatform(): string {
  return portable()
    ? `portable mode on ${realPlatform()} (LABS_PORTABLE=${process.env.LABS_PORTABLE}): the runner uses no /proc, cgroups or namespaces, as on macOS`
    : realPlatform();
}
