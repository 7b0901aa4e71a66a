/**
 * Mirrors read recency into file mtimes in the background, for the fs cache's LRU order
 * after a restart. A read only marks its file; a timer writes the marks once per interval,
 * so a hot entry costs one utimes per interval instead of one per hit (awaited, that was a
 * thread-pool round trip on every cache hit; fired and forgotten, an extra event-loop wakeup).
 */
import { utimes } from 'node:fs/promises'

export interface MtimeMirrorOptions {
  /** How long a mark may wait before it is written, ms. */
  intervalMs: number
  /** Receives each batch of writes, so the owner can wait for them before closing. */
  track: (writes: Promise<void>) => void
}

/**
 * @example
 * const mtimes = new MtimeMirror({ intervalMs: 1000, track: (p) => void pending.track(p) })
 * mtimes.mark('/cache/ab/ab12...', index.nextStamp()) // on a hit
 * await mtimes.flush() // before close
 */
export class MtimeMirror {
  readonly #options: MtimeMirrorOptions
  #marks = new Map<string, number>()
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(options: MtimeMirrorOptions) {
    this.#options = options
  }

  /** Records that `path` was used at `stamp` (ms since the epoch); the latest mark wins. */
  mark(path: string, stamp: number): void {
    this.#marks.set(path, stamp)
    if (this.#timer) return
    this.#timer = setTimeout(() => this.#options.track(this.flush()), this.#options.intervalMs)
    // Pending marks must not keep a finished process alive; close() flushes them.
    this.#timer.unref?.()
  }

  /** Drops the mark of a file that was rewritten (its mtime is already current) or deleted. */
  forget(path: string): void {
    this.#marks.delete(path)
  }

  /** Writes every mark now. Never rejects: a file evicted meanwhile is simply skipped. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const marks = this.#marks
    this.#marks = new Map()
    await Promise.all([...marks].map(([path, stamp]) => utimes(path, stamp / 1000, stamp / 1000).catch(() => {})))
  }
}
