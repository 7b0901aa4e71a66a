/**
 * One contract, both stores: a real SQLite file and a real redis-server.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startRedisServer, type RedisServer } from '../../test/support/redis-server.ts'
import type { DictionaryRecord, DictionaryStore, VersionRecord } from './dictionary-store.ts'
import { newId } from './dictionary-store.ts'
import { openRedisDictionaryStore } from './redis-dictionary-store.ts'
import type { Rule } from './rules.ts'
import { openSqliteDictionaryStore } from './sqlite-dictionary-store.ts'

const rule = (s: string): Rule => ({ type: 'alias', string_to_replace: s, alias: `${s}!`, case_sensitive: true, word_boundaries: true })

function fresh(owner: string, rules: Rule[] = [rule('a')]): { record: DictionaryRecord; version: VersionRecord } {
  const id = newId()
  const version: VersionRecord = { dictionaryId: id, versionId: newId(), rules, createdAtMs: Date.now() }
  const record: DictionaryRecord = { id, owner, name: `n-${id}`, createdBy: owner, createdAtMs: Date.now(), latestVersionId: version.versionId, latestRulesNum: rules.length }
  return { record, version }
}

function contract(name: string, open: () => DictionaryStore, reopen: () => DictionaryStore) {
  describe(`${name} dictionary store`, () => {
    let store: DictionaryStore
    beforeAll(() => {
      store = open()
    })
    afterAll(() => store.close())

    test('stores a dictionary with its first version and reads both back', async () => {
      const { record, version } = fresh('k1', [rule('x'), rule('y')])
      expect(await store.insert({ ...record, description: 'd' }, version, 10)).toBe(true)
      expect(await store.get(record.id)).toEqual({ ...record, description: 'd' })
      expect((await store.version(record.id, version.versionId))?.rules).toEqual([rule('x'), rule('y')])
      expect(await store.get('missing')).toBeUndefined()
    })

    test('refuses a dictionary past the owner’s limit, and only for that owner', async () => {
      for (let i = 0; i < 3; i++) expect(await store.insert(fresh('limited').record, fresh('limited').version, 3)).toBe(true)
      const extra = fresh('limited')
      expect(await store.insert(extra.record, extra.version, 3)).toBe(false)
      expect(await store.get(extra.record.id)).toBeUndefined()
      expect((await store.listByOwner('limited')).length).toBe(3)
      const other = fresh('other')
      expect(await store.insert(other.record, other.version, 3)).toBe(true)
    })

    test('a new version lands only on the version it was made from, and old versions are pruned', async () => {
      const { record, version } = fresh('k2')
      await store.insert(record, version, 10)
      const v2: VersionRecord = { dictionaryId: record.id, versionId: newId(), rules: [rule('b'), rule('c')], createdAtMs: Date.now() }
      expect(await store.addVersion(version.versionId, v2, 2)).toBe(true)
      const stale: VersionRecord = { ...v2, versionId: newId() }
      expect(await store.addVersion(version.versionId, stale, 2)).toBe(false)
      expect(await store.get(record.id)).toMatchObject({ latestVersionId: v2.versionId, latestRulesNum: 2 })
      const v3: VersionRecord = { ...v2, versionId: newId() }
      expect(await store.addVersion(v2.versionId, v3, 2)).toBe(true)
      expect(await store.version(record.id, version.versionId)).toBeUndefined()
      expect(await store.version(record.id, v2.versionId)).toBeDefined()
      expect(await store.version(record.id, v3.versionId)).toBeDefined()
    })

    test('renames and archives without a new version', async () => {
      const { record, version } = fresh('k3')
      await store.insert(record, version, 10)
      expect(await store.patch(record.id, { name: 'Renamed', archivedAtMs: 123 })).toBe(true)
      expect(await store.get(record.id)).toMatchObject({ name: 'Renamed', archivedAtMs: 123, latestVersionId: version.versionId })
      expect(await store.patch(record.id, { archivedAtMs: null })).toBe(true)
      expect((await store.get(record.id))?.archivedAtMs).toBeUndefined()
      expect(await store.patch('missing', { name: 'x' })).toBe(false)
    })

    test('what one instance wrote, another (a restart, a replica) reads', async () => {
      const { record, version } = fresh('k4')
      await store.insert(record, version, 10)
      const other = reopen()
      try {
        expect(await other.get(record.id)).toEqual(record)
        expect((await other.version(record.id, version.versionId))?.rules).toEqual(version.rules)
      } finally {
        other.close()
      }
    })
  })
}

const dir = mkdtempSync(join(tmpdir(), 'dict-store-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const file = join(dir, 'nested', 'dictionaries.sqlite')
contract('sqlite', () => openSqliteDictionaryStore(file), () => openSqliteDictionaryStore(file))

let redis: RedisServer
beforeAll(async () => {
  redis = await startRedisServer()
})
afterAll(() => redis.stop())
contract('redis', () => openRedisDictionaryStore(redis.url), () => openRedisDictionaryStore(redis.url))
