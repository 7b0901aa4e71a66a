/**
 * `bun run hash-key` (scripts/hash-key.ts): the line it prints goes into a keys file as is, and
 * the key it made (or was given) is then the one that key file admits.
 */
import { expect, test } from 'bun:test'
import { parseKeysFile } from '../src/keys/keys-file.ts'
import { KeyRing } from '../src/keys/key-ring.ts'

async function hashKey(args: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const proc = Bun.spawn([process.execPath, `${import.meta.dir}/hash-key.ts`, ...args], {
    stdin: stdin === undefined ? 'ignore' : new TextEncoder().encode(stdin),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  return { code: await proc.exited, out, err }
}

/** A keys file of one key with this hash line; the ring answers which presented keys it admits. */
const ringOf = (hashLine: string) => KeyRing.from({ file: parseKeysFile(`keys:\n  - id: team-a\n    key: ${hashLine}\n`) })

test('without an argument it makes a new key and the hash line that admits it', async () => {
  const { code, out } = await hashKey([])
  expect(code).toBe(0)
  const key = /^key: +(\S+)/m.exec(out)![1]!
  const hash = /^hash: +(sha256:[0-9a-f]{64})$/m.exec(out)![1]!
  expect(ringOf(hash).find(key)?.id).toBe('team-a')
  expect(ringOf(hash).find(`${key}x`)).toBeUndefined()
  // A second run makes another key.
  expect((await hashKey([])).out).not.toContain(key)
})

test('a key given as an argument or on stdin hashes alike; only the hash is printed', async () => {
  const key = 'an-operator-chosen-key-0123456789'
  const byArg = await hashKey([key])
  const byStdin = await hashKey(['-'], `${key}\n`)
  expect(byArg.out).toBe(byStdin.out)
  expect(byArg.out).not.toContain(key)
  expect(ringOf(byArg.out.trim()).find(key)?.id).toBe('team-a')
})

test('a key too short to be a secret is refused with a usage error', async () => {
  const { code, out, err } = await hashKey(['short'])
  expect(code).toBe(64)
  expect(out).toBe('')
  expect(err).toContain('at least 16 characters')
})
