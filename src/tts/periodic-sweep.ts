/**
 * One interval that checks everything watched, for work that may notice a change a little
 * late instead of paying a timer or an abort listener per item (in Bun, adding and removing
 * either is a few µs and an object or two): an upstream call's deadlines and its client
 * (engines/upstream/call-deadlines.ts), and a batch request's reader waiting on its client
 * (broadcast-reader.ts). The interval runs only while something is watched and never keeps
 * the process alive by itself; what it watches is checked every SWEEP_MS.
 */

/** How often everything watched is checked: how late a change may be noticed. */
export const SWEEP_MS = 25

/** What is watched: checked at each sweep until unwatched (it may unwatch itself from `check`). */
export interface Swept {
  check(now: number): void
}

const watched = new Set<Swept>()
let sweeper: ReturnType<typeof setInterval> | undefined

function sweep(): void {
  const now = performance.now()
  // Deleting the item being visited (an item unwatching itself) is safe in a Set's iteration.
  for (const item of watched) item.check(now)
  if (watched.size === 0) {
    clearInterval(sweeper)
    sweeper = undefined
  }
}

/**
 * Checks `item` at every sweep until `unwatch(item)`.
 *
 * @example
 * const reader = { check: () => { if (signal.aborted) { unwatch(reader); feed.wake() } } }
 * watch(reader)
 * // ... when done with it:
 * unwatch(reader)
 */
export function watch(item: Swept): void {
  watched.add(item)
  sweeper ??= setInterval(sweep, SWEEP_MS)
  sweeper.unref?.()
}

/** Stops checking `item` (idempotent). */
export function unwatch(item: Swept): void {
  watched.delete(item)
}
