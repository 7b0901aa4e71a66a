/**
 * Piper and VITS models: a Piper pair (`.onnx` + `.onnx.json`) or sherpa-onnx's packaging
 * (a model with metadata + tokens.txt). Both run through sherpa-onnx's VITS path.
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { checkFile, checkTokens, intMeta, readModel, type Problems } from './model-files.ts'
import type { OnnxHeader } from './onnx/onnx-header.ts'
import { bcp47, piperMetadata, preparePiperFiles, readPiperConfig } from './piper-pair.ts'
import type { FamilyPlan } from './plan-types.ts'
import type { SherpaEngineSettings } from './sherpa-settings.ts'

/** The Piper `.onnx.json` of an entry: named, or beside the model by Piper's convention. */
export function piperConfigPath(s: SherpaEngineSettings): string | undefined {
  if (s.config) return s.config
  if (s.model && !s.tokens && existsSync(`${s.model}.json`)) return `${s.model}.json`
  return undefined
}

export function planPiper(s: SherpaEngineSettings, problems: Problems, dataDir: string | undefined): FamilyPlan | undefined {
  const configPath = piperConfigPath(s)!
  const model = readModel(problems, 'model', s.model!)
  if (!checkFile(problems, 'config', configPath)) return undefined
  let json: unknown
  try {
    json = JSON.parse(readFileSync(configPath, 'utf8'))
  } catch (err) {
    problems.add('config', configPath, `is not JSON (${(err as Error).message})`)
    return undefined
  }
  const config = readPiperConfig(json)
  if ('problems' in config) {
    for (const p of config.problems) problems.add('config', configPath, p)
    return undefined
  }
  if (!model) return undefined
  checkInputs(problems, s.model!, model.header, config.speakers.length)
  for (const [symbol] of [['_'], ['^'], ['$']]) {
    if (!config.phonemeIds.has(symbol!)) problems.add('config', configPath, `phoneme_id_map lacks ${JSON.stringify(symbol)}, which sherpa-onnx needs`)
  }
  if (problems.list.length) return undefined
  const wanted = piperMetadata(config)
  const missing = Object.fromEntries(Object.entries(wanted).filter(([key]) => model.header.metadata[key] === undefined))
  let files: { model: string; tokens: string }
  try {
    files = preparePiperFiles({ path: s.model!, bytes: model.bytes }, config, missing, s.work_dir)
  } catch (err) {
    problems.add('work_dir', s.work_dir, `cannot write the prepared model there (${(err as Error).message})`)
    return undefined
  }
  return {
    family: 'piper',
    model: {
      vits: {
        model: files.model,
        tokens: files.tokens,
        noiseScale: config.inference.noiseScale,
        noiseScaleW: config.inference.noiseW,
        ...(config.usesEspeak && dataDir && { dataDir }),
      },
    },
    lengthScale: config.inference.lengthScale,
    sampleRate: config.sampleRate,
    speakers: config.speakers,
    language: config.language,
    ...(config.usesEspeak && { espeakVoice: config.espeakVoice }),
    stem: config.dataset ?? stem(s.model!),
  }
}

export function planVits(s: SherpaEngineSettings, problems: Problems, dataDir: string | undefined): FamilyPlan | undefined {
  const model = readModel(problems, 'model', s.model!)
  const path = s.model!
  if (!model) {
    checkTokens(problems, 'tokens', s.tokens, [])
    return undefined
  }
  const meta = model.header.metadata
  const sampleRate = intMeta(problems, 'model', path, model.header, 'sample_rate')
  const count = intMeta(problems, 'model', path, model.header, 'n_speakers')
  for (const key of ['language', 'comment']) {
    if (meta[key] === undefined) problems.add('model', path, `its metadata lacks "${key}", which sherpa-onnx needs: is this a sherpa-onnx VITS model?`)
  }
  // Models phonemised by espeak-ng (Piper, Coqui, icefall) use data_dir; the others a lexicon.
  const espeak = /piper|coqui|icefall|inflect/i.test(meta.comment ?? '') && !s.lexicon && meta.has_espeak !== '0'
  if (!espeak && !s.lexicon) problems.add('lexicon', undefined, 'this model does not use espeak-ng phonemes: name its lexicon')
  if (s.lexicon) checkFile(problems, 'lexicon', s.lexicon)
  checkTokens(problems, 'tokens', s.tokens, espeak && /piper|icefall/i.test(meta.comment ?? '') ? ['_', '^', '$'] : [])
  if (/piper/i.test(meta.comment ?? '')) checkInputs(problems, path, model.header, count > 1 ? count : 0)
  if (problems.list.length) return undefined
  return {
    family: 'vits',
    model: { vits: { model: path, tokens: s.tokens!, ...(espeak && dataDir && { dataDir }), ...(s.lexicon && { lexicon: s.lexicon }) } },
    sampleRate,
    speakers: count > 1 ? Array.from({ length: count }, (_, i) => `speaker-${i}`) : [],
    language: bcp47(meta.voice || 'und'),
    ...(espeak && { espeakVoice: meta.voice || 'en-us' }),
    stem: stem(path),
  }
}

/** Piper's inference inputs, with `sid` exactly when the voice has several speakers. */
function checkInputs(problems: Problems, path: string, header: OnnxHeader, speakers: number): void {
  const { inputs } = header
  if (inputs[0] !== 'input' || inputs[1] !== 'input_lengths' || inputs[2] !== 'scales') {
    problems.add('model', path, `is not a Piper model (its inputs are ${inputs.join(', ')}; Piper's are input, input_lengths, scales[, sid])`)
  } else if (speakers > 1 && inputs[3] !== 'sid') {
    problems.add('model', path, `has one speaker, but its config names ${speakers}: the model and its config do not belong together`)
  } else if (speakers <= 1 && inputs[3] === 'sid') {
    problems.add('model', path, 'has several speakers (a sid input), but its config names one: the model and its config do not belong together')
  }
}

export const stem = (path: string) => basename(path).replace(/\.onnx$/i, '')
