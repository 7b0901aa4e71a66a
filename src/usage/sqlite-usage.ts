/**
 * The usage ledger's SQLite file (`usage.sqlite` in TTS_DATA_DIR, bun:sqlite): on one node
 * it is the ledger (`usage`: one row per day, key, engine and model); with Redis it is the
 * outbox (`outbox`: batches not yet applied to the shared ledger), so what a replica has
 * counted survives both its own crash and a Redis outage.
 *
 * WAL with synchronous=NORMAL: a committed batch is in the file once `apply` or `enqueue`
 * returns, so a killed process (SIGKILL) loses nothing it had flushed; only a crash of the
 * machine itself could lose the last transactions.
 */
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { UsageBatch } from './usage-buffer.ts'
import type { UsageRow } from './usage-event.ts'

export interface UsageQuery {
  /** First day, `YYYY-MM-DD`, included. */
  from: string
  /** Last day, included. */
  to: string
  /** Only these key ids; every key when absent. */
  keys?: readonly string[]
}

/**
 * @example
 * const db = SqliteUsage.open('.data')
 * db.apply(batch)
 * db.read({ from: '2025-06-01', to: '2025-06-30' })
 */
export class SqliteUsage {
  readonly #db: Database
  readonly #upsert
  readonly #enqueue
  readonly #remove

  private constructor(db: Database) {
    this.#db = db
    db.run('PRAGMA journal_mode = WAL')
    db.run('PRAGMA synchronous = NORMAL')
    db.run('PRAGMA busy_timeout = 5000')
    db.run(`CREATE TABLE IF NOT EXISTS usage (
      day TEXT NOT NULL, key TEXT NOT NULL, engine TEXT NOT NULL, model TEXT NOT NULL,
      requested INTEGER NOT NULL, billed INTEGER NOT NULL, audio_seconds REAL NOT NULL,
      requests INTEGER NOT NULL, cost REAL NOT NULL,
      PRIMARY KEY (day, key, engine, model))`)
    db.run('CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, events INTEGER NOT NULL, batch TEXT NOT NULL)')
    this.#upsert = db.prepare(`INSERT INTO usage VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
      ON CONFLICT (day, key, engine, model) DO UPDATE SET requested = requested + ?5, billed = billed + ?6,
        audio_seconds = audio_seconds + ?7, requests = requests + ?8, cost = cost + ?9`)
    this.#enqueue = db.prepare('INSERT OR IGNORE INTO outbox (id, events, batch) VALUES (?1, ?2, ?3)')
    this.#remove = db.prepare('DELETE FROM outbox WHERE id = ?1')
  }

  /** Opens (creating) `usage.sqlite` in `dir`; ':memory:' for a private in-memory ledger. */
  static open(dir: string): SqliteUsage {
    if (dir === ':memory:') return new SqliteUsage(new Database(':memory:'))
    mkdirSync(dir, { recursive: true })
    return new SqliteUsage(new Database(join(dir, 'usage.sqlite'), { create: true }))
  }

  /** Adds a batch's rows to the ledger, in one transaction. */
  apply(batch: UsageBatch): void {
    this.#db.transaction(() => {
      for (const r of batch.rows) this.#upsert.run(r.day, r.key, r.engine, r.model, r.requested, r.billed, r.audioSeconds, r.requests, r.cost)
    })()
  }

  read(query: UsageQuery): UsageRow[] {
    const keys = query.keys
    const filter = keys?.length ? ` AND key IN (${keys.map(() => '?').join(', ')})` : ''
    return this.#db
      .query<UsageRow, (string | number)[]>(
        `SELECT day, key, engine, model, requested, billed, audio_seconds AS audioSeconds, requests, cost
         FROM usage WHERE day >= ? AND day <= ?${filter} ORDER BY day, key, engine, model`,
      )
      .all(query.from, query.to, ...(keys ?? []))
  }

  /** Each key's characters requested and cost in `month` (`YYYY-MM`): what its budgets have spent. */
  monthSpend(month: string): Map<string, { chars: number; usd: number }> {
    const rows = this.#db
      .query<{ key: string; chars: number; usd: number }, [string, string]>(
        'SELECT key, sum(requested) AS chars, sum(cost) AS usd FROM usage WHERE day >= ? AND day <= ? GROUP BY key',
      )
      .all(`${month}-01`, `${month}-31`)
    return new Map(rows.map((r) => [r.key, { chars: r.chars, usd: r.usd }]))
  }

  /** Keeps a batch until the shared ledger has it. */
  enqueue(batch: UsageBatch): void {
    this.#enqueue.run(batch.id, batch.events, JSON.stringify(batch))
  }

  /** Batches waiting for the shared ledger, oldest first. */
  outbox(limit = 100): UsageBatch[] {
    return this.#db
      .query<{ batch: string }, [number]>('SELECT batch FROM outbox ORDER BY seq LIMIT ?')
      .all(limit)
      .map((r) => JSON.parse(r.batch) as UsageBatch)
  }

  /** Events waiting in the outbox (what a Redis outage has not yet let through). */
  outboxEvents(): number {
    return this.#db.query<{ n: number }, []>('SELECT coalesce(sum(events), 0) AS n FROM outbox').get()!.n
  }

  /** The shared ledger has the batch: forget it. */
  remove(id: string): void {
    this.#remove.run(id)
  }

  close(): void {
    this.#db.close()
  }
}
