/**
 * A bad engines file stops the service at start (exit 78, EX_CONFIG) with every problem
 * listed, naming a missing key's variable but never printing a key.
 */
import { expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

async function start(path: string, env: Record<string, string> = {}) {
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: join(import.meta.dir, '..'),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', OTEL_SDK_DISABLED: 'true', TTS_ENGINES_FILE: path, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()])
  return { code, stderr }
}

test('an invalid engines file exits 78 listing every problem, naming the missing variable, not the present key', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tts-engines-bad-')), 'engines.yaml')
  writeFileSync(
    path,
    `engines:
  kokoro: { kind: openai, url: http://kokoro:8880/v1, api_key_env: KOKORO_API_KEY }
  eleven: { kind: elevenlabs, api_key_env: ELEVEN_KEY, retries: -1 }
default: nowhere
`,
  )
  const { code, stderr } = await start(path, { ELEVEN_KEY: 'xi-secret-key-value' })
  expect(code).toBe(78)
  expect(stderr).toContain('engines.eleven.retries')
  expect(stderr).toContain('default: no engine named "nowhere"')
  expect(stderr).toContain('environment variable KOKORO_API_KEY is not set')
  expect(stderr).not.toContain('xi-secret-key-value')
}, 30_000)

test('a missing engines file exits 78 naming the file', async () => {
  const { code, stderr } = await start('/nonexistent/engines.yaml')
  expect(code).toBe(78)
  expect(stderr).toContain('TTS_ENGINES_FILE="/nonexistent/engines.yaml"')
}, 30_000)

test('TTS_ENGINE=espeak-native where libespeak-ng cannot be loaded exits 78 saying what to install, not with a stack trace', async () => {
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: join(import.meta.dir, '..'),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', OTEL_SDK_DISABLED: 'true', TTS_ENGINE: 'espeak-native', ESPEAK_NG_LIBRARY: '/nonexistent/libespeak-ng.so.1' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()])
  expect(code).toBe(78)
  expect(stderr).toContain('TTS_ENGINE=espeak-native')
  expect(stderr).toContain('apt-get install libespeak-ng1')
  expect(stderr).not.toContain('    at ')
}, 30_000)
