/**
 * A VITS graph with Piper's inference interface: inputs `input` (phoneme ids, int64 [1, T]),
 * `input_lengths` (int64 [1]), `scales` (float [3]: noise, length, noise_w) and, with more
 * than one speaker, `sid` (int64 [1]); output `output` (float [1, 1, samples]). Text encoder,
 * duration predictor, length regulator, flow and HiFi-GAN decoder as in Piper's export, at
 * a chosen size, with random weights.
 */
import { DataType } from '../../../src/tts/engines/sherpa/onnx/onnx-schema.ts'
import { conv1d, coupling, hifiGan, scalar, type DecoderSize } from './layers.ts'
import { OnnxGraph } from './onnx-graph.ts'
import { textToFrames } from './text-to-frames.ts'

export interface VitsSize {
  hidden: number
  filter: number
  encoderLayers: number
  durationFilter: number
  couplings: number
  couplingLayers: number
  decoder: DecoderSize
}

/** For tests: loads in milliseconds, synthesises far faster than real time. */
export const TINY_VITS: VitsSize = {
  hidden: 16,
  filter: 32,
  encoderLayers: 1,
  durationFilter: 16,
  couplings: 1,
  couplingLayers: 1,
  decoder: { channels: 32, rates: [8, 8, 4], kernels: [3] },
}

/** Piper "medium": about 15 M parameters, hop 256 at 22050 Hz. */
export const MEDIUM_VITS: VitsSize = {
  hidden: 192,
  filter: 768,
  encoderLayers: 6,
  durationFilter: 256,
  couplings: 4,
  couplingLayers: 4,
  decoder: { channels: 256, rates: [8, 8, 4], kernels: [3, 5, 7] },
}

/**
 * @example
 * const graph = buildVitsGraph(TINY_VITS, { vocab: 300, speakers: 1, seed: 7 })
 * await Bun.write('voice.onnx', graph.encode({}))
 */
export function buildVitsGraph(size: VitsSize, options: { vocab: number; speakers: number; seed: number }): OnnxGraph {
  const g = new OnnxGraph(options.seed)
  const { hidden } = size
  const ids = g.input('input', DataType.INT64, [1, 'phonemes'])
  g.input('input_lengths', DataType.INT64, [1])
  const scales = g.input('scales', DataType.FLOAT, [3])
  const noiseScale = g.op('Gather', [scales, g.ints([0], [])])
  const lengthScale = g.op('Gather', [scales, g.ints([1], [])])
  let speaker: string | undefined
  if (options.speakers > 1) {
    const sid = g.input('sid', DataType.INT64, [1])
    speaker = g.op('Gather', [g.weight([options.speakers, hidden], 1), sid]) // [1, H]
  }
  const textSize = { vocab: options.vocab, hidden, filter: size.filter, layers: size.encoderLayers, durationFilter: size.durationFilter }
  const mean = conv1d(g, textToFrames(g, ids, textSize, lengthScale, speaker), hidden, hidden, 1)
  const noise = g.op('Mul', [g.op('RandomNormalLike', [mean], { scale: 0.5 }), noiseScale])
  let z = g.op('Add', [mean, noise])
  for (let i = 0; i < size.couplings; i++) z = coupling(g, z, hidden, hidden, size.couplingLayers)
  const audio = hifiGan(g, g.op('Mul', [z, scalar(g, 0.5)]), hidden, size.decoder)
  g.output(audio, DataType.FLOAT, [1, 1, 'samples'], 'output')
  return g
}

/** Samples per frame of a decoder. */
export const hopLength = (size: VitsSize) => size.decoder.rates.reduce((a, b) => a * b, 1)
