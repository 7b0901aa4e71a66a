/**
 * Cache keys: sha256 over a canonical encoding of everything that changes the
 * audio. The encoding is JSON of sorted `[name, value]` pairs, so field
 * boundaries are structural and text content cannot forge a separator
 * ("ab"+"c" and "a"+"bc" encode differently), and key order at the call site
 * does not matter.
 */

/** Values allowed in a key: scalars, or nested arrays/plain objects of them (e.g. voice settings). */
export type CacheKeyValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly CacheKeyValue[]
  | { readonly [name: string]: CacheKeyValue }

/** The request facts that determine the audio. Extra fields (e.g. `language`, `sampleRate`) are allowed. */
export interface CacheKeyFields {
  engine: string
  model: string
  voice: string
  format: string
  speed: number
  text: string
  [field: string]: CacheKeyValue
}

/** Bumped when the encoding changes, so old entries simply stop matching. */
const KEY_VERSION = 'tts-edge/cache-key/v1'

/**
 * sha256 hex (64 chars) of the canonical encoding of `fields`.
 *
 * Normalisation: strings are NFC (canonically equivalent text speaks the
 * same), `-0` becomes `0`, `undefined` fields are dropped (absent and
 * undefined mean the same). Non-finite numbers are rejected because JSON would
 * silently turn them into `null`.
 *
 * @example
 * ```ts
 * const key = cacheKey({ engine: 'espeak', model: 'tts-1', voice: 'en-us-f1', format: 'mp3', speed: 1, text: 'Hello' })
 * // => 'a3f1...' (64 hex chars)
 * ```
 */
export function cacheKey(fields: CacheKeyFields): string {
  const encoded = JSON.stringify([KEY_VERSION, canonical(fields)])
  // The one-shot hash: a CryptoHasher object per key cost twice as much, on every cache hit.
  return Bun.SHA256.hash(encoded, 'hex')
}

function canonical(value: CacheKeyValue): unknown {
  if (typeof value === 'string') return value.normalize('NFC')
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`cacheKey: non-finite number ${value}`)
    return Object.is(value, -0) ? 0 : value
  }
  if (value === null || typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.map((item: CacheKeyValue) => (item === undefined ? null : canonical(item)))
  if (typeof value === 'object') {
    // Sorted pairs rather than an object: the order is then explicit, not a
    // property of JSON.stringify's insertion order. Wrapped in `{o: ...}` so an
    // object never encodes like an array of pairs.
    const record = value as { readonly [name: string]: CacheKeyValue }
    const pairs: [string, unknown][] = []
    for (const name of sortedKeys(record)) {
      const field = record[name]
      if (field !== undefined) pairs.push([name, canonical(field)])
    }
    return { o: pairs }
  }
  throw new TypeError(`cacheKey: unsupported value of type ${typeof value}`)
}

/**
 * The record's keys in sorted order (code-unit order, as `sort()` without a comparator): an
 * insertion sort, since a key's records have about ten fields and often come nearly sorted,
 * where the built-in sort costs a hit more than the comparisons.
 */
function sortedKeys(record: object): string[] {
  const names = Object.keys(record)
  for (let i = 1; i < names.length; i++) {
    const name = names[i]!
    let j = i - 1
    while (j >= 0 && names[j]! > name) {
      names[j + 1] = names[j]!
      j--
    }
    names[j + 1] = name
  }
  return names
}
