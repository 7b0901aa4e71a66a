/**
 * Where pronunciation dictionaries live: an embedded SQLite file on one node
 * (sqlite-dictionary-store.ts), Redis when replicas share them (redis-dictionary-store.ts).
 * Both keep the same records; the rules (limits, ownership, merging) live in dictionaries.ts
 * above them, so the two stores stay plain and are tested by one contract.
 */
import type { Rule } from './rules.ts'

/** One dictionary, as stored. `owner` is the API key id that made it ('' with auth off). */
export interface DictionaryRecord {
  id: string
  owner: string
  name: string
  description?: string
  createdBy: string
  createdAtMs: number
  archivedAtMs?: number
  latestVersionId: string
  latestRulesNum: number
}

/** One version of a dictionary's rules; every change makes a new one. */
export interface VersionRecord {
  dictionaryId: string
  versionId: string
  rules: Rule[]
  createdAtMs: number
}

export interface DictionaryStore {
  readonly kind: 'sqlite' | 'redis'
  /** Stores a new dictionary and its first version, unless `owner` already has `maxPerOwner` (then false). Atomic. */
  insert(record: DictionaryRecord, version: VersionRecord, maxPerOwner: number): Promise<boolean>
  get(id: string): Promise<DictionaryRecord | undefined>
  /** Every dictionary of `owner` (bounded by the per-owner limit), in no particular order. */
  listByOwner(owner: string): Promise<DictionaryRecord[]>
  version(dictionaryId: string, versionId: string): Promise<VersionRecord | undefined>
  /**
   * Adds `version` and makes it the latest, if the latest is still `expectedLatest` (false when
   * another change got there first: the caller re-reads and retries). Versions beyond the
   * newest `keep` are deleted. Atomic.
   */
  addVersion(expectedLatest: string, version: VersionRecord, keep: number): Promise<boolean>
  /** Renames or (un)archives without a new version. False when the dictionary is gone. */
  patch(id: string, fields: { name?: string; archivedAtMs?: number | null }): Promise<boolean>
  close(): void
}

/** Ids in ElevenLabs' style: 20 characters of [0-9A-Za-z], from a CSPRNG. */
export function newId(): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
  const bytes = crypto.getRandomValues(new Uint8Array(20))
  let id = ''
  for (const b of bytes) id += alphabet[b % 62]
  return id
}
