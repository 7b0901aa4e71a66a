/**
 * Dictionaries in an embedded SQLite file (`bun:sqlite`), created on first use under
 * TTS_DATA_DIR. WAL mode: readers never wait for a writer. bun:sqlite calls are synchronous
 * and each statement is its own transaction (the two-table writes run in one), so the
 * conditional writes of the store contract hold without locks.
 */
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { DictionaryRecord, DictionaryStore, VersionRecord } from './dictionary-store.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dictionaries (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  name TEXT NOT NULL,
  description TEXT,
  created_by TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  archived_at_ms INTEGER,
  latest_version_id TEXT NOT NULL,
  latest_rules_num INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS dictionaries_by_owner ON dictionaries (owner);
CREATE TABLE IF NOT EXISTS versions (
  dictionary_id TEXT NOT NULL,
  version_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  rules TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (dictionary_id, version_id)
);
CREATE INDEX IF NOT EXISTS versions_by_seq ON versions (dictionary_id, seq);
`

interface Row {
  id: string
  owner: string
  name: string
  description: string | null
  created_by: string
  created_at_ms: number
  archived_at_ms: number | null
  latest_version_id: string
  latest_rules_num: number
}

const toRecord = (r: Row): DictionaryRecord => ({
  id: r.id,
  owner: r.owner,
  name: r.name,
  ...(r.description !== null && { description: r.description }),
  createdBy: r.created_by,
  createdAtMs: r.created_at_ms,
  ...(r.archived_at_ms !== null && { archivedAtMs: r.archived_at_ms }),
  latestVersionId: r.latest_version_id,
  latestRulesNum: r.latest_rules_num,
})

/**
 * @example
 * const store = openSqliteDictionaryStore('.data/dictionaries.sqlite')
 */
export function openSqliteDictionaryStore(path: string): DictionaryStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path, { create: true, strict: true })
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;')
  db.exec(SCHEMA)
  const count = db.query<{ n: number }, [string]>('SELECT COUNT(*) AS n FROM dictionaries WHERE owner = ?')
  const insertDict = db.query(
    `INSERT INTO dictionaries (id, owner, name, description, created_by, created_at_ms, archived_at_ms, latest_version_id, latest_rules_num)
     VALUES ($id, $owner, $name, $description, $createdBy, $createdAtMs, NULL, $latestVersionId, $latestRulesNum)`,
  )
  const insertVersion = db.query(
    `INSERT INTO versions (dictionary_id, version_id, seq, rules, created_at_ms)
     VALUES ($dictionaryId, $versionId, (SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE dictionary_id = $dictionaryId), $rules, $createdAtMs)`,
  )
  const byId = db.query<Row, [string]>('SELECT * FROM dictionaries WHERE id = ?')
  const byOwner = db.query<Row, [string]>('SELECT * FROM dictionaries WHERE owner = ?')
  const versionRow = db.query<{ rules: string; created_at_ms: number }, [string, string]>(
    'SELECT rules, created_at_ms FROM versions WHERE dictionary_id = ? AND version_id = ?',
  )
  const moveLatest = db.query(
    'UPDATE dictionaries SET latest_version_id = $next, latest_rules_num = $num WHERE id = $id AND latest_version_id = $expected',
  )
  const prune = db.query(
    `DELETE FROM versions WHERE dictionary_id = $id AND seq <= (SELECT MAX(seq) FROM versions WHERE dictionary_id = $id) - $keep`,
  )

  const insert = db.transaction((record: DictionaryRecord, version: VersionRecord, max: number): boolean => {
    if ((count.get(record.owner)?.n ?? 0) >= max) return false
    insertDict.run({ ...record, description: record.description ?? null })
    insertVersion.run({ dictionaryId: version.dictionaryId, versionId: version.versionId, rules: JSON.stringify(version.rules), createdAtMs: version.createdAtMs })
    return true
  })
  const addVersion = db.transaction((expected: string, version: VersionRecord, keep: number): boolean => {
    const moved = moveLatest.run({ next: version.versionId, num: version.rules.length, id: version.dictionaryId, expected })
    if (moved.changes === 0) return false
    insertVersion.run({ dictionaryId: version.dictionaryId, versionId: version.versionId, rules: JSON.stringify(version.rules), createdAtMs: version.createdAtMs })
    prune.run({ id: version.dictionaryId, keep })
    return true
  })

  return {
    kind: 'sqlite',
    insert: async (record, version, max) => insert(record, version, max),
    get: async (id) => {
      const row = byId.get(id)
      return row ? toRecord(row) : undefined
    },
    listByOwner: async (owner) => byOwner.all(owner).map(toRecord),
    version: async (dictionaryId, versionId) => {
      const row = versionRow.get(dictionaryId, versionId)
      return row ? { dictionaryId, versionId, rules: JSON.parse(row.rules), createdAtMs: row.created_at_ms } : undefined
    },
    addVersion: async (expected, version, keep) => addVersion(expected, version, keep),
    patch: async (id, fields) => {
      const sets: string[] = []
      const values: Record<string, string | number | null> = { id }
      if (fields.name !== undefined) {
        sets.push('name = $name')
        values.name = fields.name
      }
      if (fields.archivedAtMs !== undefined) {
        sets.push('archived_at_ms = $archived')
        values.archived = fields.archivedAtMs
      }
      if (sets.length === 0) return byId.get(id) !== null
      return db.query(`UPDATE dictionaries SET ${sets.join(', ')} WHERE id = $id`).run(values).changes > 0
    },
    close: () => db.close(),
  }
}
