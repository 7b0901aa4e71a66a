/**
 * Kokoro and Kitten: a model, tokens.txt and a voices file of style vectors (float32, one
 * block per voice, shaped by the model's `style_dim` metadata). sherpa-onnx ends the process
 * when the voices file's size does not match, so it is checked here against the model.
 */
import { statSync } from 'node:fs'
import { checkFile, checkTokens, intMeta, readModel, type Problems } from './model-files.ts'
import { bcp47 } from './piper-pair.ts'
import type { FamilyPlan } from './plan-types.ts'
import { stem } from './plan-vits.ts'
import type { SherpaEngineSettings } from './sherpa-settings.ts'

export function planStyles(named: 'kokoro' | 'kitten', s: SherpaEngineSettings, problems: Problems, dataDir: string | undefined): FamilyPlan | undefined {
  const model = readModel(problems, 'model', s.model!)
  const voicesReadable = checkFile(problems, 'voices', s.voices!)
  if (!model) {
    checkTokens(problems, 'tokens', s.tokens, [])
    return undefined
  }
  const path = s.model!
  const meta = model.header.metadata
  // Both families name a voices file: unless the entry says, the model's metadata tells them apart.
  const family = s.family ?? (meta.model_type === 'kitten-tts' ? 'kitten' : named)
  if (family === 'kitten' && meta.model_type !== 'kitten-tts') {
    problems.add('model', path, `is not a Kitten model (its metadata says model_type "${meta.model_type ?? ''}", not "kitten-tts")`)
  }
  const sampleRate = intMeta(problems, 'model', path, model.header, 'sample_rate')
  const count = intMeta(problems, 'model', path, model.header, 'n_speakers')
  intMeta(problems, 'model', path, model.header, 'has_espeak')
  const dims = (meta.style_dim ?? '').split(',').map(Number)
  const expectedDims = family === 'kokoro' ? 3 : 2
  if (dims.length !== expectedDims || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
    problems.add('model', path, `its metadata lacks "style_dim" (${expectedDims} sizes), which sherpa-onnx needs: is this a ${family} model?`)
  } else if (voicesReadable && count > 0) {
    const floats = dims.reduce((a, b) => a * b, 1) * (family === 'kokoro' ? count : 1)
    const size = statSync(s.voices!).size
    const fits = family === 'kokoro' ? size === floats * 4 : size > 0 && size % (floats * 4) === 0
    if (!fits) {
      problems.add('voices', s.voices, `holds ${size} bytes, but the model's ${count} voice(s) of ${dims.join('×')} floats need ${family === 'kokoro' ? floats * 4 : `a multiple of ${floats * 4}`}: the voices file and the model do not belong together`)
    }
  }
  const version = Number(meta.version ?? 1)
  const multilingual = family === 'kokoro' && version >= 2
  if (multilingual && !s.lexicon && !s.lang) problems.add('lang', undefined, 'a multilingual Kokoro model (version 2+) needs lang (e.g. en-us) or lexicon')
  if (s.lexicon) checkFile(problems, 'lexicon', s.lexicon)
  checkTokens(problems, 'tokens', s.tokens, [' '])
  if (problems.list.length) return undefined
  const names = (meta.speaker_names ?? '').split(',').map((n) => n.trim()).filter(Boolean)
  const espeakVoice = s.lang ?? meta.voice ?? 'en-us'
  const files = { model: path, voices: s.voices!, tokens: s.tokens!, ...(dataDir && { dataDir }) }
  return {
    family,
    model: family === 'kokoro' ? { kokoro: { ...files, ...(s.lexicon && { lexicon: s.lexicon }), ...(s.lang && { lang: s.lang }) } } : { kitten: files },
    sampleRate,
    speakers: names.length === count ? names : count > 1 ? Array.from({ length: count }, (_, i) => `speaker-${i}`) : [],
    language: bcp47(espeakVoice),
    espeakVoice,
    namesSayLanguage: names.length === count,
    stem: stem(path),
  }
}
