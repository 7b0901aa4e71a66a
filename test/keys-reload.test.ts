/**
 * The keys file reloaded under load (issue #18): rewriting it (as editors and ConfigMaps do)
 * or SIGHUP swaps the keys in force without failing a request in flight; a broken file is
 * refused with every problem logged (never a key) and the old keys stay in force.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { keysFile, keysFileText, newKey, type TestKey } from './support/keys-file.ts'
import { startService, type RunningService } from './support/service.ts'
import { waitUntil } from './support/wait.ts'

const A = newKey('team-a')
const B = newKey('team-b')
const PLAIN = newKey('plain-in-file')

let svc: RunningService
let file: ReturnType<typeof keysFile>
beforeAll(async () => {
  file = keysFile([{ id: 'team-a', key: A }])
  svc = await startService({ TTS_KEYS_FILE: file.path })
})
afterAll(async () => {
  await svc?.stop()
})

const speak = (key: string) =>
  fetch(`${svc.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tts-1', voice: 'alloy', input: 'Reloads never drop a request.', response_format: 'pcm' }),
  }).then(async (res) => {
    await res.arrayBuffer()
    return res.status
  })
const logged = (msg: string) => svc.logs.filter((l) => l.msg === msg)
/** Rewrites the file and waits until the service has read it (reloaded or refused). */
async function rewrite(next: readonly TestKey[] | string) {
  const before = logged('keys reloaded').length + logged('keys file refused: the keys in force are unchanged').length
  file.rewrite(next)
  await waitUntil(() => logged('keys reloaded').length + logged('keys file refused: the keys in force are unchanged').length > before, 15_000, 'the keys file to be read again')
}

test('rewrites under load swap keys in without failing a request; a broken file keeps the old ones', async () => {
  let stop = false
  const statuses: number[] = []
  const load = Array.from({ length: 4 }, async () => {
    while (!stop) statuses.push(await speak(A))
  })
  try {
    await rewrite([{ id: 'team-a', key: A }, { id: 'team-b', key: B }])
    await rewrite([{ id: 'team-a', name: 'Team A, renamed', key: A, limits: { max_concurrency: 8 } }, { id: 'team-b', key: B }])
    await rewrite([{ id: 'team-a', name: 'Team A', key: A, budget: { characters_per_month: 10_000_000 } }, { id: 'team-b', key: B }])
  } finally {
    stop = true
    await Promise.all(load)
  }
  expect(statuses.length).toBeGreaterThan(10)
  expect(statuses.filter((s) => s !== 200)).toEqual([])
  expect(await speak(B)).toBe(200)
  expect(logged('keys reloaded').at(-1)).toMatchObject({ reason: 'file changed', keys: 2, key_ids: ['team-a', 'team-b'] })

  // Broken: a plain key, a bad id and a duplicate. Every problem is logged; the keys in force stay.
  const broken = keysFileText([{ id: 'team-a', key: A }]).replace(/"keys": \[/, `"keys": [{ "id": "Bad Id", "key": "${PLAIN}" }, { "id": "team-a", "key": "sha256:${'0'.repeat(64)}" },`)
  await rewrite(broken)
  const refused = logged('keys file refused: the keys in force are unchanged').at(-1)!
  expect(refused.problems).toEqual(
    expect.arrayContaining([
      expect.stringContaining('keys.0.id'),
      expect.stringContaining('keys.0.key: must be sha256'),
      expect.stringContaining('keys.2.id: the same id "team-a" as keys.1'),
    ]),
  )
  expect(await speak(A)).toBe(200)
  expect(await speak(B)).toBe(200)
  expect(svc.output()).not.toContain(PLAIN)

  // Not JSON or YAML at all: refused too.
  await rewrite('keys: [unclosed')
  expect(await speak(B)).toBe(200)

  // SIGHUP reloads on demand: a fixed file without team-b takes its key away.
  file.rewrite([{ id: 'team-a', key: A }])
  await waitUntil(() => logged('keys reloaded').some((l) => l.keys === 1), 15_000, 'the fixed file to be read')
  const hups = logged('keys reloaded').filter((l) => l.reason === 'SIGHUP').length
  svc.proc.kill('SIGHUP')
  await waitUntil(() => logged('keys reloaded').filter((l) => l.reason === 'SIGHUP').length > hups, 15_000, 'SIGHUP to reload the keys')
  expect(await speak(B)).toBe(401)
  expect(await speak(A)).toBe(200)
  for (const key of [A, B, PLAIN]) expect(svc.output()).not.toContain(key)
}, 120_000)

test('a bad keys file at start stops the service with every problem, exit 78', async () => {
  const bad = keysFile([{ id: 'team-a', key: A }])
  bad.rewrite(`{"keys":[{"id":"ok","key":"${PLAIN}"},{"id":"x","key":"sha256:abc","budget":{}}]}`)
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: `${import.meta.dir}/..`,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', TTS_KEYS_FILE: bad.path, OTEL_SDK_DISABLED: 'true' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  expect(await proc.exited).toBe(78)
  const stderr = await new Response(proc.stderr).text()
  expect(stderr).toContain('keys.0.key: must be sha256')
  expect(stderr).toContain('keys.1.key: must be sha256')
  expect(stderr).toContain('keys.1.budget: give characters_per_month, usd_per_month or both')
  expect(stderr).not.toContain(PLAIN)
})
