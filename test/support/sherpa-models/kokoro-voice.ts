/**
 * Writes a generated Kokoro voice set as sherpa-onnx packages Kokoro: `model.onnx` (inputs
 * `tokens` int64 [1, T], `style` float [1, D], `speed` float [1]; output `audio` float [N] at
 * 24 kHz; metadata with `style_dim`, `speaker_names`, `n_speakers`), `voices.bin` (float32
 * style vectors: per voice, one row per token count) and tokens.txt. Kitten models have the
 * same shape with their own metadata (`model_type` kitten-tts, a two-number `style_dim`).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DataType } from '../../../src/tts/engines/sherpa/onnx/onnx-schema.ts'
import { hifiGan } from './layers.ts'
import { OnnxGraph, seededRandom } from './onnx-graph.ts'
import { phonemeSymbols, tokensText } from './phoneme-symbols.ts'
import { textToFrames } from './text-to-frames.ts'

export interface KokoroVoiceFiles {
  model: string
  voices: string
  tokens: string
}

/** Rows per voice (the longest token sequence + 1) and the style vector's length. */
const STYLE_ROWS = 128
const STYLE_DIM = 16

/**
 * @example
 * const files = await writeKokoroVoices(dir, ['af_test', 'bm_test'])
 */
export async function writeKokoroVoices(dir: string, names = ['af_test', 'bm_test'], seed = 3, family: 'kokoro' | 'kitten' = 'kokoro'): Promise<KokoroVoiceFiles> {
  mkdirSync(dir, { recursive: true })
  const symbols = phonemeSymbols()
  const g = new OnnxGraph(seed)
  const hidden = 16
  const tokens = g.input('tokens', DataType.INT64, [1, 'tokens'])
  const style = g.input('style', DataType.FLOAT, [1, STYLE_DIM])
  const speed = g.input('speed', DataType.FLOAT, [1])
  const condition = g.op('MatMul', [style, g.weight([STYLE_DIM, hidden], STYLE_DIM)]) // [1, H]
  const lengthScale = g.op('Div', [g.floats([1], [1]), speed])
  const frames = textToFrames(g, tokens, { vocab: symbols.length, hidden, filter: 32, layers: 1, durationFilter: 16 }, lengthScale, condition)
  const audio = hifiGan(g, frames, hidden, { channels: 32, rates: [8, 8, 5], kernels: [3] })
  g.output(g.op('Reshape', [audio, g.ints([-1])]), DataType.FLOAT, ['samples'], 'audio')
  const kitten = family === 'kitten'
  const metadata = {
    model_type: kitten ? 'kitten-tts' : 'kokoro',
    sample_rate: 24000,
    version: 1,
    has_espeak: 1,
    voice: 'en-us',
    n_speakers: names.length,
    speaker_names: names.join(','),
    style_dim: kitten ? `${STYLE_ROWS},${STYLE_DIM}` : `${STYLE_ROWS},1,${STYLE_DIM}`,
  }
  const files = { model: join(dir, 'model.onnx'), voices: join(dir, 'voices.bin'), tokens: join(dir, 'tokens.txt') }
  await Bun.write(files.model, g.encode(metadata))
  const random = seededRandom(seed + 1)
  const styles = Float32Array.from({ length: names.length * STYLE_ROWS * STYLE_DIM }, () => random() * 2 - 1)
  await Bun.write(files.voices, new Uint8Array(styles.buffer))
  await Bun.write(files.tokens, tokensText(symbols))
  return files
}
