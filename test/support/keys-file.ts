/**
 * Keys files for tests, written as an operator would: each key's sha256, never the key.
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256Hex } from '../../src/keys/key-ring.ts'

export interface TestKey {
  id: string
  /** The key itself: hashed into the file, sent by the test's clients. */
  key: string
  name?: string
  limits?: { max_concurrency?: number; characters_per_minute?: number }
  budget?: { characters_per_month?: number; usd_per_month?: number }
  engines?: string[]
  voices?: string[]
}

/** A fresh random key for a test. */
export const newKey = (label: string) => `${label}-${crypto.randomUUID()}`

/** The file's text (JSON, which YAML also reads). */
export function keysFileText(keys: readonly TestKey[]): string {
  return JSON.stringify({ keys: keys.map(({ key, ...rest }) => ({ ...rest, key: `sha256:${sha256Hex(key)}` })) }, null, 2)
}

/**
 * Writes the keys file in a new directory and returns its path; `rewrite` replaces it the
 * way editors and ConfigMaps do (write aside, rename over).
 *
 * @example
 * const file = keysFile([{ id: 'team-a', key: newKey('a') }])
 * file.rewrite([...])
 */
export function keysFile(keys: readonly TestKey[]): { path: string; rewrite(keys: readonly TestKey[] | string): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tts-keys-'))
  const path = join(dir, 'keys.json')
  const rewrite = (next: readonly TestKey[] | string) => {
    const aside = join(dir, `.keys.json.${crypto.randomUUID()}`)
    writeFileSync(aside, typeof next === 'string' ? next : keysFileText(next))
    renameSync(aside, path)
  }
  rewrite(keys)
  return { path, rewrite }
}
