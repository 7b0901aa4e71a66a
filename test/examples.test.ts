/**
 * The examples run as a reader would run them, against the real service.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { probeAudio } from './support/ffprobe.ts'
import { startService, type RunningService } from './support/service.ts'

let svc: RunningService

beforeAll(async () => {
  svc = await startService()
})
afterAll(async () => {
  await svc.stop()
}, 30_000)

const EXAMPLES = join(import.meta.dir, '..', 'examples')

async function run(command: string[]): Promise<string> {
  const proc = Bun.spawn(command, { stdout: 'pipe', stderr: 'pipe', env: { ...process.env, TTS_API_KEY: '' } })
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  expect(await proc.exited, `${command.join(' ')}\n${out}\n${err}`).toBe(0)
  return out
}

test('examples/openai-speech.ts writes a whole mp3 and a streamed wav', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'example-'))
  const out = await run([process.execPath, join(EXAMPLES, 'openai-speech.ts'), '--url', svc.url, '--out-dir', dir])
  expect(out).toMatch(/in \d+ chunks/)
  expect((await probeAudio(new Uint8Array(await Bun.file(join(dir, 'openai-speech.mp3')).arrayBuffer()), 'mp3')).decodedSeconds).toBeGreaterThan(1)
  expect((await probeAudio(new Uint8Array(await Bun.file(join(dir, 'openai-streamed.wav')).arrayBuffer()), 'wav')).decodedSeconds).toBeGreaterThan(2)
})

test('examples/elevenlabs-speech.ts lists voices, writes an mp3 and prints word timing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'example-'))
  const out = await run([process.execPath, join(EXAMPLES, 'elevenlabs-speech.ts'), '--url', svc.url, '--out-dir', dir])
  expect(out).toMatch(/\d+ voices/)
  expect(out).toMatch(/"time\." at \d\.\d\d s/)
  expect((await probeAudio(new Uint8Array(await Bun.file(join(dir, 'elevenlabs-speech.mp3')).arrayBuffer()), 'mp3')).sampleRate).toBe(44100)
})

test('examples/stream-input-client.ts speaks over the stream-input WebSocket', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'example-')), 'si.wav')
  const out = await run([process.execPath, join(EXAMPLES, 'stream-input-client.ts'), '--url', svc.url.replace(/^http/, 'ws'), '--out', path])
  expect(out).toContain('final')
  expect((await probeAudio(new Uint8Array(await Bun.file(path).arrayBuffer()), 'wav')).decodedSeconds).toBeGreaterThan(2)
})

test('examples/curl.sh runs every curl line of the README', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'example-'))
  await run(['bash', join(EXAMPLES, 'curl.sh'), svc.url, dir])
  expect((await probeAudio(new Uint8Array(await Bun.file(join(dir, 'curl-fast.wav')).arrayBuffer()), 'wav')).decodedSeconds).toBeGreaterThan(0.3)
  expect(await Bun.file(join(dir, 'curl-events.txt')).text()).toContain('speech.audio.done')
  expect((await Bun.file(join(dir, 'curl-voices.json')).json()).voices.length).toBeGreaterThan(40)
})

test('examples/stream-client.ts streams text and saves playable audio', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'example-')), 'speech.wav')
  const run = Bun.spawn(
    [process.execPath, join(import.meta.dir, '..', 'examples', 'stream-client.ts'), '--url', svc.url.replace(/^http/, 'ws'), '--out', out, 'Hello from the example. It streams.'],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  const output = await new Response(run.stdout).text()
  expect(await run.exited).toBe(0)
  expect(output).toMatch(/trace [0-9a-f]{32}/)
  const audio = await probeAudio(new Uint8Array(await Bun.file(out).arrayBuffer()), 'wav')
  expect(audio).toMatchObject({ codec: 'pcm_s16le', sampleRate: 24000, channels: 1 })
  expect(audio.decodedSeconds).toBeGreaterThan(1.5)
})
