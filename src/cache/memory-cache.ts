/**
 * An in-process LRU cache: for tests of the layers above, and for a
 * deployment that wants no disk at all. Same contract as the other backends.
 */
import type { AudioCache, CacheCommonOptions, CachedAudio } from './cache.ts'
import { LruIndex } from './lru-index.ts'

export interface MemoryCacheOptions extends CacheCommonOptions {
  /** Cap on the memory held: twice the summed body sizes (bytes and a Blob of them). */
  maxBytes: number
}

export class MemoryCache implements AudioCache {
  readonly kind = 'memory' as const
  readonly #values = new Map<string, CachedAudio>()
  readonly #index = new LruIndex()
  readonly #maxBytes: number
  #closed = false

  /**
   * @example
   * ```ts
   * const cache = new MemoryCache({ maxBytes: 64 * 1024 * 1024 })
   * await cache.set(key, audio)
   * ```
   */
  constructor(options: MemoryCacheOptions) {
    this.#maxBytes = options.maxBytes
  }

  async get(key: string): Promise<CachedAudio | undefined> {
    if (this.#closed) return undefined
    const value = this.#values.get(key)
    if (value) this.#index.touch(key, this.#index.nextStamp())
    return value
  }

  async set(key: string, value: CachedAudio): Promise<void> {
    // Each entry is held twice (see below), and the cap counts both.
    const size = value.body.length * 2
    if (this.#closed || size > this.#maxBytes) return
    // Copied so a caller reusing its buffer cannot change what later hits receive; the Blob
    // is what responses share without a copy, the bytes are for callers that re-frame them.
    const body = value.body.slice()
    this.#values.set(key, { body, blob: new Blob([body]), contentType: value.contentType, meta: { ...value.meta } })
    this.#index.put(key, size, this.#index.nextStamp())
    for (const evicted of this.#index.evictOver(this.#maxBytes, key)) this.#values.delete(evicted)
  }

  bytes(): number {
    return this.#index.bytes
  }

  writable(): boolean {
    return !this.#closed
  }

  async close(): Promise<void> {
    this.#closed = true
    this.#values.clear()
  }
}
