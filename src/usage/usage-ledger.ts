/**
 * The usage ledger: every request and utterance that delivered audio is recorded here
 * (in memory, a few additions), and flushed in batches: every `flushMs`, and as soon as
 * `flushEvents` events are waiting. A batch holds one row per key, engine, model and day
 * whatever its number of events, so its SQLite transaction costs about the same for ten
 * events as for a thousand: under load, larger batches are what keeps it off the hit path.
 * A process killed outright (SIGKILL) therefore loses at most the events of the batch it had
 * not flushed: fewer than `flushEvents` (a full batch is committed on this node by the call
 * that filled it), from the last `flushMs` at most.
 *
 * On one node a flush is one SQLite transaction into the ledger. With a shared ledger
 * (Redis), a flush first commits the batch to the local SQLite outbox, then applies the
 * outbox to Redis in order, deleting each batch once Redis has it. Applying is idempotent
 * per batch id, so a batch retried after a crash between "Redis has it" and "deleted here",
 * or after an outage, is counted exactly once; while Redis is down batches wait in the
 * outbox and the replica keeps serving and counting.
 */
import type { SqliteUsage, UsageQuery } from './sqlite-usage.ts'
import { UsageBuffer, type UsageBatch } from './usage-buffer.ts'
import { DayClock, type UsageEvent, type UsageRow } from './usage-event.ts'

/** The ledger replicas share (redis-usage.ts). */
export interface SharedLedger {
  /** Adds a batch once, whatever happens to the caller after it was sent. */
  apply(batch: UsageBatch): Promise<void>
  read(query: UsageQuery): Promise<UsageRow[]>
}

/** Reading usage needs the shared ledger, and it cannot be reached. */
export class UsageUnavailableError extends Error {
  override readonly name = 'UsageUnavailableError'
}

export interface UsageLedgerOptions {
  local: SqliteUsage
  shared?: SharedLedger
  /** USD per million characters an engine bills (0 when unpriced). */
  price: (engine: string) => number
  flushMs: number
  flushEvents: number
  /** Each flushed batch, once it is safe on this node (metrics). */
  onFlushed?: (batch: UsageBatch) => void
  /** Each batch the shared ledger took (shared budgets stop counting its deltas as pending). */
  onShared?: (batch: UsageBatch) => void
  /** A failure to reach the shared ledger (the batch stays in the outbox). */
  onSharedError?: (err: unknown) => void
  clock?: DayClock
}

/**
 * @example
 * const ledger = new UsageLedger({ local: SqliteUsage.open('.data'), price: () => 15, flushMs: 1000, flushEvents: 1000 })
 * ledger.record({ key: 'team-a', engine: 'kokoro', model: 'tts-1', requested: 12, billed: 12, audioSeconds: 0.9 })
 * await ledger.read({ from: '2025-06-01', to: '2025-06-30' })
 */
export class UsageLedger {
  readonly #o: UsageLedgerOptions
  readonly #buffer = new UsageBuffer()
  readonly #clock: DayClock
  readonly #timer: ReturnType<typeof setInterval>
  #flushQueued = false
  #pushing: Promise<void> | undefined
  #closed = false

  constructor(options: UsageLedgerOptions) {
    this.#o = options
    this.#clock = options.clock ?? new DayClock()
    this.#timer = setInterval(() => void this.flush().catch(() => {}), options.flushMs)
    this.#timer.unref()
  }

  /** Buffers one event; returns its cost in USD. The hot path: no I/O, a map probe and a few additions. */
  record(event: UsageEvent): number {
    const cost = event.billed > 0 ? (event.billed * this.#o.price(event.engine)) / 1e6 : 0
    this.#buffer.add(this.#clock.day(), event, cost)
    if (this.#buffer.size >= this.#o.flushEvents) this.#flushFull()
    return cost
  }

  /**
   * Commits a full batch on this node at once rather than a turn later: the same SQLite
   * transaction either way, but a kill in between would have lost the whole batch and what
   * came after it. Handing the outbox to a shared ledger is I/O, and waits for the next turn.
   */
  #flushFull(): void {
    try {
      this.#commit()
    } catch {
      // The local store refused the batch (disk full, say): as with a timed flush, serving goes on.
    }
    if (this.#o.shared && !this.#flushQueued) {
      this.#flushQueued = true
      setImmediate(() => void this.flush().catch(() => {}))
    }
  }

  /** Makes the events recorded so far safe on this node: the ledger, or the outbox for the shared one. */
  #commit(): void {
    const batch = this.#buffer.take()
    if (!batch) return
    if (this.#o.shared) this.#o.local.enqueue(batch)
    else this.#o.local.apply(batch)
    this.#o.onFlushed?.(batch)
  }

  /** Adds to a key's shared budget counter with the next batch (redis-budgets.ts). */
  budgetDelta(month: string, key: string, chars: number, usd: number): void {
    this.#buffer.budgetDelta(month, key, chars, usd)
  }

  /** Events recorded but not yet safe on this node. */
  get unflushed(): number {
    return this.#buffer.size
  }

  /** Events safe on this node that the shared ledger does not have yet (0 without one). */
  get unshared(): number {
    return this.#o.shared ? this.#o.local.outboxEvents() : 0
  }

  /**
   * Makes what was recorded safe on this node, then (with a shared ledger) hands the outbox
   * to it; rejects when the shared ledger cannot be reached (the batches stay in the outbox).
   */
  async flush(): Promise<void> {
    this.#flushQueued = false
    this.#commit()
    if (this.#o.shared) await this.#push()
  }

  /** Usage rows in the query's range: after flushing, from the ledger every replica shares. */
  async read(query: UsageQuery): Promise<UsageRow[]> {
    try {
      await this.flush()
    } catch (err) {
      throw new UsageUnavailableError(`the shared usage ledger cannot be reached: ${(err as Error).message}`)
    }
    return this.#o.shared ? this.#o.shared.read(query) : this.#o.local.read(query)
  }

  /** Stops the timer and flushes what is left (best effort with a shared ledger). */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    await this.flush().catch(() => {})
  }

  /** Applies the outbox in order, one push at a time; stops at the first failure. */
  #push(): Promise<void> {
    if (this.#pushing) return this.#pushing
    const pushing = this.#drainOutbox().finally(() => {
      if (this.#pushing === pushing) this.#pushing = undefined
    })
    this.#pushing = pushing
    return pushing
  }

  async #drainOutbox(): Promise<void> {
    try {
      for (let batches = this.#o.local.outbox(); batches.length > 0; batches = this.#o.local.outbox()) {
        for (const batch of batches) {
          await this.#o.shared!.apply(batch)
          this.#o.local.remove(batch.id)
          this.#o.onShared?.(batch)
        }
      }
    } catch (err) {
      this.#o.onSharedError?.(err)
      throw err
    }
  }
}
