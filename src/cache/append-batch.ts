/**
 * Records waiting for the filesystem cache's next append (fs-cache.ts): every store of one
 * turn of the event loop is written by one `writev` at the start of the next, instead of a
 * system call each. A store is made after its answer has left (the speech service serves
 * repeats from the finished flight until it lands), so waiting one turn costs nobody; under
 * load the stores of concurrent misses share a call, which costs the kernel far less than
 * one call per record (bench/RESULTS.md, issue #20 third session).
 *
 * Durability is unchanged where it matters: a record is in the page cache (it survives the
 * process, not the machine, unless `fsync`) before its store resolves, and `close()` writes
 * what is waiting before it returns. A process killed outright loses at most the records of
 * the turn it was in, which a cache regenerates.
 */

/** One record to append: its parts (head and body, written one after the other). */
export interface PendingRecord {
  /** The entry's file-safe key. */
  name: string
  parts: readonly Uint8Array[]
  length: number
}

/**
 * @example
 * const batch = new AppendBatch((records) => cache.append(records))
 * await batch.add({ name, parts: [head, body], length })
 */
export class AppendBatch<R extends PendingRecord> {
  #records: R[] = []
  #waiters: (() => void)[] = []
  #scheduled = false

  /** `write` appends the records in order; it must not throw (it reports its own failures). */
  constructor(private readonly write: (records: R[]) => void) {}

  /** Queues `record`; resolves once it has been written (or its write failed and was reported). */
  add(record: R): Promise<void> {
    this.#records.push(record)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(() => this.flush())
    }
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /** Writes what is waiting now (close() calls it so nothing queued is lost). */
  flush(): void {
    this.#scheduled = false
    const records = this.#records
    const waiters = this.#waiters
    if (records.length === 0) return
    this.#records = []
    this.#waiters = []
    try {
      this.write(records)
    } finally {
      for (const resolve of waiters) resolve()
    }
  }
}
