/**
 * The audio cache contract (docs/architecture.md, "The cache").
 *
 * A cache is an optimisation, never a dependency: every backend turns its own
 * failures into misses (get) or no-ops (set) and reports them through
 * `onError`, so a broken disk or a dead Redis degrades to "synthesise every
 * time" instead of failing requests.
 */

export { cacheKey, type CacheKeyFields, type CacheKeyValue } from './cache-key.ts'
export { CorruptRecordError } from './record-codec.ts'

/** One finished, encoded utterance as the HTTP layer serves it. */
export interface CachedAudio {
  /** The encoded audio exactly as sent to the client (mp3, wav, raw pcm, ...). */
  body: Uint8Array
  /** e.g. `audio/mpeg`. */
  contentType: string
  /** Small scalar facts about the audio, e.g. `durationS`, `sampleRate`, an alignment JSON string. */
  meta: Record<string, string | number>
  /**
   * The same bytes as an immutable Blob, when the backend keeps one (the memory tier): a
   * Response made from it shares the bytes, where one made from `body` copies them (2.8 µs
   * for 36 KB, 30 µs for 265 KB on the reference machine).
   */
  blob?: Blob
}

/** Backend names, used as a metrics/log attribute. */
export type CacheKind = 'fs' | 'redis' | 'memory'

/** Which operation failed, for `tts_errors_total`-style counters (a bounded label set). */
export type CacheOp = 'get' | 'set' | 'evict'

/** Called for every backend failure that the cache swallowed. Must not throw (it is guarded anyway). */
export type CacheErrorHook = (op: CacheOp, err: unknown) => void

/** Options every backend accepts. */
export interface CacheCommonOptions {
  onError?: CacheErrorHook
}

export interface AudioCache {
  readonly kind: CacheKind
  /** A stored value, or `undefined` on a miss. Never rejects: backend errors are misses reported via `onError`. */
  get(key: string): Promise<CachedAudio | undefined>
  /** Stores a value. Never rejects: failures are reported via `onError`. */
  set(key: string, value: CachedAudio): Promise<void>
  /** Bytes currently stored, as far as this replica knows (feeds the `tts_cache_bytes` gauge). */
  bytes(): number
  /** True while writes succeed (feeds `/readyz`). */
  writable(): boolean
  /** Waits for pending writes, then releases handles. Later calls are misses / no-ops. */
  close(): Promise<void>
}

/**
 * Calls the error hook without letting a faulty hook break the cache's
 * never-throws promise.
 *
 * @example
 * ```ts
 * reportError(options.onError, 'set', err)
 * ```
 */
export function reportError(hook: CacheErrorHook | undefined, op: CacheOp, err: unknown): void {
  if (!hook) return
  try {
    hook(op, err)
  } catch {
    // A metrics hook that throws must not turn a cache miss into a failed request.
  }
}

/**
 * Writes still in flight, so `close()` can wait for every one of them.
 *
 * @example
 * ```ts
 * await this.#pending.track(this.#write(name, record))
 * await this.#pending.settled() // in close()
 * ```
 */
export class PendingWrites {
  readonly #writes = new Set<Promise<void>>()

  async track(write: Promise<void>): Promise<void> {
    this.#writes.add(write)
    try {
      await write
    } finally {
      this.#writes.delete(write)
    }
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#writes])
  }
}
