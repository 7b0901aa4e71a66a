/**
 * A VITS graph with Piper's inference interface: inputs `input` (phoneme ids, int64 [1, T]),
 * `input_lengths` (int64 [1]), `scales` (float [3]: noise, length, noise_w) and, with more
 * than one speaker, `sid` (int64 [1]); output `output` (float [1, 1, samples]). Text encoder,
 * duration predictor, length regulator, flow and HiFi-GAN decoder as in Piper's export, at
 * a chosen size, with random weights.
 */
import { DataType } from '../../../src/tts/engines/sherpa/onnx/onnx-schema.ts'
import { coupling, durations, encoderLayer, expandByDurations, hifiGan, scalar, conv1d, type DecoderSize } from './layers.ts'
import { OnnxGraph } from './onnx-graph.ts'

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

/** ln(frames per token) at the duration predictor's centre: 2.2 frames (about 2.7 after rounding up), about 31 ms at hop 256. */
const FRAMES_PER_TOKEN_LOG = Math.log(2.2)

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
  const embedded = g.op('Gather', [g.weight([options.vocab, hidden], 1), ids]) // [1, T, H]
  let x = g.op('Transpose', [embedded], { perm: [0, 2, 1] })
  if (options.speakers > 1) {
    const sid = g.input('sid', DataType.INT64, [1])
    const speaker = g.op('Gather', [g.weight([options.speakers, hidden], 1), sid]) // [1, H]
    x = g.op('Add', [x, g.op('Unsqueeze', [speaker, g.ints([2])])])
  }
  for (let i = 0; i < size.encoderLayers; i++) x = encoderLayer(g, x, hidden, size.filter)

  const noiseScale = g.op('Gather', [scales, g.ints([0], [])])
  const lengthScale = g.op('Gather', [scales, g.ints([1], [])])
  const frames = durations(g, x, hidden, size.durationFilter, lengthScale, FRAMES_PER_TOKEN_LOG)
  const mean = conv1d(g, expandByDurations(g, x, frames), hidden, hidden, 1)
  const noise = g.op('Mul', [g.op('RandomNormalLike', [mean], { scale: 0.5 }), noiseScale])
  let z = g.op('Add', [mean, noise])
  for (let i = 0; i < size.couplings; i++) z = coupling(g, z, hidden, hidden, size.couplingLayers)
  const audio = hifiGan(g, g.op('Mul', [z, scalar(g, 0.5)]), hidden, size.decoder)
  g.output(audio, DataType.FLOAT, [1, 1, 'samples'], 'output')
  return g
}

/** Samples per frame of a decoder. */
export const hopLength = (size: VitsSize) => size.decoder.rates.reduce((a, b) => a * b, 1)
