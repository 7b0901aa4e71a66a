/**
 * The filesystem cache's earlier layout, one file per entry (`<dir>/ab/ab12...`, sharded by
 * the key's first two hex characters, least recently used first by mtime), taken into the log
 * at start (fs-cache.ts): each valid entry is appended in its old order and its file deleted,
 * so an upgrade keeps a warm cache and leaves no orphaned files behind. Damaged entries and
 * the old writer's temp files are deleted; files of any other name are left alone.
 */
import { readdirSync, readFileSync, rmdirSync, statSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { entryName, isEntryName } from './entry-name.ts'
import { decodeAnyRecord } from './record-codec.ts'

const SHARD_NAME = /^[0-9a-f]{2}$/
const TEMP_PREFIX = '.tmp-'

/**
 * Hands every valid legacy entry under `dir` to `store` (oldest first), deleting its file.
 * Returns how many were taken. Never throws: a file that cannot be read is skipped.
 *
 * @example
 * importLegacyEntries(dir, (name, record) => cache.store(name, record))
 */
export function importLegacyEntries(dir: string, store: (name: string, record: Uint8Array) => void): number {
  const found: { path: string; name: string; mtime: number }[] = []
  const shards: string[] = []
  for (const shard of safeList(dir)) {
    if (!SHARD_NAME.test(shard)) continue
    const shardPath = join(dir, shard)
    const names = safeList(shardPath)
    if (names.length === 0 && !isDirectory(shardPath)) continue
    shards.push(shardPath)
    for (const name of names) {
      const path = join(shardPath, name)
      if (name.startsWith(TEMP_PREFIX)) removeQuietly(path)
      else if (isEntryName(name) && name.startsWith(shard)) {
        const mtime = mtimeOf(path)
        if (mtime !== undefined) found.push({ path, name, mtime })
      }
    }
  }
  found.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name))
  let taken = 0
  for (const entry of found) {
    let record: Uint8Array
    try {
      record = readFileSync(entry.path)
      const { key } = decodeAnyRecord(record)
      if (entryName(key) !== entry.name) throw new Error('stored under another name')
    } catch {
      removeQuietly(entry.path)
      continue
    }
    store(entry.name, record)
    removeQuietly(entry.path)
    taken++
  }
  for (const shard of shards) {
    try {
      rmdirSync(shard) // only when empty: unknown files keep their directory
    } catch {
      // not empty, or gone
    }
  }
  return taken
}

function safeList(path: string): string[] {
  try {
    return readdirSync(path)
  } catch {
    return []
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function mtimeOf(path: string): number | undefined {
  try {
    const info = statSync(path)
    return info.isFile() ? info.mtimeMs : undefined
  } catch {
    return undefined
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}
