// Polling with a deadline: tests wait for state this way, never with bare sleeps.

/** Calls `get` until it returns something other than undefined/false, or fails after `ms`. */
export async function eventually<T>(
  get: () => Promise<T | undefined | false>,
  ms = 20_000,
  every = 100,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}
