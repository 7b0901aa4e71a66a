/**
 * Waiting on conditions outside the test process (a server becoming ready, a scrape having
 * happened), where there is no event to await: the condition is re-checked with a short
 * backoff until it holds or the deadline passes. Never a fixed sleep standing in for a result.
 */

/**
 * @example
 * await waitUntil(async () => (await fetch(url)).ok, 10_000, 'server ready')
 */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let delay = 20
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`)
    await Bun.sleep(delay)
    delay = Math.min(delay * 2, 250)
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = listener.port
  listener.stop(true)
  return port
}
