/**
 * The name an entry goes by on disk and in the filesystem cache's index: the key itself when
 * it is a cacheKey() (64 hex characters), else the SHA-256 of the key, so any key gets a
 * fixed-size name that can never be a path.
 */
const ENTRY_NAME = /^[0-9a-f]{64}$/

/**
 * @example
 * entryName(cacheKey(fields)) // the key itself
 * entryName('../../etc/passwd') // 'e5b4...' (64 hex characters)
 */
export function entryName(key: string): string {
  return ENTRY_NAME.test(key) ? key : new Bun.CryptoHasher('sha256').update(key).digest('hex')
}

/** True for a string entryName() can return. */
export function isEntryName(name: string): boolean {
  return ENTRY_NAME.test(name)
}
