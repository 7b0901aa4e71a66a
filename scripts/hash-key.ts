/**
 * `bun run hash-key [key]`: the `sha256:<hex>` line a keys file stores for an API key.
 * Without an argument a new random key is made and printed once, with its hash: hand the
 * key to its user, put only the hash in the keys file. A key may also come on stdin
 * (`echo -n "$KEY" | bun run hash-key -`), which keeps it out of the shell's history.
 */
import { randomBytes } from 'node:crypto'
import { sha256Hex } from '../src/keys/key-ring.ts'

const arg = process.argv[2]
const given = arg === '-' ? (await Bun.stdin.text()).replace(/\r?\n$/, '') : arg
if (given !== undefined && given.length < 16) {
  console.error('hash-key: a key should have at least 16 characters; run without an argument to make one')
  process.exit(64) // EX_USAGE
}
const key = given ?? `tts-${randomBytes(24).toString('base64url')}`
if (given === undefined) console.log(`key:  ${key}   (give this to its user; it is not stored anywhere)`)
console.log(`${given === undefined ? 'hash: ' : ''}sha256:${sha256Hex(key)}`)
