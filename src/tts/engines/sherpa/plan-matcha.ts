/**
 * Matcha-TTS: an acoustic model (text to mel) and a vocoder (mel to audio; HiFi-GAN or
 * Vocos, told apart by the vocoder's `model_type` metadata), plus tokens.txt.
 */
import { checkTokens, intMeta, readModel, type Problems } from './model-files.ts'
import { bcp47 } from './piper-pair.ts'
import type { FamilyPlan } from './plan-types.ts'
import { stem } from './plan-vits.ts'
import type { SherpaEngineSettings } from './sherpa-settings.ts'

const VOCODERS = ['hifigan', 'vocos', 'matcha-tts vocos']

export function planMatcha(s: SherpaEngineSettings, problems: Problems, dataDir: string | undefined): FamilyPlan | undefined {
  const acoustic = readModel(problems, 'acoustic_model', s.acoustic_model!)
  const vocoder = readModel(problems, 'vocoder', s.vocoder!)
  if (vocoder && !VOCODERS.includes(vocoder.header.metadata.model_type ?? '')) {
    problems.add('vocoder', s.vocoder, `is not a vocoder sherpa-onnx knows (its metadata says model_type "${vocoder.header.metadata.model_type ?? ''}"; expected hifigan or vocos)`)
  }
  if (!acoustic) {
    checkTokens(problems, 'tokens', s.tokens, [])
    return undefined
  }
  const path = s.acoustic_model!
  const meta = acoustic.header.metadata
  const sampleRate = intMeta(problems, 'acoustic_model', path, acoustic.header, 'sample_rate')
  const count = intMeta(problems, 'acoustic_model', path, acoustic.header, 'n_speakers')
  intMeta(problems, 'acoustic_model', path, acoustic.header, 'use_eos_bos')
  intMeta(problems, 'acoustic_model', path, acoustic.header, 'pad_id')
  const espeak = meta.has_espeak === '1'
  if (!espeak && !s.lexicon) problems.add('lexicon', undefined, 'this Matcha model does not use espeak-ng phonemes: name its lexicon')
  checkTokens(problems, 'tokens', s.tokens, espeak ? ['^', '$'] : [])
  if (problems.list.length) return undefined
  const espeakVoice = meta.voice || 'en-us'
  return {
    family: 'matcha',
    model: {
      matcha: {
        acousticModel: path,
        vocoder: s.vocoder!,
        tokens: s.tokens!,
        ...(espeak && dataDir && { dataDir }),
        ...(s.lexicon && { lexicon: s.lexicon }),
      },
    },
    sampleRate,
    speakers: count > 1 ? Array.from({ length: count }, (_, i) => `speaker-${i}`) : [],
    language: bcp47(espeak ? espeakVoice : meta.language || 'und'),
    ...(espeak && { espeakVoice }),
    stem: stem(path),
  }
}
