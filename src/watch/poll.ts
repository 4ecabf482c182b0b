import { realpathSync } from "node:fs";
import { release } from "node:os";

/** Why the watch polls, or undefined when OS file events are used. */
export type PollReason = "--poll" | "LABS_POLL" | "WSL drive";

/**
 * Whether to watch by polling: asked for (`--poll`, `LABS_POLL=1`), or a
 * workspace on a Windows drive mounted into WSL (`/mnt/c/…`), where Linux gets
 * no file events for saves made by Windows editors.
 */
export function pollReason(
  dir: string,
  opts: { flag?: boolean; env?: NodeJS.ProcessEnv; kernelRelease?: () => string } = {},
): PollReason | undefined {
  const env = opts.env ?? process.env;
  if (opts.flag) return "--poll";
  if (env.LABS_POLL === "1") return "LABS_POLL";
  if (isWsl(env, opts.kernelRelease) && onWindowsDrive(dir)) return "WSL drive";
  return undefined;
}

/** WSL sets WSL_DISTRO_NAME, and its kernels name themselves "…-microsoft-standard-WSL2". */
function isWsl(env: NodeJS.ProcessEnv, kernelRelease: () => string = release): boolean {
  if (env.WSL_DISTRO_NAME) return true;
  return /microsoft/i.test(kernelRelease());
}

/** WSL mounts Windows drives at /mnt/<letter>/. */
function onWindowsDrive(dir: string): boolean {
  let real = dir;
  try {
    real = realpathSync(dir);
  } catch {}
  return /^\/mnt\/[a-z](\/|$)/i.test(real);
}
