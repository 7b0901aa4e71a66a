/**
 * Neural voice files are checked at start: every problem of every `sherpa` entry is listed
 * at once, each naming its key and file, and the service exits 78 (EX_CONFIG) before it
 * listens, instead of sherpa-onnx ending the process at the first request.
 */
import { expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeTestModels } from './support/sherpa-models/index.ts'

async function start(enginesFile: string) {
  const proc = Bun.spawn([process.execPath, 'src/main.ts'], {
    cwd: join(import.meta.dir, '..'),
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', OTEL_SDK_DISABLED: 'true', TTS_ENGINES_FILE: enginesFile },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()])
  return { code, stderr }
}

test('missing, broken and mismatched model files of several engines exit 78, every file named', async () => {
  const models = await writeTestModels()
  writeFileSync(join(models.dir, 'voices.bin'), new Uint8Array(100))
  writeFileSync(join(models.dir, 'tokens.txt'), 'ab 1\n')
  const path = join(models.dir, 'engines.yaml')
  writeFileSync(
    path,
    `engines:
  amy: { kind: sherpa, model: /models/en_US-amy-medium.onnx, config: /models/en_US-amy-medium.onnx.json }
  kokoro: { kind: sherpa, model: ${models.kokoro.model}, voices: ${join(models.dir, 'voices.bin')}, tokens: ${join(models.dir, 'tokens.txt')} }
  matcha: { kind: sherpa, acoustic_model: ${models.matcha.acousticModel}, vocoder: /models/vocos.onnx, tokens: ${models.matcha.tokens} }
  local: { kind: espeak }
`,
  )
  const { code, stderr } = await start(path)
  expect(code).toBe(78)
  const source = `TTS_ENGINES_FILE (${path})`
  expect(stderr).toContain(`${source}: engines.amy.model: /models/en_US-amy-medium.onnx: does not exist`)
  expect(stderr).toContain(`${source}: engines.amy.config: /models/en_US-amy-medium.onnx.json: does not exist`)
  expect(stderr).toContain(`${source}: engines.kokoro.voices: ${join(models.dir, 'voices.bin')}: holds 100 bytes`)
  expect(stderr).toContain(`${source}: engines.kokoro.tokens: ${join(models.dir, 'tokens.txt')}: line 1: the symbol "ab" is not one character`)
  expect(stderr).toContain(`${source}: engines.matcha.vocoder: /models/vocos.onnx: does not exist`)
  expect(stderr).not.toContain('Segmentation fault')
}, 60_000)

test('an engines file with an unknown key in a sherpa entry is refused by its schema', async () => {
  const models = await writeTestModels()
  const path = join(models.dir, 'engines.yaml')
  writeFileSync(path, `engines:\n  amy: { kind: sherpa, model: ${models.piper.model}, speakers: 3 }\n`)
  const { code, stderr } = await start(path)
  expect(code).toBe(78)
  expect(stderr).toContain('engines.amy')
  expect(stderr).toContain('speakers')
}, 60_000)
