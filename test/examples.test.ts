/**
 * The examples run as a reader would run them, against the real service: the programs in
 * examples/, and every code block README.md and docs/ mark `<!-- runnable -->`
 * (docs/contributing.md, "Marking an example runnable").
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { probeAudio } from './support/ffprobe.ts'
import { docFiles, runnableBlocks, type RunnableBlock } from './support/markdown.ts'
import { keysFile, newKey } from './support/keys-file.ts'
import { startService, type RunningService } from './support/service.ts'

let svc: RunningService

beforeAll(async () => {
  // The usage examples of docs/api.md read every key's usage with this admin key.
  svc = await startService({ TTS_ADMIN_KEY: 'change-me-admin-key' })
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

test('examples/curl.sh runs the curl lines of docs/api.md', async () => {
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

test('examples/budget.ts runs a key into its budget and reads its usage through both SDKs', async () => {
  const KEY = newKey('budget-example')
  const ADMIN = newKey('admin')
  const keys = keysFile([{ id: 'example-team', key: KEY, budget: { characters_per_month: 300 } }])
  const own = await startService({ TTS_KEYS_FILE: keys.path, TTS_ADMIN_KEY: ADMIN })
  try {
    const out = await run([process.execPath, join(EXAMPLES, 'budget.ts'), '--url', own.url, '--key', KEY, '--admin-key', ADMIN])
    expect(out).toContain('budget: 300 characters a month, 0 used')
    // Each sentence is 48 characters: six fit in 300, the seventh would pass it.
    const spoke = /spoke (\d+) requests \((\d+) characters\); request \d+ refused: 429 insufficient_quota/.exec(out)
    expect(spoke?.slice(1).map(Number)).toEqual([6, 288])
    expect(out).toContain('ElevenLabs route: 401 quota_exceeded')
    expect(out).toContain('characters this month: 288 of 300')
    expect(out).toContain('characters today by model: {"tts-1":[288]}')
    expect(out).toContain('usage (admin): key example-team, model tts-1: 288 characters in 6 requests')
    expect(out).not.toContain(KEY)
  } finally {
    await own.stop()
  }
}, 60_000)

// ------------------------------------------------------------------ runnable doc examples

const ROOT = join(import.meta.dir, '..')
const AUDIO = /\.(mp3|wav|opus|flac|aac)$/

/**
 * A fresh directory that looks like the repository to the example (examples/, src/,
 * node_modules, package.json linked in) but keeps what it writes out of the checkout.
 */
function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'doc-example-'))
  for (const entry of ['examples', 'src', 'node_modules', 'package.json', 'tsconfig.json']) symlinkSync(join(ROOT, entry), join(dir, entry))
  // `bun` on the PATH, as the test's own Bun (installed from npm it is named bun.exe).
  mkdirSync(join(dir, '.bin'))
  symlinkSync(process.execPath, join(dir, '.bin', 'bun'))
  return dir
}

/** Runs one block against the service and returns what it printed and the files it wrote. */
async function runBlock(block: RunnableBlock, where: string): Promise<{ stdout: string; dir: string }> {
  const dir = sandbox()
  // Examples are written for the default port; the test's service listens elsewhere.
  const code = block.code.replaceAll('localhost:8080', new URL(svc.url).host)
  const command =
    block.lang === 'sh'
      ? ['bash', '-eo', 'pipefail', '-c', code]
      : (writeFileSync(join(dir, 'example.ts'), code), [process.execPath, join(dir, 'example.ts')])
  const proc = Bun.spawn(command, {
    cwd: dir,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { PATH: `${join(dir, '.bin')}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '/tmp', TTS_API_KEY: '' },
  })
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()])
  expect(await proc.exited, `${where} failed:\n${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`).toBe(0)
  return { stdout, dir }
}

describe('runnable examples in README.md and docs/', () => {
  const blocks = docFiles(ROOT).flatMap((file) =>
    runnableBlocks(readFileSync(join(ROOT, file), 'utf8')).map((block) => ({ block, where: `${file}:${block.line}` })),
  )

  test('the README tour has runnable shell and TypeScript examples', () => {
    const readme = blocks.filter((b) => b.where.startsWith('README.md:'))
    expect(readme.some((b) => b.block.lang === 'sh')).toBe(true)
    expect(readme.some((b) => b.block.lang === 'ts')).toBe(true)
  })

  for (const { block, where } of blocks) {
    test(`${where} (${block.lang}) runs, and every audio file it writes decodes`, async () => {
      const { stdout, dir } = await runBlock(block, where)
      for (const text of block.stdout) expect(stdout, where).toContain(text)
      const written = readdirSync(dir).filter((name) => !lstatSync(join(dir, name)).isSymbolicLink())
      for (const name of written.filter((n) => AUDIO.test(n))) {
        const bytes = new Uint8Array(await Bun.file(join(dir, name)).arrayBuffer())
        const audio = await probeAudio(bytes, AUDIO.exec(name)![1]!)
        expect(audio.decodedSeconds, `${where}: ${name}`).toBeGreaterThan(0.2)
      }
    })
  }
})
