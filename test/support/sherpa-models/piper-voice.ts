/**
 * Writes a generated Piper voice in either of the two layouts operators download:
 * - `piper`: the `.onnx` + `.onnx.json` pair as Piper publishes it (the model carries no
 *   metadata; the json has the phoneme map, sample rate, espeak voice and speakers);
 * - `sherpa`: sherpa-onnx's repackaging: the model with its metadata_props, plus tokens.txt
 *   (the espeak-ng data directory is the operator's, e.g. Debian's espeak-ng-data).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { phonemeIdMap, phonemeSymbols, tokensText } from './phoneme-symbols.ts'
import { buildVitsGraph, TINY_VITS, type VitsSize } from './vits-graph.ts'

export interface PiperVoiceOptions {
  /** File stem, e.g. `en_US-test-medium` (Piper's `<lang>-<name>-<quality>`). */
  name?: string
  size?: VitsSize
  layout?: 'piper' | 'sherpa'
  /** Speaker names of a multi-speaker voice (Piper's speaker_id_map order). */
  speakers?: string[]
  sampleRate?: number
  /** espeak-ng voice for phonemes, e.g. `en-us`. */
  espeakVoice?: string
  /** Piper's language block: `en_US` gives family `en`, region `US`. */
  languageCode?: string
  seed?: number
}

export interface PiperVoiceFiles {
  model: string
  /** Piper layout: the `.onnx.json`. */
  config?: string
  /** sherpa layout: tokens.txt. */
  tokens?: string
  parameters: number
}

/**
 * @example
 * const files = await writePiperVoice(dir, { layout: 'piper' })
 * // engines file: { kind: sherpa, model: files.model, config: files.config, data_dir: ... }
 */
export async function writePiperVoice(dir: string, options: PiperVoiceOptions = {}): Promise<PiperVoiceFiles> {
  mkdirSync(dir, { recursive: true })
  const name = options.name ?? 'en_US-test-tiny'
  const sampleRate = options.sampleRate ?? 22050
  const speakers = options.speakers ?? []
  const espeakVoice = options.espeakVoice ?? 'en-us'
  const languageCode = options.languageCode ?? 'en_US'
  const symbols = phonemeSymbols()
  const graph = buildVitsGraph(options.size ?? TINY_VITS, {
    vocab: symbols.length,
    speakers: Math.max(1, speakers.length),
    seed: options.seed ?? 1,
  })
  const model = join(dir, `${name}.onnx`)
  if (options.layout === 'sherpa') {
    const tokens = join(dir, 'tokens.txt')
    // The keys and values sherpa-onnx's own conversion of Piper voices writes.
    const metadata = {
      model_type: 'vits',
      comment: 'piper',
      language: 'English',
      voice: espeakVoice,
      version: 1,
      has_espeak: 1,
      n_speakers: Math.max(1, speakers.length),
      sample_rate: sampleRate,
    }
    await Bun.write(model, graph.encode(metadata))
    await Bun.write(tokens, tokensText(symbols))
    return { model, tokens, parameters: graph.parameters }
  }
  const [family, region] = languageCode.split('_')
  const config = {
    audio: { sample_rate: sampleRate, quality: name.split('-').at(-1) ?? 'medium' },
    espeak: { voice: espeakVoice },
    inference: { noise_scale: 0.667, length_scale: 1, noise_w: 0.8 },
    phoneme_type: 'espeak',
    phoneme_map: {},
    phoneme_id_map: phonemeIdMap(symbols),
    num_symbols: symbols.length,
    num_speakers: Math.max(1, speakers.length),
    speaker_id_map: Object.fromEntries(speakers.map((s, i) => [s, i])),
    piper_version: '1.0.0',
    language: { code: languageCode, family, region, name_native: 'English', name_english: 'English' },
    dataset: name.split('-')[1] ?? 'test',
  }
  await Bun.write(model, graph.encode({}))
  await Bun.write(`${model}.json`, JSON.stringify(config, null, 2))
  return { model, config: `${model}.json`, parameters: graph.parameters }
}
