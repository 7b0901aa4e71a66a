import { beforeAll, expect, test } from 'bun:test'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeTestModels } from '../../../../test/support/sherpa-models/index.ts'
import { configProblems } from '../../../../test/support/config-problems.ts'
import { findSystemEspeakData, hasEspeakVoice } from './espeak-data.ts'
import { planSherpaModel } from './model-plan.ts'
import { readOnnxHeader } from './onnx/onnx-header.ts'
import { ModelProto } from './onnx/onnx-schema.ts'
import { addonProblem } from './sherpa-addon.ts'
import { sherpaEngineSchema } from './sherpa-settings.ts'

let models: Awaited<ReturnType<typeof writeTestModels>>
beforeAll(async () => {
  models = await writeTestModels()
})

const settings = (entry: object) => ({ ...sherpaEngineSchema.parse({ kind: 'sherpa', ...entry }), name: 'neural' })

/** The problems planSherpaModel reports for `entry` (fails the test when it accepts it). */
const problemsOf = (entry: object) => configProblems(() => planSherpaModel(settings(entry)))

test('a Piper pair becomes a VITS config with tokens from its json and the metadata sherpa-onnx reads', () => {
  const plan = planSherpaModel(settings({ model: models.piper.model }))
  expect(plan.family).toBe('piper')
  expect(plan.identity).toMatch(/^sherpa-piper:[0-9a-f]{16}$/)
  expect(planSherpaModel(settings({ model: models.piperSpeakers.model })).identity).not.toBe(plan.identity)
  expect(plan.sampleRate).toBe(22050)
  expect(plan.voices).toEqual([{ id: 'test', name: 'test (Piper, en-US)', language: 'en-US', gender: 'female', engineVoice: '0', description: 'sherpa-onnx Piper test' }])
  const vits = plan.config.model.vits!
  expect(vits.dataDir).toContain('espeak-ng-data')
  const json = JSON.parse(readFileSync(models.piper.config!, 'utf8'))
  const tokens = readFileSync(vits.tokens, 'utf8').split('\n')
  expect(tokens).toHaveLength(Object.keys(json.phoneme_id_map).length + 1)
  expect(tokens.slice(0, 4)).toEqual(['_ 0', '^ 1', '$ 2', '  3']) // the space, as sherpa-onnx's own conversion writes it
  // The original has no metadata; the copy sherpa-onnx loads has Piper's, weights untouched.
  expect(readOnnxHeader(readFileSync(models.piper.model)).metadata).toEqual({})
  const prepared = readOnnxHeader(readFileSync(vits.model))
  expect(prepared.metadata).toMatchObject({ comment: 'piper', sample_rate: '22050', n_speakers: '1', voice: 'en-us', language: 'en-US' })
  expect(readFileSync(vits.model).subarray(0, readFileSync(models.piper.model).length)).toEqual(readFileSync(models.piper.model))
})

test("a multi-speaker Piper voice lists its speakers, in the json's language, with the genders the entry gives", () => {
  const plan = planSherpaModel(settings({ model: models.piperSpeakers.model, gender: 'male', genders: { bob: 'female' } }))
  expect(plan.voices.map((v) => [v.id, v.engineVoice, v.language, v.gender])).toEqual([
    ['alice', '0', 'en-GB', 'male'],
    ['bob', '1', 'en-GB', 'female'],
  ])
})

test('sherpa-onnx packagings of VITS, Kokoro, Kitten and Matcha are recognised from the files named', () => {
  const vits = planSherpaModel(settings({ model: models.vits.model, tokens: models.vits.tokens }))
  expect([vits.family, vits.voices.map((v) => v.id)]).toEqual(['vits', ['vits-piper-test']])
  const kokoro = planSherpaModel(settings(models.kokoro))
  expect(kokoro.family).toBe('kokoro')
  expect(kokoro.sampleRate).toBe(24000)
  expect(kokoro.voices.map((v) => [v.id, v.language, v.gender])).toEqual([
    ['af_test', 'en-US', 'female'],
    ['bm_test', 'en-GB', 'male'],
  ])
  const kitten = planSherpaModel(settings(models.kitten))
  expect([kitten.family, kitten.voices.map((v) => v.gender)]).toEqual(['kitten', ['female', 'male']])
  const matcha = planSherpaModel(settings({ acoustic_model: models.matcha.acousticModel, vocoder: models.matcha.vocoder, tokens: models.matcha.tokens }))
  expect([matcha.family, matcha.voices.map((v) => v.language)]).toEqual(['matcha', ['en-US']])
})

test('every missing file is named at once, with its key', () => {
  const problems = problemsOf({ model: '/nowhere/voice.onnx', voices: '/nowhere/voices.bin', tokens: '/nowhere/tokens.txt' })
  expect(problems).toEqual(
    expect.arrayContaining([
      'engines.neural.model: /nowhere/voice.onnx: does not exist',
      'engines.neural.voices: /nowhere/voices.bin: does not exist',
      'engines.neural.tokens: /nowhere/tokens.txt: does not exist',
    ]),
  )
  expect(problemsOf({ tokens: models.vits.tokens })).toEqual(['engines.neural.model: a vits model needs model'])
  expect(problemsOf({ model: models.dir, tokens: models.vits.tokens })).toEqual([`engines.neural.model: ${models.dir}: is not a file`])
})

test('a file that is not an ONNX model, broken tokens and a wrong data_dir are all reported together', () => {
  const dir = join(models.dir, 'broken')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'model.onnx'), 'this is not a model')
  writeFileSync(join(dir, 'tokens.txt'), '_ 0\nab 1\n_ 2\nno-id\n')
  const problems = problemsOf({ model: join(dir, 'model.onnx'), tokens: join(dir, 'tokens.txt'), data_dir: dir })
  expect(problems).toHaveLength(5)
  expect(problems[0]).toStartWith(`engines.neural.data_dir: ${dir}: is not an espeak-ng data directory (no phontab`)
  expect(problems[1]).toStartWith(`engines.neural.model: ${join(dir, 'model.onnx')}: not an ONNX model`)
  expect(problems.slice(2)).toEqual([
    `engines.neural.tokens: ${join(dir, 'tokens.txt')}: line 2: the symbol "ab" is not one character`,
    `engines.neural.tokens: ${join(dir, 'tokens.txt')}: line 3: the symbol "_" is listed twice`,
    `engines.neural.tokens: ${join(dir, 'tokens.txt')}: line 4 is not "symbol id": "no-id"`,
  ])
})

test('files that do not belong together are refused: a Kokoro voices file of another size, a Piper config of another voice', () => {
  const dir = join(models.dir, 'mismatch')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'voices.bin'), new Uint8Array(1000))
  expect(problemsOf({ ...models.kokoro, voices: join(dir, 'voices.bin') })).toEqual([
    `engines.neural.voices: ${join(dir, 'voices.bin')}: holds 1000 bytes, but the model's 2 voice(s) of 128×1×16 floats need 16384: the voices file and the model do not belong together`,
  ])
  // The single-speaker model with the two-speaker voice's json.
  copyFileSync(models.piper.model, join(dir, 'voice.onnx'))
  copyFileSync(models.piperSpeakers.config!, join(dir, 'voice.onnx.json'))
  expect(problemsOf({ model: join(dir, 'voice.onnx') })).toEqual([
    `engines.neural.model: ${join(dir, 'voice.onnx')}: has one speaker, but its config names 2: the model and its config do not belong together`,
  ])
  // A Kokoro model where a Piper model belongs.
  expect(problemsOf({ model: models.kokoro.model, config: models.piper.config })[0]).toContain("is not a Piper model (its inputs are tokens, style, speed")
})

test("a Piper json without its phoneme map, and a voice espeak-ng does not have, are named", () => {
  const dir = join(models.dir, 'json')
  mkdirSync(dir, { recursive: true })
  copyFileSync(models.piper.model, join(dir, 'voice.onnx'))
  const json = JSON.parse(readFileSync(models.piper.config!, 'utf8'))
  writeFileSync(join(dir, 'voice.onnx.json'), JSON.stringify({ ...json, phoneme_id_map: undefined }))
  expect(problemsOf({ model: join(dir, 'voice.onnx') })).toEqual([`engines.neural.config: ${join(dir, 'voice.onnx.json')}: phoneme_id_map is missing or empty`])
  writeFileSync(join(dir, 'voice.onnx.json'), JSON.stringify({ ...json, espeak: { voice: 'xx-klingon' } }))
  expect(problemsOf({ model: join(dir, 'voice.onnx') })[0]).toMatch(/^engines\.neural\.data_dir: .*espeak-ng-data: espeak-ng has no voice "xx-klingon"/)
  writeFileSync(join(dir, 'voice.onnx.json'), '{ not json')
  expect(problemsOf({ model: join(dir, 'voice.onnx') })[0]).toStartWith(`engines.neural.config: ${join(dir, 'voice.onnx.json')}: is not JSON`)
})

test('a multilingual Kokoro model without lang or lexicon, and a Matcha vocoder that is not one, are refused', () => {
  const dir = join(models.dir, 'kokoro2')
  mkdirSync(dir, { recursive: true })
  const bytes = readFileSync(models.kokoro.model)
  // Same model, its metadata saying version 2 (appended fields win in protobuf).
  const tail = ModelProto.encode(ModelProto.fromObject({ metadataProps: [{ key: 'version', value: '2' }] })).finish()
  writeFileSync(join(dir, 'model.onnx'), Buffer.concat([bytes, tail]))
  expect(problemsOf({ ...models.kokoro, model: join(dir, 'model.onnx') })).toEqual([
    'engines.neural.lang: a multilingual Kokoro model (version 2+) needs lang (e.g. en-us) or lexicon',
  ])
  const problems = problemsOf({ acoustic_model: models.matcha.acousticModel, vocoder: models.piper.model, tokens: models.matcha.tokens })
  expect(problems).toEqual([`engines.neural.vocoder: ${models.piper.model}: is not a vocoder sherpa-onnx knows (its metadata says model_type ""; expected hifigan or vocos)`])
})

test("espeak-ng voices are matched by file name, as sherpa-onnx's espeak-ng selects them", () => {
  const dataDir = findSystemEspeakData()!
  expect(['en-us', 'en-gb-x-rp', 'pt-br', 'gmw/en'].filter((v) => hasEspeakVoice(dataDir, v))).toEqual(['en-us', 'en-gb-x-rp', 'pt-br', 'gmw/en'])
  // Listed as a language inside lang/gmw/en, yet sherpa-onnx's espeak-ng cannot select it (measured: silence).
  expect(hasEspeakVoice(dataDir, 'en-gb')).toBe(false)
})

test('a platform sherpa-onnx ships no addon for is named with the package it would need', () => {
  expect(addonProblem()).toBeUndefined()
  expect(addonProblem('freebsd', 'x64')).toStartWith("sherpa-onnx's native addon for freebsd-x64 is not installed (npm package sherpa-onnx-freebsd-x64)")
})
