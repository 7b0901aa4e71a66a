/**
 * Byte-sized least-recently-used bookkeeping, shared by the fs and memory
 * backends. A Map iterates in insertion order, so re-inserting on every use
 * keeps the least recently used entry first: O(1) touch and eviction.
 */
export interface LruEntry {
  size: number
  /** Last use, ms since the epoch; the fs backend mirrors it into the file's mtime. */
  stamp: number
}

export class LruIndex {
  readonly #entries = new Map<string, LruEntry>()
  #bytes = 0
  #lastStamp = 0

  /** Total size of all entries. */
  get bytes(): number {
    return this.#bytes
  }

  get size(): number {
    return this.#entries.size
  }

  has(key: string): boolean {
    return this.#entries.has(key)
  }

  get(key: string): LruEntry | undefined {
    return this.#entries.get(key)
  }

  /**
   * A strictly increasing clock: two uses in the same millisecond still get
   * distinct stamps, so the order survives a round trip through file mtimes.
   *
   * @example
   * ```ts
   * index.touch(key, index.nextStamp())
   * ```
   */
  nextStamp(): number {
    this.#lastStamp = Math.max(Date.now(), this.#lastStamp + 1)
    return this.#lastStamp
  }

  /** Adds or replaces an entry as the most recently used. */
  put(key: string, size: number, stamp: number): void {
    this.remove(key)
    this.#entries.set(key, { size, stamp })
    this.#bytes += size
    this.#lastStamp = Math.max(this.#lastStamp, stamp)
  }

  /** Marks an entry as just used. Returns false when it is unknown. */
  touch(key: string, stamp: number): boolean {
    const entry = this.#entries.get(key)
    if (!entry) return false
    this.#entries.delete(key)
    entry.stamp = stamp
    this.#entries.set(key, entry)
    return true
  }

  remove(key: string): LruEntry | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#entries.delete(key)
    this.#bytes -= entry.size
    return entry
  }

  /**
   * Removes least recently used entries until the total fits `maxBytes`,
   * never evicting `keep` (the entry just written), and returns their keys.
   *
   * @example
   * ```ts
   * for (const key of index.evictOver(maxBytes, justWritten)) await unlink(pathOf(key))
   * ```
   */
  evictOver(maxBytes: number, keep?: string): string[] {
    const evicted: string[] = []
    for (const key of this.#entries.keys()) {
      if (this.#bytes <= maxBytes) break
      if (key === keep) continue
      this.remove(key)
      evicted.push(key)
    }
    return evicted
  }
}
