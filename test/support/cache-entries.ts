/**
 * How many entries a running service's filesystem cache holds, read from outside without
 * touching it: every whole record in its segment files (src/cache/fs-cache.ts), read-only. A
 * record still being written is not whole, so it is not counted yet.
 */
import { closeSync, fstatSync, openSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { scanSegment } from '../../src/cache/segment-scan.ts'

/**
 * @example
 * await waitUntil(() => storedEntries(cacheDir) === 1, 10_000, 'the entry on disk')
 */
export function storedEntries(dir: string): number {
  let count = 0
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.seg')) continue
    const fd = openSync(join(dir, name), 'r')
    try {
      count += scanSegment(fd, 0, fstatSync(fd).size).records.length
    } finally {
      closeSync(fd)
    }
  }
  return count
}
