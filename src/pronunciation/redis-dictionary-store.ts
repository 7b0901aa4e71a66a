/**
 * Dictionaries in Redis (TTS_REDIS_URL), so every replica sees the same ones. Each
 * conditional write of the store contract is one Lua script, hence atomic across replicas:
 * two replicas adding rules to one dictionary at once both land, one after the other.
 *
 * Keys (prefix `tts:dict:`): `meta:{id}` a hash of the record, `owner:{owner}` the set of an
 * owner's ids, `vers:{id}` a sorted set of version ids by sequence, `ver:{id}:{version}` the
 * version's rules as JSON. Nothing expires: dictionaries are data, not cache (run Redis with
 * persistence, and without an eviction policy that drops keys, for them).
 */
import { RedisConnection } from '../cache/redis-connection.ts'
import type { DictionaryRecord, DictionaryStore, VersionRecord } from './dictionary-store.ts'

const P = 'tts:dict:'
const metaKey = (id: string) => `${P}meta:${id}`
const ownerKey = (owner: string) => `${P}owner:${owner}`
const versionsKey = (id: string) => `${P}vers:${id}`
const versionKey = (id: string, version: string) => `${P}ver:${id}:${version}`

// KEYS: owner set, meta, version, versions. ARGV: max, id, versionId, rules json, then the meta hash pairs.
const INSERT = `
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[2], unpack(ARGV, 5))
redis.call('SET', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[4], 1, ARGV[3])
return 1`

// KEYS: meta, versions, new version. ARGV: expected, next, rules num, rules json, keep, version key prefix.
const ADD_VERSION = `
if redis.call('HGET', KEYS[1], 'latestVersionId') ~= ARGV[1] then return 0 end
local top = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
local seq = 1
if top[2] then seq = tonumber(top[2]) + 1 end
redis.call('SET', KEYS[3], ARGV[4])
redis.call('ZADD', KEYS[2], seq, ARGV[2])
redis.call('HSET', KEYS[1], 'latestVersionId', ARGV[2], 'latestRulesNum', ARGV[3])
local n = redis.call('ZCARD', KEYS[2])
local keep = tonumber(ARGV[5])
if n > keep then
  for _, v in ipairs(redis.call('ZRANGE', KEYS[2], 0, n - keep - 1)) do redis.call('DEL', ARGV[6] .. v) end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, n - keep - 1)
end
return 1`

// KEYS: meta. ARGV: 'name'|'' , name, 'archive'|'unarchive'|'', archivedAtMs.
const PATCH = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == 'name' then redis.call('HSET', KEYS[1], 'name', ARGV[2]) end
if ARGV[3] == 'archive' then redis.call('HSET', KEYS[1], 'archivedAtMs', ARGV[4]) end
if ARGV[3] == 'unarchive' then redis.call('HDEL', KEYS[1], 'archivedAtMs') end
return 1`

function fromHash(hash: Record<string, string>): DictionaryRecord | undefined {
  if (!hash.id) return undefined
  return {
    id: hash.id,
    owner: hash.owner ?? '',
    name: hash.name ?? '',
    ...(hash.description !== undefined && { description: hash.description }),
    createdBy: hash.createdBy ?? '',
    createdAtMs: Number(hash.createdAtMs),
    ...(hash.archivedAtMs !== undefined && { archivedAtMs: Number(hash.archivedAtMs) }),
    latestVersionId: hash.latestVersionId ?? '',
    latestRulesNum: Number(hash.latestRulesNum),
  }
}

function toPairs(record: DictionaryRecord): string[] {
  const pairs: string[] = []
  for (const [k, v] of Object.entries(record)) if (v !== undefined) pairs.push(k, String(v))
  return pairs
}

/** Bun's client answers HGETALL with an object (RESP3) or a flat list (RESP2). */
function asHash(reply: unknown): Record<string, string> {
  if (Array.isArray(reply)) {
    const out: Record<string, string> = {}
    for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1])
    return out
  }
  return (reply ?? {}) as Record<string, string>
}

/**
 * @example
 * const store = openRedisDictionaryStore('redis://redis:6379')
 */
export function openRedisDictionaryStore(url: string, timeoutMs = 2000): DictionaryStore {
  const redis = new RedisConnection({ url, timeoutMs })
  const get = async (id: string) => fromHash(asHash(await redis.call('HGETALL', (c) => c.send('HGETALL', [metaKey(id)]))))
  return {
    kind: 'redis',
    insert: async (record, version, max) => {
      const keys = [ownerKey(record.owner), metaKey(record.id), versionKey(record.id, version.versionId), versionsKey(record.id)]
      const args = [String(max), record.id, version.versionId, JSON.stringify(version.rules), ...toPairs(record)]
      return Number(await redis.call('EVAL', (c) => c.send('EVAL', [INSERT, String(keys.length), ...keys, ...args]))) === 1
    },
    get,
    listByOwner: async (owner) => {
      const ids = (await redis.call('SMEMBERS', (c) => c.send('SMEMBERS', [ownerKey(owner)]))) as string[]
      const records = await Promise.all(ids.map(get))
      return records.filter((r): r is DictionaryRecord => r !== undefined)
    },
    version: async (dictionaryId, versionId) => {
      const raw = (await redis.call('GET', (c) => c.get(versionKey(dictionaryId, versionId)))) as string | null
      return raw === null ? undefined : { dictionaryId, versionId, rules: JSON.parse(raw), createdAtMs: 0 }
    },
    addVersion: async (expected, version, keep) => {
      const id = version.dictionaryId
      const keys = [metaKey(id), versionsKey(id), versionKey(id, version.versionId)]
      const args = [expected, version.versionId, String(version.rules.length), JSON.stringify(version.rules), String(keep), `${P}ver:${id}:`]
      return Number(await redis.call('EVAL', (c) => c.send('EVAL', [ADD_VERSION, String(keys.length), ...keys, ...args]))) === 1
    },
    patch: async (id, fields) => {
      const archive = fields.archivedAtMs === undefined ? '' : fields.archivedAtMs === null ? 'unarchive' : 'archive'
      const args = [fields.name !== undefined ? 'name' : '', fields.name ?? '', archive, String(fields.archivedAtMs ?? '')]
      return Number(await redis.call('EVAL', (c) => c.send('EVAL', [PATCH, '1', metaKey(id), ...args]))) === 1
    },
    close: () => redis.close(),
  }
}
