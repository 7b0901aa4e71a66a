/**
 * The shared usage ledger in Redis, for replicas (TTS_REDIS_URL):
 *   tts:usage:day:<YYYY-MM-DD>   hash  <key>|<engine>|<model>|<count> → sum   (kept `retentionDays`)
 *   tts:usage:month:<YYYY-MM>    hash  <key>|requested, <key>|cost           (the month so far)
 *                                       <key>|budget_chars, <key>|budget_usd (the budget counter, redis-budgets.ts)
 *   tts:usage:batch:<id>         string: the batch was applied               (kept 35 days)
 *
 * A batch is applied by one script, which first sets its marker with NX: a batch that
 * already has one is skipped whole. Redis runs a script atomically, so a batch is in the
 * ledger entirely or not at all, and at most once however often a replica retries it.
 */
import type { RedisConnection } from '../cache/redis-connection.ts'
import type { UsageQuery } from './sqlite-usage.ts'
import type { UsageBatch } from './usage-buffer.ts'
import { COUNTS, daysBetween, utcMonth, type UsageRow } from './usage-event.ts'
import type { SharedLedger } from './usage-ledger.ts'

const PREFIX = 'tts:usage:'
const MARKER_TTL_S = 35 * 86_400

// KEYS[1]: the marker; KEYS[2..n]: hashes. ARGV[1]: the marker's TTL; ARGV[i] (2..n): KEYS[i]'s TTL;
// then triples (index into KEYS, field, increment).
const APPLY = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
local n = #KEYS
for i = n + 1, #ARGV, 3 do
  redis.call('HINCRBYFLOAT', KEYS[tonumber(ARGV[i])], ARGV[i + 1], ARGV[i + 2])
end
for i = 2, n do redis.call('EXPIRE', KEYS[i], ARGV[i]) end
return 1`

/** `tts:usage:month:<YYYY-MM>` */
export const monthHash = (month: string) => `${PREFIX}month:${month}`

/**
 * @example
 * const shared = new RedisUsage(new RedisConnection({ url }), { retentionDays: 400 })
 * await shared.apply(batch)
 */
export class RedisUsage implements SharedLedger {
  constructor(
    private readonly redis: RedisConnection,
    private readonly options: { retentionDays: number },
  ) {}

  async apply(batch: UsageBatch): Promise<void> {
    const keys = [`${PREFIX}batch:${batch.id}`]
    const ttls = [String(MARKER_TTL_S)]
    const index = new Map<string, number>()
    const slot = (hash: string, ttlDays: number) => {
      let i = index.get(hash)
      if (i === undefined) {
        keys.push(hash)
        ttls.push(String(ttlDays * 86_400))
        i = keys.length
        index.set(hash, i)
      }
      return String(i)
    }
    const triples: string[] = []
    // Months are kept as long as days: a month's hash is what the subscription endpoint reads.
    const ttl = this.options.retentionDays
    for (const r of batch.rows) {
      const day = slot(`${PREFIX}day:${r.day}`, ttl)
      for (const count of COUNTS) if (r[count] !== 0) triples.push(day, `${r.key}|${r.engine}|${r.model}|${count}`, String(r[count]))
      const month = slot(monthHash(utcMonth(r.day)), ttl)
      if (r.requested !== 0) triples.push(month, `${r.key}|requested`, String(r.requested))
      if (r.cost !== 0) triples.push(month, `${r.key}|cost`, String(r.cost))
    }
    for (const d of batch.budget) {
      const month = slot(monthHash(d.month), ttl)
      if (d.chars !== 0) triples.push(month, `${d.key}|budget_chars`, String(d.chars))
      if (d.usd !== 0) triples.push(month, `${d.key}|budget_usd`, String(d.usd))
    }
    await this.redis.call('apply usage', (c) => c.send('EVAL', [APPLY, String(keys.length), ...keys, ...ttls, ...triples]))
  }

  async read(query: UsageQuery): Promise<UsageRow[]> {
    const days = daysBetween(Date.parse(query.from), Date.parse(query.to))
    const only = query.keys?.length ? new Set(query.keys) : undefined
    const hashes = await Promise.all(days.map((day) => this.redis.call('HGETALL', (c) => c.send('HGETALL', [`${PREFIX}day:${day}`]))))
    const rows: UsageRow[] = []
    days.forEach((day, i) => {
      const byRow = new Map<string, UsageRow>()
      for (const [field, value] of entries(hashes[i])) {
        const [key, engine, model, count] = field.split('|') as [string, string, string, string]
        if (only && !only.has(key)) continue
        if (!(COUNTS as readonly string[]).includes(count)) continue
        const id = `${key}|${engine}|${model}`
        let row = byRow.get(id)
        if (!row) byRow.set(id, (row = { day, key, engine, model, requested: 0, billed: 0, audioSeconds: 0, requests: 0, cost: 0 }))
        row[count as (typeof COUNTS)[number]] = Number(value)
      }
      rows.push(...[...byRow.values()].sort((a, b) => `${a.key}|${a.engine}|${a.model}`.localeCompare(`${b.key}|${b.engine}|${b.model}`)))
    })
    return rows
  }
}

/** HGETALL's reply as pairs: Bun's client answers RESP3 maps as objects, RESP2 as flat arrays. */
export function entries(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const out: [string, string][] = []
    for (let i = 0; i + 1 < reply.length; i += 2) out.push([String(reply[i]), String(reply[i + 1])])
    return out
  }
  if (reply && typeof reply === 'object') return Object.entries(reply as Record<string, unknown>).map(([k, v]) => [k, String(v)])
  return []
}
