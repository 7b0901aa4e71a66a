/**
 * Neural voice files are checked at start: every problem of every `sherpa` entry is listed
 * at once, each naming its key and file, and the service exits 78 (EX_CONFIG) before it
 * listens, instead of sherpa-onnx ending the process at the first request.
 */
import { expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DataType } from '../src/tts/engines/sherpa/onnx/onnx-schema.ts'
import { writeTestModels } from './support/sherpa-models/index.ts'
import { OnnxGraph } from './support/sherpa-models/onnx-graph.ts'

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

test('a model that passes the checks but onnxruntime refuses stops the start with exit 69, naming the engine', async () => {
  const models = await writeTestModels()
  // Every input and metadata key sherpa-onnx reads, and an operator no runtime has.
  const g = new OnnxGraph(1)
  const ids = g.input('input', DataType.INT64, [1, 'n'])
  g.input('input_lengths', DataType.INT64, [1])
  g.input('scales', DataType.FLOAT, [3])
  g.output(g.op('NoSuchOperator', [ids]), DataType.FLOAT, [1, 1, 'samples'], 'output')
  const model = join(models.dir, 'refused.onnx')
  writeFileSync(model, g.encode({ model_type: 'vits', comment: 'piper', language: 'English', voice: 'en-us', n_speakers: 1, sample_rate: 22050 }))
  const path = join(models.dir, 'engines.yaml')
  writeFileSync(path, `engines:\n  refused: { kind: sherpa, model: ${model}, tokens: ${models.vits.tokens} }\n`)
  const { code, stderr } = await start(path)
  expect(code).toBe(69)
  expect(stderr).toContain('engine failed to start: engine refused: the model did not load in its worker')
  expect(stderr).toContain('NoSuchOperator') // onnxruntime's own reason, from the worker
}, 60_000)
