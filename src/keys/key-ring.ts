/**
 * The API keys in force: those of the keys file and of TTS_API_KEYS, found by the sha256
 * of what a client presents. A ring is immutable; a reload builds a new one and swaps it
 * in (KeySource), so a request keeps the key it was admitted with.
 *
 * Lookup is a hash-table probe on the sha256 of the presented key, not a comparison with
 * each key: its timing can only depend on the digest, which says nothing about any key.
 */
import { createHash } from 'node:crypto'
import type { ApiKey, KeysFileEntry } from './keys-file.ts'

/** The sha256 of `key`, hex. */
export function sha256Hex(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

/**
 * A stable, non-reversible id for a key of TTS_API_KEYS (never kept or logged in clear).
 *
 * @example
 * keyId('secret') // '2bb80d537b1da3e3'
 */
export function keyId(key: string): string {
  return sha256Hex(key).slice(0, 16)
}

/**
 * @example
 * const ring = KeyRing.from({ file: parseKeysFile(text), plain: ['legacy-key'] })
 * ring.find('legacy-key')?.id // keyId('legacy-key')
 */
export class KeyRing {
  readonly #bySha = new Map<string, ApiKey>()
  readonly #byId = new Map<string, ApiKey>()

  private constructor(entries: readonly { sha256: string; key: ApiKey }[]) {
    for (const { sha256, key } of entries) {
      this.#bySha.set(sha256, key)
      this.#byId.set(key.id, key)
    }
  }

  /** File keys as written; each plain TTS_API_KEYS key under its derived id with the server-wide limits. */
  static from(sources: { file?: readonly KeysFileEntry[]; plain?: readonly string[] }): KeyRing {
    const entries: { sha256: string; key: ApiKey }[] = []
    for (const { sha256, ...key } of sources.file ?? []) entries.push({ sha256, key })
    for (const plain of sources.plain ?? []) entries.push({ sha256: sha256Hex(plain), key: { id: keyId(plain), name: keyId(plain), limits: {} } })
    return new KeyRing(entries)
  }

  /** The key a client presented, or undefined. */
  find(presented: string | undefined): ApiKey | undefined {
    return presented ? this.#bySha.get(sha256Hex(presented)) : undefined
  }

  byId(id: string): ApiKey | undefined {
    return this.#byId.get(id)
  }

  get size(): number {
    return this.#byId.size
  }

  /** Every key, in the order configured. */
  keys(): readonly ApiKey[] {
    return [...this.#byId.values()]
  }
}

/**
 * The ring in force, swapped whole on reload.
 *
 * @example
 * const source = new KeySource(ring)
 * source.replace(newRing) // requests admitted before keep the key they found
 */
export class KeySource {
  #ring: KeyRing

  constructor(ring: KeyRing) {
    this.#ring = ring
  }

  get ring(): KeyRing {
    return this.#ring
  }

  replace(ring: KeyRing): void {
    this.#ring = ring
  }
}
