/** Waits until `condition()` holds, polling every `every` ms; true when it did within `ms`. */
export async function waitUntil(
  condition: () => boolean,
  ms: number,
  every = 10,
): Promise<boolean> {
  const until = performance.now() + ms;
  while (!condition()) {
    if (performance.now() >= until) return false;
    await new Promise((r) => setTimeout(r, every));
  }
  return true;
}
