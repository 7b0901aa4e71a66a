/**
 * Clients watched by polling their signals instead of listening to them: an abort listener
 * costs a batch request about as much as its cache key (adding and removing one, in Bun, is a
 * few µs and an object or two), while a batch request's reader only needs to notice its
 * client leaving while it waits, which it may do a little late. One interval looks at every
 * watched signal (and runs only while there are any), so a client leaving is noticed up to
 * POLL_MS late: as an upstream call's deadlines and its client are (call-deadlines.ts).
 */

/** What is watched: a signal, and what to do once it has aborted. */
export interface PolledClient {
  /** Never aborting when absent (not worth watching). */
  readonly signal?: AbortSignal | undefined
  /** Called once, from the poll, after `signal` aborted; the client is no longer watched. */
  left(): void
}

const POLL_MS = 25
const watched = new Set<PolledClient>()
let poller: ReturnType<typeof setInterval> | undefined

function poll(): void {
  for (const client of watched) {
    if (!client.signal?.aborted) continue
    watched.delete(client)
    client.left()
  }
  if (watched.size === 0) {
    clearInterval(poller)
    poller = undefined
  }
}

/**
 * Watches `client.signal` until `unwatchClient(client)`; `client.left()` runs up to POLL_MS
 * after the signal aborts.
 *
 * @example
 * const client = { signal: request.signal, left: () => feed.wake() }
 * watchClient(client) // a BroadcastReader is one itself
 * // ... when done with it:
 * unwatchClient(client)
 */
export function watchClient(client: PolledClient): void {
  watched.add(client)
  poller ??= setInterval(poll, POLL_MS)
  // The interval must not keep a process alive on its own; the requests it watches do.
  poller.unref?.()
}

/** Stops watching (idempotent). */
export function unwatchClient(client: PolledClient): void {
  watched.delete(client)
}
