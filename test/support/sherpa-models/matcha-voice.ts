/**
 * Writes a generated Matcha-TTS voice as sherpa-onnx packages Matcha: an acoustic model
 * (inputs `x` int64 [1, T], `x_length` int64 [1], `scales` float [2]: noise and length;
 * output `mel` float [1, 80, frames]; metadata `sample_rate`, `n_speakers`, `use_eos_bos`,
 * `pad_id`, `has_espeak`, `voice`), a HiFi-GAN vocoder (`mel` → `audio`, metadata
 * `model_type` hifigan) and tokens.txt.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { DataType } from '../../../src/tts/engines/sherpa/onnx/onnx-schema.ts'
import { conv1d, hifiGan } from './layers.ts'
import { OnnxGraph } from './onnx-graph.ts'
import { phonemeSymbols, tokensText } from './phoneme-symbols.ts'
import { textToFrames } from './text-to-frames.ts'

export interface MatchaVoiceFiles {
  acousticModel: string
  vocoder: string
  tokens: string
}

const MELS = 80

/**
 * @example
 * const files = await writeMatchaVoice(dir)
 */
export async function writeMatchaVoice(dir: string, seed = 5): Promise<MatchaVoiceFiles> {
  mkdirSync(dir, { recursive: true })
  const symbols = phonemeSymbols()
  const acoustic = new OnnxGraph(seed)
  const x = acoustic.input('x', DataType.INT64, [1, 'tokens'])
  acoustic.input('x_length', DataType.INT64, [1])
  const scales = acoustic.input('scales', DataType.FLOAT, [2])
  const lengthScale = acoustic.op('Gather', [scales, acoustic.ints([1], [])])
  const frames = textToFrames(acoustic, x, { vocab: symbols.length, hidden: 16, filter: 32, layers: 1, durationFilter: 16 }, lengthScale)
  acoustic.output(conv1d(acoustic, frames, 16, MELS, 3), DataType.FLOAT, [1, MELS, 'frames'], 'mel')

  const vocoder = new OnnxGraph(seed + 1)
  const mel = vocoder.input('mel', DataType.FLOAT, [1, MELS, 'frames'])
  const audio = hifiGan(vocoder, mel, MELS, { channels: 32, rates: [8, 8, 4], kernels: [3] })
  vocoder.output(vocoder.op('Reshape', [audio, vocoder.ints([1, -1])]), DataType.FLOAT, [1, 'samples'], 'audio')

  const files = { acousticModel: join(dir, 'model-steps-3.onnx'), vocoder: join(dir, 'hifigan.onnx'), tokens: join(dir, 'tokens.txt') }
  const metadata = { model_type: 'matcha-tts', sample_rate: 22050, n_speakers: 1, use_eos_bos: 1, pad_id: 0, has_espeak: 1, voice: 'en-us', version: 1 }
  await Bun.write(files.acousticModel, acoustic.encode(metadata))
  await Bun.write(files.vocoder, vocoder.encode({ model_type: 'hifigan', sample_rate: 22050 }))
  await Bun.write(files.tokens, tokensText(symbols))
  return files
}
